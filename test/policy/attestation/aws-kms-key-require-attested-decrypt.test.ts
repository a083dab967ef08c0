/**
 * aws-kms-key-require-attested-decrypt: the dev stack's real key policy passes; hand-broken
 * variants are refused with the simulator's reading of them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { awsKmsKeyRequireAttestedDecrypt } from "../../../policy/attestation/rules/aws-kms-key-require-attested-decrypt";
import { buildNitroKmsKeyPolicy } from "../../../src/attestation/aws-kms-policy";
import { runResourcePolicy, type OfflineResource } from "../../../src/policy/evaluate";
import { devResource, offline } from "./fixtures";

const KEY = "aws:kms/key:Key";
const HOST = "arn:aws:iam::123456789012:role/prover-dev-host-1a2342b";
const ROOT = "arn:aws:iam::123456789012:root";
const manifest = JSON.parse(readFileSync(join(__dirname, "../../../releases/pcr-measurements.v6.3.1.json"), "utf8")) as { measurements: Record<"pcr0" | "pcr1" | "pcr2", { value: string }> };
const V631 = { version: "v6.3.1", pcrs: { "0": manifest.measurements.pcr0.value, "1": manifest.measurements.pcr1.value, "2": manifest.measurements.pcr2.value } };
const DEFAULTS = { acceptedReleases: [], requiredPcrs: [0, 1, 2], warnOnlyPcrs: [], exemptKeyTags: {} };

interface Statement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The dev key with its policy document edited by `edit`. */
function devKey(edit: (statements: Statement[]) => void = () => {}): OfflineResource {
  const key = devResource(KEY);
  const doc = JSON.parse(key.props["policy"] as string) as { Statement: Statement[] };
  edit(doc.Statement);
  return { ...key, props: { ...key.props, policy: JSON.stringify(doc) } };
}
const decrypt = (s: Statement[]): Statement => s.find((x) => x.Sid === "AllowEnclaveDecryptV631")!;
const conditions = (s: Statement[]): Record<string, string | string[]> => decrypt(s).Condition!["StringEqualsIgnoreCase"]!;

async function messages(resource: OfflineResource, config: Record<string, unknown> = DEFAULTS): Promise<string[]> {
  const outcome = await runResourcePolicy(awsKmsKeyRequireAttestedDecrypt, resource, config);
  if (outcome.kind !== "violations") throw new Error(`not applicable: ${outcome.reason ?? ""}`);
  return outcome.violations.map((v) => v.message);
}

const pcrMessage = (i: number): string => `key policy allows kms:Decrypt to ${HOST} whatever PCR${i} is: require kms:RecipientAttestation:PCR${i} with StringEqualsIgnoreCase equal to the pinned value`;
const UNATTESTED = `key policy allows kms:Decrypt to ${HOST} without an attestation document`;

