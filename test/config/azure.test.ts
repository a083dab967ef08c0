import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../../src/config/load";
import { ConfigError } from "../../src/config/errors";
import { resolveAzureArgs } from "../../src/config/args";
import { AZURE_LIMITS, azureConfidentialSize } from "../../src/config/resolve-azure";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import type { AzureStackConfig } from "../../src/config/types";
import { AZURE_NAME_LIMITS, azureActionGroupShortName, azureComputerNamePrefix, azureKeyVaultName, fleetName } from "../../src/naming";
import type { AzureConfidentialProofServerArgs } from "../../components/azure/args";
import { PROJECT_DIR, expectOnlyProblem, problemsOf, prodReady, type Json } from "./helpers";

// The Azure dev stack (Pulumi.dev-azure.yaml) as the valid base; each case changes one thing.
const DIGEST = `sha256:${"c".repeat(64)}`;

function azureValues(): Record<string, Json> {
  return structuredClone(readStackFile(PROJECT_DIR, "dev-azure").values) as Record<string, Json>;
}
function azureWith(mutate: (v: Record<string, Json>, p: (name: string) => Json) => void): Record<string, Json> {
  const values = azureValues();
  mutate(values, (name) => values[`${PROJECT}:${name}`]);
  return values;
}
function resolveAzure(values: Record<string, Json>): AzureStackConfig {
  const config = resolveStackConfig({ values, projectDir: PROJECT_DIR });
  if (config.cloud !== "azure") expect.fail(`expected an azure config, got ${config.cloud}`);
  return config;
}
const withSize = (technology: string, vmSize: string) =>
  azureWith((_v, p) => Object.assign(p("azure"), { technology, vmSize }));

describe("the Azure dev stack", () => {
  it("resolves to exact values", () => {
    const config = resolveAzure(azureValues());
    expect(config.azure).toEqual({
      location: "eastus",
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      technology: "SEV_SNP",
      vmSize: "Standard_DC4as_v5",
      zones: ["1", "2"],
      image: { publisher: "Canonical", offer: "0001-com-ubuntu-confidential-vm-jammy", sku: "22_04-lts-cvm", version: "latest" },
      osDiskGb: 30,
      fleet: { minSize: 1, maxSize: 2 },
      resourceGroup: { mode: "create" },
      network: { mode: "create", addressSpace: "10.90.0.0/16" },
      administratorObjectIds: ["00000000-0000-0000-0000-000000000001"],
      certificate: { keyVaultSecretId: "https://example-tls-kv.vault.azure.net/secrets/prover-dev" },
    });
    expect(config.ingress).toMatchObject({ mode: "terminate", backendProtocol: "HTTP", requestTimeoutSeconds: 660, drainTimeoutSeconds: 660 });
    expect(config.releases).toEqual([{ version: "v6.3.1", image: expect.stringContaining("@sha256:"), digest: `sha256:${"0".repeat(64)}`, servesTls: false }]);
  });
});

describe("VM size against the technology", () => {
  it.each([
    ["SEV_SNP", "Standard_DC4as_v5"], ["SEV_SNP", "Standard_EC8as_v5"], ["SEV_SNP", "Standard_DC16ads_v5"], ["SEV_SNP", "Standard_EC32ads_v5"],
    ["SEV_SNP", "Standard_DC4as_v6"], ["SEV_SNP", "Standard_EC8ads_v6"], ["SEV_SNP", "Standard_EC96ias_v5"],
    ["TDX", "Standard_DC4es_v5"], ["TDX", "Standard_EC8es_v5"], ["TDX", "Standard_DC16eds_v5"], ["TDX", "Standard_EC32eds_v5"],
    ["TDX", "Standard_DC4es_v6"], ["TDX", "Standard_EC8eds_v6"],
  ])("%s accepts %s", (technology, vmSize) => {
    expect(resolveAzure(withSize(technology, vmSize)).azure.vmSize).toBe(vmSize);
  });

  it("TDX on an AMD DCasv5 size is refused with both technologies named", () => {
    expectOnlyProblem(withSize("TDX", "Standard_DC4as_v5"), "azure.vmSize", ["AMD SEV-SNP size (DCasv5)", "azure.technology is TDX", "sevsnpvm or tdxvm"], ["Standard_DC4es_v5", "azure.technology: SEV_SNP"]);
  });

  it("SEV_SNP on an Intel size is refused", () => {
    expectOnlyProblem(withSize("SEV_SNP", "Standard_EC8eds_v5"), "azure.vmSize", "Intel TDX size (ECedsv5)");
  });

  it.each(["Standard_DC2s_v2", "Standard_DC8s_v3", "Standard_DC4ds_v3", "Standard_DC2s"])("%s is refused as an SGX size, saying so", (vmSize) => {
    expectOnlyProblem(withSize("SEV_SNP", vmSize), "azure.vmSize", ["Intel SGX size", "not a confidential VM"], "Standard_DC4as_v5");
  });

  it.each(["Standard_D4s_v5", "Standard_D4as_v5", "Standard_B2s", "Standard_DC4as_cc_v5"])("%s is refused as not confidential", (vmSize) => {
    expectOnlyProblem(withSize("SEV_SNP", vmSize), "azure.vmSize", `${vmSize} is not a confidential VM size`);
  });

  it("classifies families exactly", () => {
    expect(azureConfidentialSize("Standard_DC4as_v5")).toEqual({ ok: true, technology: "SEV_SNP", family: "DCasv5", vcpus: 4 });
    expect(azureConfidentialSize("Standard_EC48eds_v6")).toEqual({ ok: true, technology: "TDX", family: "ECedsv6", vcpus: 48 });
  });
});

