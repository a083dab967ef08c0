/**
 * Key Vault Secure Key Release for the Azure fleet (docs/azure-key-release.md): a premium vault and
 * an exportable HSM key that Key Vault releases only to a caller that holds the `release`
 * permission (the scale set's identity, nobody else) AND presents an MAA token of an
 * Azure-compliant, non-debug confidential VM of the fleet's technology, from the configured
 * attestation authority (src/attestation/azure-release-policy.ts).
 *
 * The proof server's API keys and TLS key are stored encrypted under this key (envelope
 * encryption); the host releases the key after attesting and unwraps them into memory for the
 * container. What that proves, and what it does not (the container; root in the guest), is in the
 * docs page.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { RandomId } from "@pulumi/random/randomId";
import {
  buildAzureReleasePolicy,
  encodeReleasePolicy,
  sharedAttestationAuthority,
  type AzureReleasePolicy,
} from "../../src/attestation/azure-release-policy";

export interface KeyReleaseInputs {
  /** Resource group of the vault (the fleet's). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region of the vault; also picks the default shared MAA provider. */
  readonly location: string;
  /** Entra tenant of the vault and of every principal in its access policies. */
  readonly tenantId: pulumi.Input<string>;
  /** principalId of the scale set's user-assigned identity: the only principal allowed to release. */
  readonly releasePrincipalId: pulumi.Input<string>;
  /** The confidential technology of the scale set's VM size: the token's attestation type. */
  readonly technology: "SEV_SNP" | "TDX";
  /** MAA endpoint URL; default: the region's shared provider. */
  readonly attestationAuthority?: string;
  /** Principals (object ids) that administer the vault and key (the deployer). */
  readonly administratorObjectIds: pulumi.Input<pulumi.Input<string>[]>;
  /** prod: purge protection, 90-day soft delete, and Pulumi protect on the vault and the key. */
  readonly protect: boolean;
  /** Tags of the vault and the key. */
  readonly tags: Record<string, string>;
}

export interface AttestedKey {
  /** The premium vault. */
  readonly vault: keyvault.Vault;
  /** The exportable HSM key the hosts release. */
  readonly key: keyvault.Key;
  /** The key's release policy as data (what Key Vault enforces). */
  readonly releasePolicy: AzureReleasePolicy;
  /** `https://<vault>.vault.azure.net/`. */
  readonly vaultUri: pulumi.Output<string>;
  /** The key's name; changes with every pin change. */
  readonly keyName: pulumi.Output<string>;
  /** The same name as a plain string (known at plan time): the hosts' custom data names it. */
  readonly plainKeyName: string;
  /** The MAA endpoint the policy trusts, as the token's `iss` spells it: the hosts attest there. */
  readonly attestationAuthority: string;
}

/**
 * Key Vault names: 3-24 characters, letters, digits and hyphens, starting with a letter, ending
 * with a letter or digit, no consecutive hyphens; globally unique across Azure
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault).
 */
export const KEY_VAULT_NAME = /^(?=.{3,24}$)[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/;
/** Key names: 1-127 letters, digits and hyphens (same page, vaults/keys). */
export const KEY_NAME = /^[a-zA-Z0-9-]{1,127}$/;

/** Hex characters of the vault name's per-deployment suffix (3 random bytes). */
export const VAULT_SUFFIX_BYTES = 3;

/**
 * `<fleet name, cut>-<suffix>`: the suffix is drawn once per deployment (a RandomId without
 * keepers), as the GCP pool ids are. A hash of stable inputs would not do: a deleted vault keeps
 * its name reserved while soft-deleted (7-90 days; with purge protection it cannot be purged), so a
 * stack destroyed and deployed again would collide with its own deleted vault ("VaultAlreadyExists
 * ... recently deleted but not purged", pulumi/pulumi-azure-native#2722), and two organisations
 * with the same default fleet name would collide with each other.
 */
export function keyVaultName(fleetName: string, suffixHex: string): string {
  if (!/^[0-9a-f]+$/.test(suffixHex)) throw new Error(`vault name suffix "${suffixHex}" must be lower-case hex`);
  const head = fleetName
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-{2,}/g, "-")
    .slice(0, 24 - 1 - suffixHex.length)
    .replace(/-+$/, "");
  const name = `${head}-${suffixHex}`;
  if (!KEY_VAULT_NAME.test(name)) throw new Error(`Key Vault name "${name}" (from fleet name "${fleetName}") breaks Azure's rules: 3-24 letters, digits and hyphens, starting with a letter`);
  return name;
}

/** What the key is: every field of it that ARM would silently not update on an existing key. */
export interface ReleaseKeySpec {
  readonly kty: "RSA-HSM";
  readonly keySize: number;
  readonly keyOps: readonly string[];
  readonly exportable: true;
  readonly releasePolicy: AzureReleasePolicy;
}