describe("aws-kms-key-require-attested-decrypt", () => {
  it("passes the dev stack's key, with and without the v6.3.1 pins configured", async () => {
    expect(await messages(devKey())).toEqual([]);
    expect(await messages(devKey(), { ...DEFAULTS, acceptedReleases: [V631] })).toEqual([]);
    // Two accepted releases during a rotation: the key pins v6.3.1, which is one of them.
    const next = { version: "v6.4.0", pcrs: { "0": "ab".repeat(48), "1": "cd".repeat(48), "2": "ef".repeat(48) } };
    expect(await messages(devKey(), { ...DEFAULTS, acceptedReleases: [V631, next] })).toEqual([`key policy does not allow kms:Decrypt to ${HOST} for accepted release v6.4.0`]);
  });

  it("accepts ImageSha384 in place of PCR0", async () => {
    const image = devKey((s) => {
      const c = conditions(s);
      c["kms:RecipientAttestation:ImageSha384"] = c["kms:RecipientAttestation:PCR0"]!;
      delete c["kms:RecipientAttestation:PCR0"];
    });
    expect(await messages(image)).toEqual([]);
    expect(await messages(image, { ...DEFAULTS, acceptedReleases: [V631] })).toEqual([]);
  });

  it("refuses a decrypt statement missing a required PCR (too few PCRs), configurable", async () => {
    const noPcr2 = devKey((s) => {
      delete conditions(s)["kms:RecipientAttestation:PCR2"];
    });
    expect(await messages(noPcr2)).toEqual([pcrMessage(2)]);
    // The dev key pins no PCR8: a team that requires it (signed EIFs) is told so.
    expect(await messages(devKey(), { ...DEFAULTS, requiredPcrs: [0, 1, 2, 8] })).toEqual([pcrMessage(8)]);
    // A warnOnly PCR is left to the advisory rule.
    expect(await messages(noPcr2, { ...DEFAULTS, warnOnlyPcrs: [2] })).toEqual([]);
  });

  it("refuses a statement without any condition", async () => {
    expect(await messages(devKey((s) => delete decrypt(s).Condition))).toEqual([UNATTESTED]);
  });

  it("refuses a wildcard under StringLike", async () => {
    const like = devKey((s) => {
      decrypt(s).Condition!["StringLike"] = { "kms:RecipientAttestation:PCR0": "*" };
      delete conditions(s)["kms:RecipientAttestation:PCR0"];
    });
    expect(await messages(like)).toEqual([pcrMessage(0), "key policy statement AllowEnclaveDecryptV631 conditions kms:RecipientAttestation:PCR0 with StringLike: use StringEqualsIgnoreCase (no wildcards, no ...IfExists)"]);
  });

  it("refuses ...IfExists operators: a request without an attestation document passes them", async () => {
    const ifExists = devKey((s) => {
      const c = decrypt(s).Condition!;
      c["StringEqualsIgnoreCaseIfExists"] = c["StringEqualsIgnoreCase"]!;
      delete c["StringEqualsIgnoreCase"];
    });
    expect(await messages(ifExists)).toEqual([
      UNATTESTED,
      ...[0, 1, 2, 3].map((i) => `key policy statement AllowEnclaveDecryptV631 conditions kms:RecipientAttestation:PCR${i} with StringEqualsIgnoreCaseIfExists: use StringEqualsIgnoreCase (no wildcards, no ...IfExists)`),
    ]);
  });

  it("refuses all-zero (debug-mode) pins", async () => {
    const zeros = devKey((s) => {
      for (const i of [0, 1, 2]) conditions(s)[`kms:RecipientAttestation:PCR${i}`] = "0".repeat(96);
    });
    expect(await messages(zeros)).toEqual([
      `key policy allows kms:Decrypt to ${HOST} from a debug-mode enclave (all-zero PCR0, PCR1, PCR2)`,
      ...[0, 1, 2].map((i) => `key policy statement AllowEnclaveDecryptV631 pins kms:RecipientAttestation:PCR${i} to all zeros (a debug-mode enclave)`),
    ]);
  });

  it("refuses a value that is not a SHA-384 digest", async () => {
    const short = devKey((s) => {
      conditions(s)["kms:RecipientAttestation:PCR1"] = "abc";
    });
    expect(await messages(short)).toEqual(['key policy statement AllowEnclaveDecryptV631 pins kms:RecipientAttestation:PCR1 to "abc", not a SHA-384 hex digest']);
  });

  it("refuses pins of a release that is not accepted, and an accepted release that cannot decrypt", async () => {
    const other = { version: "v9.9.9", pcrs: { "0": "ab".repeat(48), "1": "cd".repeat(48), "2": "ef".repeat(48) } };
    expect(await messages(devKey(), { ...DEFAULTS, acceptedReleases: [other] })).toEqual([
      `key policy statement AllowEnclaveDecryptV631 allows kms:Decrypt to ${HOST} for measurements of no accepted release`,
      `key policy does not allow kms:Decrypt to ${HOST} for accepted release v9.9.9`,
    ]);
  });

  it("refuses the default key policy's account-root statement (IAM policies become a bypass)", async () => {
    const root = devKey((s) => {
      s.push({ Sid: "EnableIAMUserPermissions", Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" });
    });
    expect(await messages(root)).toEqual([
      "key policy lets any principal of account 123456789012 with an IAM policy for it kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyPair, kms:DeriveSharedSecret, kms:ReEncryptFrom, kms:CreateGrant without attestation (a '*' or root principal)",
    ]);
  });

  it("refuses a '*' principal with decrypt", async () => {
    const star = devKey((s) => {
      s.push({ Sid: "Everyone", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" });
    });
    expect(await messages(star)).toEqual([
      UNATTESTED,
      "key policy allows kms:Decrypt to arn:aws:iam::123456789012:role/PLACEHOLDER-pulumi-deployer without an attestation document",
      "key policy allows kms:Decrypt to the account root (arn:aws:iam::123456789012:root) without attestation, so any IAM policy in the account can grant it",
      "key policy lets any principal of account 123456789012 with an IAM policy for it kms:Decrypt without attestation (a '*' or root principal)",
      "key policy lets principals of other accounts kms:Decrypt without attestation (a '*' principal)",
    ]);
  });

  it("refuses kms:CreateGrant to the host: a grant bypasses the condition", async () => {
    const grant = devKey((s) => {
      s.push({ Sid: "Grants", Effect: "Allow", Principal: { AWS: HOST }, Action: "kms:CreateGrant", Resource: "*" });
    });
    expect(await messages(grant)).toEqual([`key policy allows kms:CreateGrant to ${HOST}: a grant lets its grantee decrypt without the attestation condition`]);
  });

  it("refuses GenerateDataKey without attestation, whatever the decrypt statement says", async () => {
    const gdk = devKey((s) => {
      s.push({ Sid: "DataKeys", Effect: "Allow", Principal: { AWS: HOST }, Action: "kms:GenerateDataKey*", Resource: "*" });
    });
    expect(await messages(gdk)).toEqual([`key policy allows kms:GenerateDataKey, kms:GenerateDataKeyPair to ${HOST} without an attestation document`]);
  });

  it("refuses a key without a policy and a policy that is not JSON", async () => {
    expect(await messages(offline(KEY, "bare", { description: "no policy" }))).toEqual([
      "KMS key has no key policy: AWS applies the default one, whose account-root statement lets any IAM policy in the account grant kms:Decrypt without attestation",
    ]);
    expect(await messages(offline(KEY, "bad", { policy: "{not json" }))).toEqual(["key policy is not valid JSON (Expected property name or '}' in JSON at position 1)"]);
  });

  it("skips keys exempted by tag and resources of other types", async () => {
    const logs = offline(KEY, "logs", { tags: { purpose: "logs" } });
    expect(await runResourcePolicy(awsKmsKeyRequireAttestedDecrypt, logs, { ...DEFAULTS, exemptKeyTags: { purpose: "logs" } })).toEqual({ kind: "notApplicable", reason: "exempt by tag purpose" });
    expect((await runResourcePolicy(awsKmsKeyRequireAttestedDecrypt, offline("aws:kms/alias:Alias", "a", {}), DEFAULTS)).kind).toBe("notApplicable");
  });

  it("judges a rotation policy (two releases, as buildNitroKmsKeyPolicy writes it) against the accepted releases", async () => {
    const pin = (expected: string) => ({ expected, warnOnly: false });
    const V640 = { version: "v6.4.0", pcrs: { "0": "ab".repeat(48), "1": "cd".repeat(48), "2": "ef".repeat(48) } };
    const policy = buildNitroKmsKeyPolicy({
      partition: "aws",
      accountId: "123456789012",
      hostRoleArn: HOST,
      keyAdministratorArns: ["arn:aws:iam::123456789012:role/PLACEHOLDER-pulumi-deployer"],
      releases: [V631, V640].map((r) => ({ version: r.version, pcrs: { 0: pin(r.pcrs["0"]), 1: pin(r.pcrs["1"]), 2: pin(r.pcrs["2"]) } })),
      pinParentRole: true,
    });
    const rotating = offline(KEY, "rotating", { policy: JSON.stringify(policy) });
    expect(await messages(rotating, { ...DEFAULTS, acceptedReleases: [V631, V640] })).toEqual([]);
    // v6.4.0 withdrawn from the accepted set while the key still admits it.
    expect(await messages(rotating, { ...DEFAULTS, acceptedReleases: [V631] })).toEqual([`key policy statement AllowEnclaveDecryptV640 allows kms:Decrypt to ${HOST} for measurements of no accepted release`]);
  });

  it("sees through NotAction and account-id principals, which string matching on Action / root ARNs misses", async () => {
    const notAction = devKey((s) => {
      s.push({ Sid: "HostEverythingButEncrypt", Effect: "Allow", Principal: { AWS: HOST }, NotAction: "kms:Encrypt", Resource: "*" } as unknown as Statement);
    });
    expect(await messages(notAction)).toEqual([
      `key policy allows kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyPair, kms:DeriveSharedSecret, kms:ReEncryptFrom to ${HOST} without an attestation document`,
      `key policy allows kms:CreateGrant to ${HOST}: a grant lets its grantee decrypt without the attestation condition`,
    ]);
    const accountId = devKey((s) => {
      s.push({ Sid: "Account", Effect: "Allow", Principal: { AWS: "123456789012" }, Action: "kms:Decrypt", Resource: "*" });
    });
    expect(await messages(accountId)).toEqual(["key policy lets any principal of account 123456789012 with an IAM policy for it kms:Decrypt without attestation (a '*' or root principal)"]);
  });
});
