/** aws-ec2-launchtemplate-disallow-debug-enclave over the dev template and hand-broken user data. */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { awsEc2LaunchTemplateDisallowDebugEnclave } from "../../../policy/attestation/rules/aws-ec2-launchtemplate-disallow-debug-enclave";
import { decodeUserData } from "../../../policy/common/attestation-user-data";
import { runResourcePolicy, type OfflineResource, type PolicyOutcome } from "../../../src/policy/evaluate";
import { devResource, offline } from "./fixtures";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const DISABLED = "launch template runs Nitro Enclaves but enclaveOptions.enabled is not true: instances launched from it cannot start the enclave";
const debug = (flags: string): string => `launch template user data starts a debug-mode enclave (nitro-cli run-enclave with ${flags}): its PCRs read as zeros and its console is open to the host`;

/** The dev template with its cloud-init text edited, re-encoded as the component does (gzip, base64). */
function devTemplate(edit: (cloudInit: string) => string): OfflineResource {
  const t = devResource(LT);
  const text = decodeUserData(t.props["userData"] as string);
  return { ...t, props: { ...t.props, userData: gzipSync(Buffer.from(edit(text))).toString("base64") } };
}
const found = (o: PolicyOutcome): string[] => (o.kind === "violations" ? o.violations.map((v) => v.message) : [`notApplicable: ${o.reason ?? ""}`]);
const run = async (r: OfflineResource): Promise<string[]> => found(await runResourcePolicy(awsEc2LaunchTemplateDisallowDebugEnclave, r));

describe("aws-ec2-launchtemplate-disallow-debug-enclave", () => {
  it("passes the dev stack's template (gzip + base64 cloud-init that mentions debug mode only in comments and logs)", async () => {
    const text = decodeUserData(devResource(LT).props["userData"] as string);
    expect(text).toContain("nitro-cli run-enclave \\");
    expect(text).toContain("debug-mode");
    expect(await run(devResource(LT))).toEqual([]);
  });

  it("refuses --debug-mode on a continuation line of the real run-enclave command", async () => {
    const broken = devTemplate((t) => t.replace("nitro-cli run-enclave \\", "nitro-cli run-enclave --debug-mode \\"));
    expect(await run(broken)).toEqual([debug("--debug-mode")]);
  });

  it("refuses --attach-console in a YAML runcmd list, in plain (not base64) user data", async () => {
    const plain = offline(LT, "plain", { enclaveOptions: { enabled: true }, userData: "#cloud-config\nruncmd:\n  - [nitro-cli, run-enclave, --eif-path, /opt/app.eif, --memory, '4096', --attach-console]\n" });
    expect(await run(plain)).toEqual([debug("--attach-console")]);
  });

  it("refuses the --config JSON form with debug_mode true", async () => {
    const json = offline(LT, "json", { enclaveOptions: { enabled: true }, userData: Buffer.from('#!/bin/bash\necho \'{"eif_path": "/opt/app.eif", "memory_mib": 4096, "debug_mode": true}\' > /etc/enclave.json\nnitro-cli run-enclave --config /etc/enclave.json\n').toString("base64") });
    expect(await run(json)).toEqual([debug('"debug_mode": true')]);
  });

  it("refuses enclave user data on a template without enclave options", async () => {
    const t = devResource(LT);
    const { enclaveOptions: _dropped, ...props } = t.props;
    expect(await run({ ...t, props })).toEqual([DISABLED]);
    expect(await run({ ...t, props: { ...props, enclaveOptions: { enabled: false } } })).toEqual([DISABLED]);
  });

  it("ignores templates without enclave markers", async () => {
    expect(await run(offline(LT, "web", { userData: Buffer.from("#!/bin/bash\nyum install -y nginx\n").toString("base64") }))).toEqual(["notApplicable: no enclave markers (enclaveOptions.enabled or nitro-cli in the user data)"]);
    expect(await run(offline(LT, "off", { enclaveOptions: { enabled: false } }))).toEqual(["notApplicable: no enclave markers (enclaveOptions.enabled or nitro-cli in the user data)"]);
  });

  it("does not count a flag in a comment or another command", async () => {
    const commented = offline(LT, "c", { enclaveOptions: { enabled: true }, userData: "#!/bin/bash\n# never: nitro-cli run-enclave --debug-mode\nnitro-cli run-enclave --eif-path /opt/app.eif --memory 4096; echo --debug-mode\n" });
    expect(await run(commented)).toEqual([]);
  });
});