export const RELEASE_KEY_SPEC: Omit<ReleaseKeySpec, "releasePolicy"> = {
  // An HSM-protected RSA key: SKR needs an HSM key (premium vault) marked exportable
  // (https://learn.microsoft.com/azure/confidential-computing/concept-skr-attestation).
  kty: "RSA-HSM",
  keySize: 3072,
  // The host unwraps the data keys with the released private key; the operator wraps them with the
  // public key (downloaded, wrapping needs no vault call). No signing.
  keyOps: ["wrapKey", "unwrapKey", "encrypt", "decrypt"],
  exportable: true,
};

/**
 * `<name>-release-<hash of the key spec>`. ARM creates a key only if the name is free and never
 * updates an existing one ("Creates the first version of a new key if it does not exist. If it
 * already exists, then the existing key is returned without any write operations being performed
 * ... does not update existing keys", Keys - Create If Not Exist,
 * https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist). So a changed
 * release policy (or size, type, operations) must be a key with another name: the name changes,
 * azure-native replaces the key (create the new one, then delete the old one through the data plane,
 * pulumi-azure-native provider/pkg/resources/customresources/custom_keyvault.go), and what Key
 * Vault enforces is what the stack declares.
 */
export function releaseKeyName(name: string, spec: ReleaseKeySpec): string {
  const digest = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 8);
  const head = name.replace(/[^a-zA-Z0-9-]/g, "-").slice(0, 127 - "-release-".length - digest.length);
  const keyName = `${head}-release-${digest}`;
  if (!KEY_NAME.test(keyName)) throw new Error(`key name "${keyName}" breaks Azure's rules: 1-127 letters, digits and hyphens`);
  return keyName;
}

/**
 * Key permissions of the releaser: `release` (POST .../release with the MAA token) and `get`
 * (the key's public part and attributes, the release policy included). Nothing else: it never
 * uses the key inside the vault.
 */
export const RELEASER_KEY_PERMISSIONS = ["get", "release"] as const;
/** The releaser reads the wrapped secrets (ciphertext only). */
export const RELEASER_SECRET_PERMISSIONS = ["get"] as const;
/**
 * Administrators can read, delete and recover keys and manage the wrapped secrets, and nothing
 * that would loosen or copy the key:
 * - no `release`, `purge`, `all`, nor the cryptographic operations (wrapping uses the public key
 *   offline);
 * - no `update`: the data plane can change an existing key's release policy (Keys - Update Key
 *   takes `release_policy`; only a policy marked `immutable` is fixed), which would loosen what
 *   ARM cannot;
 * - no `create` / `import` / `rotate` / `setrotationpolicy`: each makes a new version of the key
 *   name with a policy of its author's choosing (ARM creates keys as a control-plane operation and
 *   needs none of them);
 * - no `backup` / `restore`: a backup restores into another vault of the subscription, whose access
 *   policies its owner sets, and then any compliant confidential VM of theirs passes the policy.
 * `delete` is needed: azure-native deletes a replaced key through the data plane with the
 * deployer's credentials; `recover` undoes a mistaken one.
 */
export const ADMIN_KEY_PERMISSIONS = ["get", "list", "delete", "recover"] as const;
export const ADMIN_SECRET_PERMISSIONS = ["get", "list", "set", "delete", "recover"] as const;

/**
 * The vault's access policies (the access-policy permission model, not Azure RBAC: built-in RBAC
 * roles that manage keys, Key Vault Crypto Officer and Administrator, carry
 * `Microsoft.KeyVault/vaults/keys/*`, release included, so "release only for the identity" would
 * need a custom role; and the administrators arrive as one Output list, which maps onto access
 * policies without declaring resources inside an apply). docs/azure-key-release.md has the
 * trade-off: under this model anyone with `Microsoft.KeyVault/vaults/write` can edit the policies.
 */
export function keyVaultAccessPolicies(p: { tenantId: string; releasePrincipalId: string; administratorObjectIds: readonly string[] }): azureInputs.keyvault.AccessPolicyEntryArgs[] {
  const guid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
  if (!guid.test(p.tenantId)) throw new Error(`tenantId: "${p.tenantId}" is not a tenant id (a GUID)`);
  if (!guid.test(p.releasePrincipalId)) throw new Error(`releasePrincipalId: "${p.releasePrincipalId}" is not an object id (a GUID)`);
  const admins = [...new Set(p.administratorObjectIds.map((id) => id.toLowerCase()))];
  if (admins.length === 0) throw new Error("administratorObjectIds: at least one principal (the one running pulumi up), or nobody can delete a replaced key");
  const bad = admins.filter((id) => !guid.test(id));
  if (bad.length > 0) throw new Error(`administratorObjectIds: ${bad.join(", ")} not object ids (GUIDs)`);
  if (admins.includes(p.releasePrincipalId.toLowerCase())) {
    throw new Error("administratorObjectIds: must not contain releasePrincipalId; the identity that releases the key must not also administer it");
  }
  return [
    { tenantId: p.tenantId, objectId: p.releasePrincipalId, permissions: { keys: [...RELEASER_KEY_PERMISSIONS], secrets: [...RELEASER_SECRET_PERMISSIONS], certificates: [], storage: [] } },
    ...admins.map((objectId) => ({ tenantId: p.tenantId, objectId, permissions: { keys: [...ADMIN_KEY_PERMISSIONS], secrets: [...ADMIN_SECRET_PERMISSIONS], certificates: [], storage: [] } })),
  ];
}