describe("image, password and SSH", () => {
  it("a container image by tag is refused", () => {
    const values = azureWith((_v, p) => (p("releases")[0].image = "docker.io/midnightntwrk/proof-server:6.3.1"));
    expectOnlyProblem(values, "releases[0].image", ["referenced by tag", "pin it by digest"]);
  });

  it("a password is refused with the reason, whatever its value", () => {
    const values = azureWith((_v, p) => (p("azure").adminPassword = "correct horse battery staple"));
    expectOnlyProblem(values, "azure.adminPassword", ["password login is refused", "root in the confidential VM"]);
  });

  it("SSH from a public range (or anywhere) is refused; private ranges are accepted", () => {
    const ssh = (sourceCidrs: string[]) => azureWith((_v, p) => (p("azure").ssh = { publicKey: `ssh-ed25519 ${"A".repeat(68)} ops`, sourceCidrs }));
    expectOnlyProblem(ssh(["0.0.0.0/0"]), "azure.ssh.sourceCidrs[0]", ["not a private (RFC 1918) range", "never be reachable from the internet"]);
    expectOnlyProblem(ssh(["10.0.0.0/24", "203.0.113.0/24"]), "azure.ssh.sourceCidrs[1]", "203.0.113.0/24");
    expectOnlyProblem(ssh(["172.32.0.0/16"]), "azure.ssh.sourceCidrs[0]", "172.32.0.0/16");
    expect(resolveAzure(ssh(["10.0.0.0/24", "172.16.5.0/24", "192.168.1.0/24"])).azure.ssh).toEqual({ adminUsername: "prover", publicKey: `ssh-ed25519 ${"A".repeat(68)} ops`, sourceCidrs: ["10.0.0.0/24", "172.16.5.0/24", "192.168.1.0/24"] });
  });

  it("a non-CVM OS image is refused; prod must pin its version", () => {
    expectOnlyProblem(azureWith((_v, p) => (p("azure").image = { sku: "22_04-lts-gen2" })), "azure.image", "not a confidential (CVM) Ubuntu image");
    const prod = prodReady(azureValues());
    prod[`${PROJECT}:azure`].image.version = "latest";
    expectOnlyProblem(prod, "azure.image.version", "prod must boot an image version that config pins");
  });
});

