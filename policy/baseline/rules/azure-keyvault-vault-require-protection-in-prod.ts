import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AzureKeyvaultKey as Key, AzureKeyvaultVault as Vault, AzureOperationalinsightsWorkspace as Workspace } from "../../common/resource-types";
import { bool, forTypes, rec } from "../../common/baseline-props";
import { isProd, PROD_CONFIG, protectionMessage } from "../../common/baseline-prod";

// Why (mandatory): in production stacks only, a deleted vault or key loses every secret released to the fleet;
// purge protection keeps a deleted vault recoverable for its retention period
// (https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview); a deleted Log
// Analytics workspace loses the audit trail.

export const azureKeyVaultVaultRequireProtectionInProd: ResourceValidationPolicy = {
  name: "azure-keyvault-vault-require-protection-in-prod",
  description: "In production stacks, Key Vaults are protected with purge protection on, and keys and Log Analytics workspaces are protected.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Pass { protect: true } to production vaults, keys and workspaces, and set properties.enablePurgeProtection: true on vaults.",
  configSchema: PROD_CONFIG,
  validateResource: forTypes([
    [
      Vault,
      (props, args, report) => {
        if (!isProd(args)) return;
        if (!args.opts.protect) report(protectionMessage("key vault", undefined));
        if (bool(rec(props["properties"])?.["enablePurgeProtection"]) !== true) report("production key vault has no purge protection (properties.enablePurgeProtection): a deleted vault can be purged at once");
      },
    ],
    [
      Key,
      (_props, args, report) => {
        if (isProd(args) && !args.opts.protect) report(protectionMessage("key", undefined));
      },
    ],
    [
      Workspace,
      (_props, args, report) => {
        if (isProd(args) && !args.opts.protect) report(protectionMessage("Log Analytics workspace", undefined));
      },
    ],
  ]),
};
