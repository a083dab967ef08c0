import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsKmsKeyRequireProtectionInProd as awsRule } from "../../../policy/baseline/rules/aws-kms-key-require-protection-in-prod";
import { gcpKmsCryptoKeyRequireProtectionInProd as gcpRule } from "../../../policy/baseline/rules/gcp-kms-cryptokey-require-protection-in-prod";
import { azureKeyVaultVaultRequireProtectionInProd as azRule } from "../../../policy/baseline/rules/azure-keyvault-vault-require-protection-in-prod";
import { awsDev, gcpDev, NONE, pick, resource, violations, withProps } from "./dev-stacks";

// Dev stacks are not production; the same resources tagged prod must be protected.

describe("aws-kms-key-require-protection-in-prod", () => {
  const key = pick(awsDev, "aws:kms/key:Key", "prover-dev-attested");
  const logs = pick(awsDev, "aws:cloudwatch/logGroup:LogGroup", "prover-dev-host-logs");
  const prodTags = (r: typeof key) => withProps(r, { tags: { ...(r.props["tags"] as Record<string, string>), "tee-prover:environment": "prod" } });

  it("leaves dev alone and passes protected prod resources", async () => {
    expect(await runResourcePolicy(awsRule, key)).toEqual(NONE);
    expect(await runResourcePolicy(awsRule, logs)).toEqual(NONE);
    expect(await runResourcePolicy(awsRule, { ...prodTags(key), protect: true })).toEqual(NONE);
    expect(await runResourcePolicy(awsRule, withProps(prodTags(logs), { skipDestroy: true }))).toEqual(NONE);
  });

  it("refuses unprotected prod keys and log groups, prod named by tag, stack tag or config", async () => {
    expect(await runResourcePolicy(awsRule, prodTags(key))).toEqual(violations("production KMS key is not protected: set the protect resource option so a destroy or replacement cannot delete it"));
    expect(await runResourcePolicy(awsRule, logs, {}, new Map([["environment", "production"]]))).toEqual(
      violations("production log group is not protected: set the protect resource option (or skipDestroy: true) so a destroy or replacement cannot delete it"),
    );
    expect(await runResourcePolicy(awsRule, key, { prod: true })).toEqual(violations("production KMS key is not protected: set the protect resource option so a destroy or replacement cannot delete it"));
  });
});

describe("gcp-kms-cryptokey-require-protection-in-prod", () => {
  const secret = pick(gcpDev, "gcp:secretmanager/secret:Secret", "prover-dev-gcp-api-keys");

  it("leaves dev alone and refuses an unprotected prod secret and crypto key", async () => {
    expect(await runResourcePolicy(gcpRule, secret)).toEqual(NONE);
    const prod = withProps(secret, { labels: { "tee-prover-environment": "prod" } });
    expect(await runResourcePolicy(gcpRule, prod)).toEqual(violations("production secret is not protected: set the protect resource option (or deletionProtection: true) so a destroy or replacement cannot delete it"));
    expect(await runResourcePolicy(gcpRule, withProps(prod, { deletionProtection: true }))).toEqual(NONE);
    const key = resource("gcp:kms/cryptoKey:CryptoKey", "k", { keyRing: "projects/p/locations/l/keyRings/r", labels: { environment: "prod" } });
    expect(await runResourcePolicy(gcpRule, key)).toEqual(violations("production crypto key is not protected: set the protect resource option so a destroy or replacement cannot delete it"));
    expect(await runResourcePolicy(gcpRule, { ...key, protect: true })).toEqual(NONE);
  });
});

describe("azure-keyvault-vault-require-protection-in-prod", () => {
  const vault = resource("azure-native:keyvault:Vault", "kv", { tags: { "tee-prover:environment": "prod" }, properties: { enablePurgeProtection: true, tenantId: "t", sku: { family: "A", name: "premium" } } }, { protect: true });

  it("passes a protected vault with purge protection, refuses one without either", async () => {
    expect(await runResourcePolicy(azRule, vault)).toEqual(NONE);
    expect(await runResourcePolicy(azRule, { ...withProps(vault, { properties: { tenantId: "t" } }), protect: false })).toEqual(
      violations("production key vault is not protected: set the protect resource option so a destroy or replacement cannot delete it", "production key vault has no purge protection (properties.enablePurgeProtection): a deleted vault can be purged at once"),
    );
  });
});