/** Soft-delete retention: the maximum in prod (purge-protected), the minimum elsewhere. */
export const SOFT_DELETE_RETENTION_DAYS = { prod: 90, dev: 7 } as const;

export function attestedKey(name: string, inputs: KeyReleaseInputs, parent: pulumi.Resource): AttestedKey {
  const authority = inputs.attestationAuthority ?? sharedAttestationAuthority(inputs.location);
  const releasePolicy = buildAzureReleasePolicy({ technology: inputs.technology, authority });
  const spec: ReleaseKeySpec = { ...RELEASE_KEY_SPEC, releasePolicy };
  const keyName = releaseKeyName(name, spec);
  const opts = { parent };

  const suffix = new RandomId(`${name}-vault-suffix`, { byteLength: VAULT_SUFFIX_BYTES }, opts);
  const vault = new keyvault.Vault(`${name}-vault`, {
    resourceGroupName: inputs.resourceGroupName,
    location: inputs.location,
    vaultName: suffix.hex.apply((hex) => keyVaultName(name, hex)),
    properties: {
      tenantId: inputs.tenantId,
      // SKR needs HSM-protected keys: premium (or Managed HSM); standard vaults have software keys only.
      sku: { family: "A", name: "premium" },
      enableRbacAuthorization: false,
      accessPolicies: pulumi
        .all([inputs.tenantId, inputs.releasePrincipalId, pulumi.output(inputs.administratorObjectIds)])
        .apply(([tenantId, releasePrincipalId, administratorObjectIds]) => keyVaultAccessPolicies({ tenantId, releasePrincipalId, administratorObjectIds })),
      enableSoftDelete: true,
      softDeleteRetentionInDays: inputs.protect ? SOFT_DELETE_RETENTION_DAYS.prod : SOFT_DELETE_RETENTION_DAYS.dev,
      // Irreversible, and the API refuses false ("does not accept false as its value"): set only in prod.
      ...(inputs.protect ? { enablePurgeProtection: true } : {}),
      // Nothing but the releaser reads this vault: no VM deployment, disk encryption or ARM template access.
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
    },
    tags: inputs.tags,
  }, { ...opts, protect: inputs.protect });

  const key = new keyvault.Key(`${name}-release-key`, {
    resourceGroupName: inputs.resourceGroupName,
    vaultName: vault.name,
    keyName,
    properties: {
      kty: spec.kty,
      keySize: spec.keySize,
      keyOps: [...spec.keyOps],
      attributes: { enabled: true, exportable: spec.exportable },
      releasePolicy: encodeReleasePolicy(releasePolicy),
    },
    tags: inputs.tags,
  }, {
    ...opts,
    // Pulumi-protected in prod, like every prod key: a pin change (technology or authority; a new
    // release does not change the key) replaces the key, so in prod that `pulumi up` stops until an
    // operator runs `pulumi state unprotect` on the old key: a deliberate step for a change that
    // strands every wrapped secret (docs/azure-key-release.md, "Pin changes"). Even then a deleted
    // key is soft-deleted and purge-protected: recoverable for 90 days (az keyvault key recover).
    protect: inputs.protect,
    // Tags are not part of the name, and ARM never updates an existing key: ignore them rather
    // than report an update that does not happen.
    ignoreChanges: ["tags"],
    // keyName is in the resource's path, which azure-native already replaces on; said explicitly,
    // as the whole pin-change story rests on it. Create the new key, then delete the old one (the
    // names differ, so both can exist for that moment). Never on `properties`: with an unchanged
    // name the "new" key would be the old one (create-if-not-exist) and the delete would remove it.
    replaceOnChanges: ["keyName"],
    deleteBeforeReplace: false,
  });

  const trusted = releasePolicy.anyOf[0]?.authority;
  if (trusted === undefined) throw new Error(`${name}: the release policy names no authority`);
  return { vault, key, releasePolicy, vaultUri: vault.properties.vaultUri, keyName: key.name, plainKeyName: keyName, attestationAuthority: trusted };
}