describe("placement and ingress", () => {
  it("location and subscription are required, by their provider keys", () => {
    const values = azureWith((v) => {
      delete v["azure-native:location"];
      delete v["azure-native:subscriptionId"];
    });
    expect(problemsOf(values).map((p) => [p.key, p.message])).toEqual([
      ["azure-native:location", "is required for cloud azure"],
      ["azure-native:subscriptionId", expect.stringContaining("Key Vault name's hash")],
    ]);
  });

  it("terminate needs the listener's certificate", () => {
    expectOnlyProblem(azureWith((_v, p) => delete p("azure").certificate), "azure.certificate", "is required in terminate mode");
  });

  it("the TEE build with HTTPS to the VMs needs its certificate as a released secret: nothing else chains to the trusted root", () => {
    const https = (secrets?: Record<string, unknown>) => azureWith((v, p) => {
      v[`${PROJECT}:proofServer`] = { build: "tee", jobTimeoutSeconds: 600 };
      v[`${PROJECT}:ingress`] = { mode: "terminate" };
      p("releases")[0].servesTls = true;
      p("azure").backendTls = { trustedRootCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", hostName: "prover.internal.acme.io" };
      if (secrets) p("azure").secrets = secrets;
    });
    expectOnlyProblem(https(), "azure.secrets.tlsCertificate", ["the gateway trusts only a certificate under azure.backendTls.trustedRootCertificate"], "set azure.secrets.tlsCertificate and azure.secrets.tlsKey");
    expect(resolveAzure(https({ tlsCertificate: "c", tlsKey: "k", releaseTool: { url: "https://artifacts.acme.io/skr.tgz", sha256: "e".repeat(64) } })).azure.secrets?.tlsCertificate).toBe("c");
  });

  it("azure.secrets.containerUid has no effect without TLS secrets (it owns the certificate files) and is refused", () => {
    const apiKeyOnly = (uid?: number) => azureWith((v, p) => {
      v[`${PROJECT}:proofServer`] = { build: "tee", jobTimeoutSeconds: 600 };
      p("azure").secrets = { apiKey: "prover-api-key", releaseTool: { url: "https://artifacts.acme.io/skr.tgz", sha256: "e".repeat(64) }, ...(uid === undefined ? {} : { containerUid: uid }) };
    });
    expectOnlyProblem(apiKeyOnly(1001), "azure.secrets.containerUid", "has no effect without TLS secrets", "remove azure.secrets.containerUid");
    expect(resolveAzure(apiKeyOnly()).azure.secrets?.apiKey).toBe("prover-api-key");
  });

  it("terminate with HTTPS to the VMs needs the backend's trusted root and host name", () => {
    const values = azureWith((v, p) => {
      v[`${PROJECT}:ingress`] = { mode: "terminate" };
      v[`${PROJECT}:proofServer`] = { build: "tee", jobTimeoutSeconds: 600 };
      p("releases")[0].servesTls = true;
    });
    expectOnlyProblem(values, "azure.backendTls", ["trustedRootCertificates"]);
  });

  it("passthrough: the request timeout is bounded by the load balancer's 100 minutes", () => {
    const values = azureWith((v, p) => {
      v[`${PROJECT}:ingress`] = { mode: "passthrough", requestTimeoutSeconds: 6060 };
      v[`${PROJECT}:proofServer`] = { build: "tee", jobTimeoutSeconds: 600 };
      p("releases")[0].servesTls = true;
      delete p("azure").certificate;
    });
    expectOnlyProblem(values, "ingress.requestTimeoutSeconds", "beyond the Standard Load Balancer idle timeout range 240-6000 s");
    expect(AZURE_LIMITS.lbIdleTimeoutMinutes.max * 60).toBe(6000);
  });

  it("draining is bounded by the terminate notification's 15 minutes", () => {
    const values = azureWith((v, p) => (v[`${PROJECT}:ingress`] = { ...p("ingress"), drainTimeoutSeconds: 901 }));
    expectOnlyProblem(values, "ingress.drainTimeoutSeconds", "terminate notification (at most 15 minutes)");
    const job = azureWith((v, p) => (v[`${PROJECT}:proofServer`] = { ...p("proofServer"), jobTimeoutSeconds: 900 }));
    expectOnlyProblem(job, "proofServer.jobTimeoutSeconds", "no drain timeout could outlast a running proof");
  });

  it("a secure: proofServer value is refused, whether pulumi up marks the env entry or the whole key", () => {
    const values = azureWith((v, p) => (v[`${PROJECT}:proofServer`] = { ...p("proofServer"), env: { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "4" } }));
    const problems = (secretKeys: string[]) => {
      try {
        resolveStackConfig({ values, projectDir: PROJECT_DIR, secretKeys });
      } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => p.key);
        throw e;
      }
      return [];
    };
    expect(problems([`${PROJECT}:proofServer.env.MIDNIGHT_PROOF_SERVER_NUM_WORKERS`])).toEqual(["proofServer.env.MIDNIGHT_PROOF_SERVER_NUM_WORKERS"]);
    expect(problems([`${PROJECT}:proofServer`])).toEqual(["proofServer"]);
    expect(problems([`${PROJECT}:alarms`])).toEqual([]);
  });

  it("proofServer.env with a secret-looking value is refused (custom data is plaintext)", () => {
    const values = azureWith((v, p) => (v[`${PROJECT}:proofServer`] = { ...p("proofServer"), env: { MIDNIGHT_PROOF_SERVER_API_KEY: "x" } }));
    expectOnlyProblem(values, "proofServer.env.MIDNIGHT_PROOF_SERVER_API_KEY", "custom data");
  });
});

