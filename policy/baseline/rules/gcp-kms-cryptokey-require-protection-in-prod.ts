import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GcpKmsCryptoKey as CryptoKey, GcpSecretmanagerSecret as Secret } from "../../common/resource-types";
import { bool, forTypes } from "../../common/baseline-props";
import { isProd, PROD_CONFIG, protectionMessage } from "../../common/baseline-prod";

// Why (mandatory): in production stacks only, a destroyed key version or secret makes what it protects
// unrecoverable (API keys, the TLS key). Secret Manager secrets have their own guard
// (deletionProtection); crypto keys cannot be deleted from GCP, but Pulumi destroys their
// versions, so only `protect` counts for them.

export const gcpKmsCryptoKeyRequireProtectionInProd: ResourceValidationPolicy = {
  name: "gcp-kms-cryptokey-require-protection-in-prod",
  description: "In production stacks, Cloud KMS crypto keys are protected and Secret Manager secrets are protected or have deletionProtection.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Pass { protect: true } to production crypto keys and secrets (secrets may set deletionProtection: true instead).",
  configSchema: PROD_CONFIG,
  validateResource: forTypes([
    [
      CryptoKey,
      (_props, args, report) => {
        if (isProd(args) && !args.opts.protect) report(protectionMessage("crypto key", undefined));
      },
    ],
    [
      Secret,
      (props, args, report) => {
        if (isProd(args) && !args.opts.protect && bool(props["deletionProtection"]) !== true) report(protectionMessage("secret", "deletionProtection: true"));
      },
    ],
  ]),
};
