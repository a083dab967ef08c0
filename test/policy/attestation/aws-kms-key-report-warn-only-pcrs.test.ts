/** aws-kms-key-report-warn-only-pcrs: the advisory half of the PCR check. */
import { describe, expect, it } from "vitest";
import { awsKmsKeyReportWarnOnlyPcrs } from "../../../policy/attestation/rules/aws-kms-key-report-warn-only-pcrs";
import { runResourcePolicy, type OfflineResource } from "../../../src/policy/evaluate";
import { devResource } from "./fixtures";

const HOST = "arn:aws:iam::123456789012:role/prover-dev-host-1a2342b";
const DEFAULTS = { acceptedReleases: [], requiredPcrs: [0, 1, 2], warnOnlyPcrs: [], exemptKeyTags: {} };

function devKeyWithout(pcr: number): OfflineResource {
  const key = devResource("aws:kms/key:Key");
  const doc = JSON.parse(key.props["policy"] as string) as { Statement: Array<{ Sid: string; Condition?: Record<string, Record<string, string>> }> };
  delete doc.Statement.find((s) => s.Sid === "AllowEnclaveDecryptV631")!.Condition!["StringEqualsIgnoreCase"]![`kms:RecipientAttestation:PCR${pcr}`];
  return { ...key, props: { ...key.props, policy: JSON.stringify(doc) } };
}

describe("aws-kms-key-report-warn-only-pcrs", () => {
  it("is advisory", () => {
    expect(awsKmsKeyReportWarnOnlyPcrs.enforcementLevel).toBe("advisory");
  });

  it("has nothing to say without warnOnly PCRs", async () => {
    expect(await runResourcePolicy(awsKmsKeyReportWarnOnlyPcrs, devResource("aws:kms/key:Key"), DEFAULTS)).toEqual({ kind: "notApplicable", reason: "no warnOnly PCRs configured" });
  });

  it("stays silent when the warnOnly PCR is pinned anyway (the dev key pins PCR1)", async () => {
    expect(await runResourcePolicy(awsKmsKeyReportWarnOnlyPcrs, devResource("aws:kms/key:Key"), { ...DEFAULTS, warnOnlyPcrs: [1] })).toEqual({ kind: "violations", violations: [] });
  });

  it("reports a warnOnly PCR the key does not enforce", async () => {
    expect(await runResourcePolicy(awsKmsKeyReportWarnOnlyPcrs, devKeyWithout(1), { ...DEFAULTS, warnOnlyPcrs: [1] })).toEqual({
      kind: "violations",
      violations: [{ message: `key policy does not enforce warn-only PCR1 for kms:Decrypt by ${HOST}: an enclave with another PCR1 can decrypt` }],
    });
  });
});
