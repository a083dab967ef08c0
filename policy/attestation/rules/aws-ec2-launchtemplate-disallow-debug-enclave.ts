import { AwsEc2LaunchTemplate as LaunchTemplate } from "../../common/resource-types";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { debugEnclaveFlags, decodeUserData, runsEnclaves } from "../../common/attestation-user-data";

// Why: a debug-mode enclave reports all-zero PCRs and exposes its console to the parent, so it is
// neither attestable nor confidential; and without enclave options the host cannot start the
// enclave at all (https://docs.aws.amazon.com/enclaves/latest/user/create-enclave.html).
export const awsEc2LaunchTemplateDisallowDebugEnclave: ResourceValidationPolicy = {
  name: "aws-ec2-launchtemplate-disallow-debug-enclave",
  description: "A launch template whose hosts run Nitro Enclaves turns enclave options on and its user data never starts an enclave in debug mode (--debug-mode, --attach-console, or their --config JSON equivalents).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: "Set enclaveOptions.enabled = true on the launch template, and remove --debug-mode / --attach-console (or \"debug_mode\"/\"attach_console\": true) from every nitro-cli run-enclave in the user data. Debug a release on a separate, non-production host instead.",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(LaunchTemplate, (template, args, report) => {
    const userData = typeof template.userData === "string" ? decodeUserData(template.userData) : "";
    // The recorded inputs may carry the bool as a string, as the bridged provider's state does.
    const given: unknown = template.enclaveOptions?.enabled;
    const enabled = given === true || given === "true";
    if (!enabled && !runsEnclaves(userData)) args.notApplicable("no enclave markers (enclaveOptions.enabled or nitro-cli in the user data)");
    if (!enabled) report("launch template runs Nitro Enclaves but enclaveOptions.enabled is not true: instances launched from it cannot start the enclave");
    const flags = debugEnclaveFlags(userData);
    if (flags.length > 0) report(`launch template user data starts a debug-mode enclave (nitro-cli run-enclave with ${flags.join(", ")}): its PCRs read as zeros and its console is open to the host`);
  }),
};
