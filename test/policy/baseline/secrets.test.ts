import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runResourcePolicy } from "../../../src/policy/evaluate";
import { awsEc2LaunchTemplateDisallowSecretsInUserData as awsRule } from "../../../policy/baseline/rules/aws-ec2-launchtemplate-disallow-secrets-in-user-data";
import { gcpComputeInstanceTemplateDisallowSecretsInMetadata as gcpRule } from "../../../policy/baseline/rules/gcp-compute-instancetemplate-disallow-secrets-in-metadata";
import { azureComputeVirtualMachineScaleSetDisallowSecretsInCustomData as azRule } from "../../../policy/baseline/rules/azure-compute-virtualmachinescaleset-disallow-secrets-in-custom-data";
import { awsDev, gcpDev, NONE, pick, resource, violations, withProps } from "./dev-stacks";

const PEM = ["-----BEGIN CERTIFICATE-----", "MIIB", "-----END CERTIFICATE-----", "-----BEGIN EC PRIVATE KEY-----", "MHcCAQEE", "-----END EC PRIVATE KEY-----"].join("\n");
const script = (body: string) => `#!/bin/bash\nset -euo pipefail\nKMS_KEY_ARN=arn:aws:kms:us-east-1:123456789012:key/1\nTOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token)\n${body}\n`;

describe("aws-ec2-launchtemplate-disallow-secrets-in-user-data", () => {
  const lt = pick(awsDev, "aws:ec2/launchTemplate:LaunchTemplate", "prover-dev-host");

  it("passes the dev template's gzipped cloud-config (certificates, key ARNs, IMDS tokens read at run time)", async () => {
    expect(await runResourcePolicy(awsRule, lt)).toEqual(NONE);
    expect(await runResourcePolicy(awsRule, withProps(lt, { userData: gzipSync(script("echo ok")).toString("base64") }))).toEqual(NONE);
  });

  it("finds a private key, an access key and a password literal inside gzipped base64 user data", async () => {
    const body = `${PEM}\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\nDB_PASSWORD="hunter2hunter2"`;
    expect(await runResourcePolicy(awsRule, withProps(lt, { userData: gzipSync(script(body)).toString("base64") }))).toEqual(
      violations(
        'user data holds a PEM "EC PRIVATE KEY" block; load secrets at boot from Secrets Manager / a KMS-sealed value instead',
        "user data holds an AWS access key id (AKIAABCD…); load secrets at boot from Secrets Manager / a KMS-sealed value instead",
        "user data holds an assignment to DB_PASSWORD (its name contains PASSW); load secrets at boot from Secrets Manager / a KMS-sealed value instead",
      ),
    );
    // Plain user data on an instance.
    expect(await runResourcePolicy(awsRule, resource("aws:ec2/instance:Instance", "box", { userData: script("API_TOKEN=abcdef0123456789") }))).toEqual(
      violations("user data holds an assignment to API_TOKEN (its name contains TOKEN); load secrets at boot from Secrets Manager / a KMS-sealed value instead"),
    );
  });
});

describe("gcp-compute-instancetemplate-disallow-secrets-in-metadata", () => {
  const tpl = pick(gcpDev, "gcp:compute/instanceTemplate:InstanceTemplate", "prover-dev-gcp-tpl");

  it("passes the dev template and the prober's cloud-config", async () => {
    expect(await runResourcePolicy(gcpRule, tpl)).toEqual(NONE);
    expect(await runResourcePolicy(gcpRule, pick(gcpDev, "gcp:compute/instance:Instance", "prover-dev-gcp-prober"))).toEqual(NONE);
  });

  it("refuses a secret tee-env variable and a JWT in a startup script", async () => {
    const metadata = { ...(tpl.props["metadata"] as Record<string, string>), "tee-env-API_KEY": "k-123", "startup-script": "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4eHh4eHgifQ.c2lnbmF0dXJl' https://x" };
    expect(await runResourcePolicy(gcpRule, withProps(tpl, { metadata }))).toEqual(
      violations("metadata tee-env-API_KEY holds a secret (its name contains KEY); read it at run time from Secret Manager instead", "metadata startup-script holds a secret (a JSON Web Token); read it at run time from Secret Manager instead"),
    );
  });
});

describe("azure-compute-virtualmachinescaleset-disallow-secrets-in-custom-data", () => {
  it("passes clean custom data and refuses a private key in it", async () => {
    const vmss = resource("azure-native:compute:VirtualMachineScaleSet", "vmss", { virtualMachineProfile: { osProfile: { customData: Buffer.from(script("echo ok")).toString("base64") } } });
    expect(await runResourcePolicy(azRule, vmss)).toEqual(NONE);
    const leaky = withProps(vmss, { virtualMachineProfile: { osProfile: {}, userData: Buffer.from(PEM).toString("base64") } });
    expect(await runResourcePolicy(azRule, leaky)).toEqual(violations('userData holds a PEM "EC PRIVATE KEY" block; release secrets from Key Vault to the attested VM instead'));
  });

  it("passes the secrets unit's list of Key Vault secret names (references, not values), still refuses a secret value", async () => {
    // What src/bootstrap/azure-skr.ts writes for the TEE build: names of the envelopes to release.
    const names = script("TEE_PROVER_SECRET_NAMES='api-key=prover-api-key tls-cert.pem=prover-tls-cert'\nTEE_PROVER_RELEASE_KEY_NAME='prover-prod-release-1a2b3c4d'");
    const vmss = resource("azure-native:compute:VirtualMachineScaleSet", "vmss", { virtualMachineProfile: { osProfile: { customData: Buffer.from(names).toString("base64") } } });
    expect(await runResourcePolicy(azRule, vmss)).toEqual(NONE);
    const literal = withProps(vmss, { virtualMachineProfile: { osProfile: { customData: Buffer.from(script("PROVER_SECRETS=s3cr3tvalue99")).toString("base64") } } });
    expect(await runResourcePolicy(azRule, literal)).toEqual(violations("customData holds an assignment to PROVER_SECRETS (its name contains SECRET); release secrets from Key Vault to the attested VM instead"));
  });
});