describe("Azure name limits for the longest fleet names", () => {
  // fleetName cuts a fleet name to 28 characters; the longest prefix (12) and a long stack name reach it.
  const longest = fleetName("abcdefghijkl", "production-westeurope-blue-green");
  const sub = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

  it("the longest fleet name is 28 characters", () => {
    expect(longest).toHaveLength(28);
  });

  it("Key Vault: 3-24 characters, starts with a letter, letters/digits/hyphens, no '--', unique per subscription", () => {
    for (const fleet of [longest, "prover-dev", "a", "9-lives--fleet", longest.replace(/^./, "1")]) {
      const name = azureKeyVaultName(fleet, sub);
      expect(name.length, name).toBeGreaterThanOrEqual(3);
      expect(name.length, name).toBeLessThanOrEqual(AZURE_NAME_LIMITS.keyVault);
      expect(name).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
      expect(name).not.toContain("--");
    }
    expect(azureKeyVaultName(longest, sub)).not.toBe(azureKeyVaultName(longest, sub.replace("0f", "1f")));
    expect(azureKeyVaultName(longest, sub)).not.toBe(azureKeyVaultName(`${longest.slice(0, 27)}x`, sub));
    expect(azureKeyVaultName(longest, sub, "2")).not.toBe(azureKeyVaultName(longest, sub));
  });

  it("computerNamePrefix: 1-15 characters, two long fleets stay distinct", () => {
    const a = azureComputerNamePrefix(longest);
    const b = azureComputerNamePrefix(`${longest.slice(0, 27)}x`);
    for (const p of [a, b, azureComputerNamePrefix("p")]) {
      expect(p.length).toBeGreaterThanOrEqual(1);
      expect(p.length).toBeLessThanOrEqual(AZURE_NAME_LIMITS.computerNamePrefix);
      expect(p).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$/);
    }
    expect(a).not.toBe(b);
  });

  it("action group short names: at most 12 characters, one per severity", () => {
    const names = ["P0", "P1", "P2", "P3"].map((s) => azureActionGroupShortName(longest, s));
    for (const n of names) expect(n.length, n).toBeLessThanOrEqual(AZURE_NAME_LIMITS.actionGroupShortName);
    expect(new Set(names).size).toBe(4);
    expect(azureActionGroupShortName("prover", "P0")).toBe("prover-P0");
  });
});

describe("the library front door", () => {
  const args: AzureConfidentialProofServerArgs = {
    environment: "dev",
    ingress: { mode: "passthrough" },
    releases: [{ version: "v6.5.0", image: `ghcr.io/example/proof-server@${DIGEST}`, servesTls: true }],
    azure: { location: "westeurope", subscriptionId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", technology: "TDX", vmSize: "Standard_DC4es_v5", administratorObjectIds: ["00000000-0000-0000-0000-000000000001"] },
  };

  it("resolves Args with the provider settings given as arguments", () => {
    const config = resolveAzureArgs("fleet", args);
    expect(config.azure.location).toBe("westeurope");
    expect(config.azure.technology).toBe("TDX");
    expect(config.ingress.requestTimeoutSeconds).toBe(660);
  });

  it("names the argument path in messages", () => {
    let thrown: unknown;
    try {
      resolveAzureArgs("fleet", { ...args, azure: { ...args.azure, vmSize: "Standard_DC4as_v5" } });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain("- args.azure.vmSize: Standard_DC4as_v5 is a AMD SEV-SNP size");
  });

  it("a missing location names the argument and its fix in argument language", () => {
    const { location: _l, ...azure } = args.azure;
    let thrown: unknown;
    try {
      resolveAzureArgs("fleet", { ...args, azure });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain("- args.azure.location: is required for cloud azure\n      fix: set args.azure.location to eastus");
  });

  it("takes Outputs for the administrators' object ids and keeps them as Outputs", () => {
    const config = resolveAzureArgs("fleet", { ...args, azure: { ...args.azure, administratorObjectIds: pulumi.output(["00000000-0000-0000-0000-000000000002"]) } });
    expect(pulumi.Output.isInstance(config.azure.administratorObjectIds)).toBe(true);
  });
});

describe("azure.secrets (Secure Key Release on the host)", () => {
  const TOOL = { url: "https://releases.example.com/azure-attest-skr.tgz", sha256: "d".repeat(64) };
  /** The dev stack turned into a TEE build serving TLS, with the secrets given. */
  const tee = (secrets: Json, env: Record<string, string> = {}) =>
    azureWith((v, p) => {
      v[`${PROJECT}:proofServer`] = { build: "tee", jobTimeoutSeconds: 600, env };
      (p("releases") as Array<Record<string, Json>>)[0]!["servesTls"] = true;
      v[`${PROJECT}:ingress`] = { mode: "passthrough" };
      const { certificate: _c, ...azure } = p("azure") as Record<string, Json>;
      v[`${PROJECT}:azure`] = { ...azure, secrets };
    });
  const all = { apiKey: "prover-api-key", tlsCertificate: "prover-tls-cert", tlsKey: "prover-tls-key", releaseTool: TOOL };

  it("resolves with the container's uid defaulting to the TEE image's proofserver (1000)", () => {
    expect(resolveAzure(tee(all)).azure.secrets).toEqual({ ...all, containerUid: 1000 });
  });

  it("the reference build (the dev stack) is refused: it reads no API key and serves no TLS", () => {
    const values = azureWith((_v, p) => Object.assign(p("azure"), { secrets: { apiKey: "prover-api-key", releaseTool: TOOL } }));
    expectOnlyProblem(values, "azure.secrets", "reference build", "proofServer.build: tee");
  });

  it("a TLS key without its certificate, and no secret at all, are refused by key", () => {
    expectOnlyProblem(tee({ apiKey: "a", tlsKey: "k", releaseTool: TOOL }), "azure.secrets.tlsCertificate", "with the other TLS secret", "certificate chain");
    expectOnlyProblem(tee({ releaseTool: TOOL }), "azure.secrets", "names no secret");
    expectOnlyProblem(tee({ ...all, tlsKey: "prover-api-key" }), "azure.secrets", "one Key Vault secret for two files");
  });

  it("a TLS key for a release that serves plain HTTP is refused, naming the release", () => {
    const values = tee(all);
    (values[`${PROJECT}:releases`] as Array<Record<string, Json>>)[0]!["servesTls"] = false;
    // terminate with an HTTP backend, so that plain HTTP is otherwise fine.
    values[`${PROJECT}:ingress`] = azureValues()[`${PROJECT}:ingress`]!;
    (values[`${PROJECT}:azure`] as Record<string, Json>)["certificate"] = { keyVaultSecretId: "https://example-tls-kv.vault.azure.net/secrets/prover-dev" };
    expectOnlyProblem(values, "releases[0].servesTls", "azure.secrets.tlsKey gives the server a TLS key", "servesTls: true");
  });

  it("proofServer.env may not set what the secrets set, nor turn the API key off", () => {
    expectOnlyProblem(tee(all, { MIDNIGHT_PROOF_SERVER_TLS_CERT: "/etc/cert.pem" }), "proofServer.env.MIDNIGHT_PROOF_SERVER_TLS_CERT", "set by azure.secrets.tlsCertificate");
    expectOnlyProblem(tee(all, { MIDNIGHT_PROOF_SERVER_DISABLE_AUTH: "true" }), "proofServer.env.MIDNIGHT_PROOF_SERVER_DISABLE_AUTH", "turns off the API key");
  });

  it("the tool must be https and pinned by sha256; secret names follow Key Vault's rules", () => {
    expectOnlyProblem(tee({ ...all, releaseTool: { ...TOOL, url: "http://releases.example.com/x.tgz" } }), "azure.secrets.releaseTool.url", "https:// URL");
    expectOnlyProblem(tee({ ...all, releaseTool: { url: TOOL.url } }), "azure.secrets.releaseTool.sha256", []);
    expectOnlyProblem(tee({ ...all, releaseTool: { ...TOOL, sha256: "D".repeat(64) } }), "azure.secrets.releaseTool.sha256", "sha256sum");
    expectOnlyProblem(tee({ ...all, apiKey: "api_key" }), "azure.secrets.apiKey", "Key Vault secret name");
  });

  it("the library front door takes the same settings and names args.azure.secrets in messages", () => {
    const args: AzureConfidentialProofServerArgs = {
      environment: "dev",
      ingress: { mode: "passthrough" },
      releases: [{ version: "v6.5.0", image: `ghcr.io/example/proof-server@${DIGEST}`, servesTls: true }],
      azure: { location: "westeurope", subscriptionId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", technology: "TDX", vmSize: "Standard_DC4es_v5", administratorObjectIds: ["00000000-0000-0000-0000-000000000001"], secrets: { ...all, containerUid: 2000 } },
    };
    expect(resolveAzureArgs("fleet", args).azure.secrets).toEqual({ ...all, containerUid: 2000 });
    expect(() => resolveAzureArgs("fleet", { ...args, azure: { ...args.azure, secrets: { tlsKey: "k", releaseTool: TOOL } } })).toThrow(/args\.azure\.secrets\.tlsCertificate: is required with the other TLS secret/);
  });
});
