import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../src/config/errors";
import { SECRET_PLACEHOLDER, readStackFile } from "../../src/config/load";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import type { GcpStackConfig } from "../../src/config/types";
import { PROJECT_DIR, expectOnlyProblem, problemsOf, prodReady, type Json } from "./helpers";

// The GCP dev stack (Pulumi.dev-gcp.yaml) as the valid base; each case changes one thing.
const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;

function gcpValues(): Record<string, Json> {
  return structuredClone(readStackFile(PROJECT_DIR, "dev-gcp").values) as Record<string, Json>;
}
function gcpWith(mutate: (v: Record<string, Json>, p: (name: string) => Json) => void): Record<string, Json> {
  const values = gcpValues();
  mutate(values, (name) => values[`${PROJECT}:${name}`]);
  return values;
}
function resolveGcp(values: Record<string, Json>): GcpStackConfig {
  const config = resolveStackConfig({ values, projectDir: PROJECT_DIR });
  if (config.cloud !== "gcp") expect.fail(`expected a gcp config, got ${config.cloud}`);
  return config;
}
/** A release whose image serves TLS and whose launch policy allows the given variables. */
function tlsRelease(version: string, digest: string, allowEnvOverride: string[] = []): Json {
  return { version, image: `us-docker.pkg.dev/example/prover/proof-server@${digest}`, servesTls: true, exposedPorts: [6300], launchPolicy: { allowEnvOverride, allowCmdOverride: false, logRedirect: "debugonly" } };
}

describe("the GCP dev stack", () => {
  it("resolves to exact values", () => {
    const config = resolveGcp(gcpValues());
    expect(config.gcp).toEqual({
      project: "example-tee-prover-dev",
      region: "us-central1",
      zones: ["us-central1-a", "us-central1-b"],
      confidentialInstanceType: "SEV",
      machineType: "n2d-standard-8",
      image: { project: "confidential-space-images", family: "confidential-space" },
      restartPolicy: "Always",
      logRedirect: false,
      fleet: { minSize: 1, maxSize: 2 },
      bootDiskGb: 20,
      network: { mode: "create", cidrBlock: "10.80.0.0/20" },
      certificate: { managedDomains: ["prover-dev.example.com"] },
    });
    expect(config.releases).toEqual([{
      version: "v6.3.1",
      image: `docker.io/midnightntwrk/proof-server@sha256:${"0".repeat(64)}`,
      digest: `sha256:${"0".repeat(64)}`,
      servesTls: false,
      exposedPorts: [6300],
      launchPolicy: { allowEnvOverride: [], allowCmdOverride: false, logRedirect: "debugonly" },
    }]);
    expect(config.ingress).toMatchObject({ mode: "terminate", backendProtocol: "HTTP", requestTimeoutSeconds: 660, drainTimeoutSeconds: 660 });
  });

  it("TDX on c3 and SEV on c2d resolve", () => {
    const tdx = resolveGcp(gcpWith((_v, p) => {
      p("gcp").confidentialInstanceType = "TDX";
      p("gcp").machineType = "c3-standard-8";
    }));
    expect([tdx.gcp.confidentialInstanceType, tdx.gcp.machineType]).toEqual(["TDX", "c3-standard-8"]);
    expect(resolveGcp(gcpWith((_v, p) => (p("gcp").machineType = "c2d-standard-8"))).gcp.machineType).toBe("c2d-standard-8");
  });
});

describe("proofServer.build against the releases", () => {
  it("the reference build serves plain HTTP only: a release declared to serve TLS contradicts it", () => {
    // The dev stack's HTTP hop is written for a plain-HTTP image: re-encrypt for a TLS one.
    const values = gcpWith((v, p) => {
      p("releases")[0].servesTls = true;
      v[`${PROJECT}:ingress`] = { mode: "terminate", backendProtocol: "HTTPS" };
    });
    expectOnlyProblem(values, "proofServer.build", "is reference, which serves plain HTTP only, but release 0 (v6.3.1) is declared to serve TLS", "set proofServer.build: tee");
    const tee = gcpWith((v, p) => {
      p("releases")[0].servesTls = true;
      v[`${PROJECT}:ingress`] = { mode: "terminate", backendProtocol: "HTTPS" };
      v[`${PROJECT}:proofServer`] = { build: "tee", jobTimeoutSeconds: 600 };
    });
    expect(resolveStackConfig({ values: tee, projectDir: PROJECT_DIR }).proofServer.build).toBe("tee");
  });
});

describe("confidential type and machine family (what Confidential Space runs on)", () => {
  it("refuses SEV_SNP, which Confidential Space does not support, with the reason and the doc", () => {
    expectOnlyProblem(
      gcpWith((_v, p) => (p("gcp").confidentialInstanceType = "SEV_SNP")),
      "gcp.confidentialInstanceType",
      ["SEV_SNP is a Confidential VM type that Confidential Space does not run on", "AMD SEV and Intel TDX only", "https://cloud.google.com/confidential-computing/confidential-space/docs/deploy-workloads"],
      ["use SEV with an n2d or c2d machine type", "or TDX with c3"],
    );
  });
  it("refuses a technology that is no Confidential VM type at all", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").confidentialInstanceType = "SGX")), "gcp.confidentialInstanceType", '"SEV"');
  });
  it("refuses SEV on c3", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").machineType = "c3-standard-8")), "gcp.machineType", 'SEV runs on n2d or c2d machines, not c3 ("c3-standard-8")', "use an n2d or c2d machine type");
  });
  it("refuses TDX on n2d", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").confidentialInstanceType = "TDX")), "gcp.machineType", 'TDX runs on c3 machines, not n2d ("n2d-standard-8")', "use a c3 machine type");
  });
});

describe("exposed ports (the launcher opens only what the image EXPOSEs)", () => {
  it("each release must state its exposed ports: no silent default", () => {
    expectOnlyProblem(gcpWith((_v, p) => delete p("releases")[0].exposedPorts), "releases[0].exposedPorts", "is required");
  });
  it("refuses an image that does not expose the proof server port, naming the release and the fix", () => {
    expectOnlyProblem(
      gcpWith((_v, p) => (p("releases")[0].exposedPorts = [8080])),
      "releases[0].exposedPorts",
      ["the image of v6.3.1 does not EXPOSE 6300 (it exposes 8080)", "the Confidential Space launcher opens only exposed ports", "autohealing would recreate the instances forever"],
      ["EXPOSE 6300", "releases[0].exposedPorts"],
    );
    expectOnlyProblem(gcpWith((_v, p) => (p("releases")[0].exposedPorts = [])), "releases[0].exposedPorts", "(it exposes nothing)");
  });
  it("in a rotation, names the release that does not expose it", () => {
    const values = gcpWith((_v, p) => p("releases").push({ ...p("releases")[0], version: "v6.4.0", image: `docker.io/midnightntwrk/proof-server@${DIGEST_B}`, exposedPorts: [6301] }));
    expectOnlyProblem(values, "releases[1].exposedPorts", "the image of v6.4.0 does not EXPOSE 6300");
  });
  it("refuses a malformed port list", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("releases")[0].exposedPorts = ["6300/tcp"])), "releases[0].exposedPorts[0]", "expected number");
    expectOnlyProblem(gcpWith((_v, p) => (p("releases")[0].exposedPorts = [6300, 6300])), "releases[0].exposedPorts", "lists a port twice");
  });
  it("accepts extra exposed ports besides 6300", () => {
    expect(resolveGcp(gcpWith((_v, p) => (p("releases")[0].exposedPorts = [6300, 9090]))).releases[0]!.exposedPorts).toEqual([6300, 9090]);
  });
});

describe("Cloud Armor client ranges", () => {
  const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
  it("accepts up to 100 ranges (10 rules of 10)", () => {
    expect(resolveGcp(gcpWith((_v, p) => (p("ingress").allowedClientCidrs = cidrs(100)))).ingress.allowedClientCidrs).toHaveLength(100);
  });
  it("refuses more than 100 ranges with the reason and the fix", () => {
    expectOnlyProblem(
      gcpWith((_v, p) => (p("ingress").allowedClientCidrs = cidrs(101))),
      "ingress.allowedClientCidrs",
      ["101 ranges need 11 Cloud Armor rules (at most 10 ranges per rule)", "at most 10 (100 ranges)", "quota"],
      "aggregate the ranges",
    );
  });
});

describe("Cloud Armor throttle threshold", () => {
  it("accepts 1,000,000 per 5 minutes and refuses more, which Cloud Armor would reject", () => {
    expect(resolveGcp(gcpWith((_v, p) => (p("ingress").rateLimitPer5Minutes = 1_000_000))).ingress.rateLimitPer5Minutes).toBe(1_000_000);
    expectOnlyProblem(gcpWith((_v, p) => (p("ingress").rateLimitPer5Minutes = 1_000_001)), "ingress.rateLimitPer5Minutes", "beyond what a Cloud Armor throttle rule counts (1-1000000", "at most 1000000");
  });
});

describe("existing network: Cloud NAT is a stated choice", () => {
  const existing = (extra: Record<string, Json>) => gcpWith((_v, p) => (p("gcp").network = { mode: "existing", network: "projects/p/global/networks/shared", subnetwork: "projects/p/regions/us-central1/subnetworks/provers", ...extra }));
  it("is required, with no default", () => {
    expectOnlyProblem(existing({}), "gcp.network.cloudNat", "say whether this stack creates Cloud NAT");
  });
  it("resolves either way", () => {
    expect(resolveGcp(existing({ cloudNat: false })).gcp.network).toEqual({ mode: "existing", network: "projects/p/global/networks/shared", subnetwork: "projects/p/regions/us-central1/subnetworks/provers", cloudNat: false });
    expect(resolveGcp(existing({ cloudNat: true })).gcp.network).toMatchObject({ cloudNat: true });
  });
  it("is not a create-mode key (create mode always creates its NAT)", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").network.cloudNat = false)), "gcp.network.cloudNat", 'unknown key "cloudNat"');
  });
});

describe("image pinning", () => {
  it("refuses the debug image family", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").image = { family: "confidential-space-debug" })), "gcp.image", ["confidential-space-images/confidential-space-debug is not the production Confidential Space image", 'dbgstat "enabled"'], "remove gcp.image");
  });
  it("refuses an image from another project", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").image = { project: "my-images", family: "confidential-space" })), "gcp.image", "is not the production Confidential Space image");
  });
  it("refuses an image referenced by tag", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("releases")[0].image = "docker.io/midnightntwrk/proof-server:6.3.1")), "releases[0].image", ['"docker.io/midnightntwrk/proof-server:6.3.1" is referenced by tag', "pin it by digest"]);
  });
  it("refuses a malformed digest", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("releases")[0].image = "docker.io/midnightntwrk/proof-server@sha256:ABC")), "releases[0].image", "is not an image reference pinned by digest");
  });
  it("refuses the same digest twice", () => {
    const values = gcpWith((_v, p) => p("releases").push({ ...p("releases")[0], version: "v6.3.2" }));
    expectOnlyProblem(values, "releases", "lists a release (version or image digest) twice");
  });
});

describe("launch policy", () => {
  function passthroughWith(env: Record<string, string>, releases: Json[]): Record<string, Json> {
    return gcpWith((_v, p) => {
      p("ingress").mode = "passthrough";
      delete p("ingress").backendProtocol;
      delete p("ingress").plaintextHop;
      // Terminate-only settings have no effect in passthrough and are refused if left.
      delete p("ingress").rateLimitPer5Minutes;
      delete p("gcp").certificate;
      p("releases").splice(0, 1, ...releases);
      p("proofServer").env = env;
      p("proofServer").build = "tee";
    });
  }

  it("refuses an env override the image's launch policy does not allow, naming the release", () => {
    const values = passthroughWith({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" }, [tlsRelease("v6.3.1", DIGEST_A)]);
    expectOnlyProblem(values, "proofServer.env.MIDNIGHT_PROOF_SERVER_NUM_WORKERS", ["the launch policy of v6.3.1 does not allow overriding MIDNIGHT_PROOF_SERVER_NUM_WORKERS", "would silently run the image's default"], "releases[].launchPolicy.allowEnvOverride");
  });

  it("accepts an allowed override and refuses it when only one release of a rotation allows it", () => {
    const ok = resolveGcp(passthroughWith({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" }, [tlsRelease("v6.3.1", DIGEST_A, ["MIDNIGHT_PROOF_SERVER_NUM_WORKERS"])]));
    expect(ok.proofServer.env).toEqual({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" });
    const rotation = passthroughWith({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" }, [tlsRelease("v6.3.1", DIGEST_A, ["MIDNIGHT_PROOF_SERVER_NUM_WORKERS"]), tlsRelease("v6.4.0", DIGEST_B)]);
    expectOnlyProblem(rotation, "proofServer.env.MIDNIGHT_PROOF_SERVER_NUM_WORKERS", "the launch policy of v6.4.0 does not allow");
  });

  it("refuses log redirect the production image would ignore", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").logRedirect = true)), "gcp.logRedirect", 'redirects logs only when its launch policy says "always"');
  });

  it("passthrough with a plain-HTTP image is refused; with a TLS image it resolves to HTTPS", () => {
    expectOnlyProblem(passthroughWith({}, [{ ...tlsRelease("v6.3.1", DIGEST_A), servesTls: false }]), "ingress.mode", "but the image of v6.3.1 serves plain HTTP", "releases[].servesTls: true");
    const config = resolveGcp(passthroughWith({}, [tlsRelease("v6.3.1", DIGEST_A)]));
    expect(config.ingress.backendProtocol).toBe("HTTPS");
  });

  it("passthrough cannot restrict client ranges on GCP: refused rather than ignored", () => {
    const values = passthroughWith({}, [tlsRelease("v6.3.1", DIGEST_A)]);
    values[`${PROJECT}:ingress`].allowedClientCidrs = ["198.51.100.0/24"];
    expectOnlyProblem(values, "ingress.allowedClientCidrs", "cannot be enforced in passthrough on GCP");
  });
});

describe("command override (issue 13)", () => {
  it("refuses a release whose launch policy allows a command override, naming the release and why", () => {
    const values = gcpWith((_v, p) => (p("releases")[0].launchPolicy.allowCmdOverride = true));
    expectOnlyProblem(
      values,
      "releases[0].launchPolicy.allowCmdOverride",
      ["the image of v6.3.1 lets whoever starts a VM from it replace its command (tee-cmd", "the pinned digest then no longer says what runs", "refuses every token with a command override"],
      ["does not allow a command override", "allowCmdOverride: false"],
    );
  });
  it("names the second release of a rotation when only it allows one", () => {
    const values = gcpWith((_v, p) => {
      const next = structuredClone(p("releases")[0]);
      next.version = "v6.4.0";
      next.image = `docker.io/midnightntwrk/proof-server@${DIGEST_B}`;
      next.launchPolicy.allowCmdOverride = true;
      p("releases").push(next);
    });
    expectOnlyProblem(values, "releases[1].launchPolicy.allowCmdOverride", "the image of v6.4.0");
  });
});

describe("secrets in proofServer.env (issue 13: plaintext in metadata, state and the token)", () => {
  /** The dev stack with one env entry its image's launch policy allows, so only the secret check can refuse it. */
  function withEnv(name: string, value: Json): Record<string, Json> {
    return gcpWith((_v, p) => {
      p("proofServer").env = { [name]: value };
      p("releases")[0].launchPolicy.allowEnvOverride = [name];
    });
  }
  const plaintext = "written in plaintext to instance metadata (readable with compute.viewer), Pulumi state and the attestation token";
  const fix = ["remove it from proofServer.env", "attestation-gated Secret Manager secrets"];

  it("an ordinary setting resolves (control: the checks below are what refuses)", () => {
    expect(resolveGcp(withEnv("MIDNIGHT_PROOF_SERVER_NUM_WORKERS", "8")).proofServer.env).toEqual({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" });
    expect(resolveGcp(withEnv("MIDNIGHT_PROOF_SERVER_LOG_LEVEL", "info")).proofServer.env).toEqual({ MIDNIGHT_PROOF_SERVER_LOG_LEVEL: "info" });
    expect(resolveGcp(withEnv("MIDNIGHT_PROOF_SERVER_PARAMS_URL", "https://midnight-s3-fileshare-dev-eu-west-1.s3.eu-west-1.amazonaws.com/bls_filecoin_2p10")).proofServer.env).toHaveProperty("MIDNIGHT_PROOF_SERVER_PARAMS_URL");
  });

  it.each([
    ["MIDNIGHT_PROOF_SERVER_API_KEY", "KEY"],
    ["MIDNIGHT_PROOF_SERVER_API_KEYS", "KEY"],
    ["TLS_KEY", "KEY"],
    ["MIDNIGHT_PROOF_SERVER_APIKEY", "KEY"],
    ["MIDNIGHT_PROOF_SERVER_AUTH_TOKEN", "TOKEN"],
    ["MIDNIGHT_PROOF_SERVER_SECRET", "SECRET"],
    ["DB_PASSWORD", "PASSW"],
    ["DB_PASSWD", "PASSW"],
    ["TLS_PRIVATE_PEM", "PRIVATE"],
    ["GOOGLE_APPLICATION_CREDENTIALS", "CREDENTIAL"],
    ["WALLET_MNEMONIC", "MNEMONIC"],
    ["DB_PASS", "PASS"],
    ["SESSION_COOKIE", "COOKIE"],
  ])("refuses the secret-like name %s (its name contains %s)", (name, part) => {
    expectOnlyProblem(withEnv(name, "x"), `proofServer.env.${name}`, [`looks like a secret (its name contains ${part})`, plaintext], fix);
  });

  it.each([
    ["a PEM private key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", 'its value holds a PEM "PRIVATE KEY" block'],
    ["a certificate followed by its key", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----", 'its value holds a PEM "EC PRIVATE KEY" block'],
    ["a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLWJ5dGVz", "its value is a JSON Web Token"],
    ["a 32-character hex key", "9f86d081884c7d659a2feaa0c55ad015", "its value looks like a key: a long, random-looking string"],
    ["a base64 key", "q2Xv9Lr0bT7kWm4ZsYp1HcNd8EfGj3Ua", "its value looks like a key: a long, random-looking string"],
    ["a vendor-style token", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "its value looks like a key: a long, random-looking string"],
  ])("refuses a value that is %s, under an innocent name", (_what, value, why) => {
    expectOnlyProblem(withEnv("MIDNIGHT_PROOF_SERVER_EXTRA", value), "proofServer.env.MIDNIGHT_PROOF_SERVER_EXTRA", [`looks like a secret (${why}`, plaintext], fix);
  });

  it.each([
    ["a number", "16"],
    ["a version", "v6.3.1-rc.2"],
    ["a long lower-case word list", "prove_and_verify_everything_always"],
    ["a path", "/var/lib/midnight/params/k15/bls_filecoin_2p15"],
    ["a repetitive long value", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"],
    ["a PEM certificate (public)", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
  ])("accepts a value that is %s", (_what, value) => {
    expect(resolveGcp(withEnv("MIDNIGHT_PROOF_SERVER_EXTRA", value)).proofServer.env).toEqual({ MIDNIGHT_PROOF_SERVER_EXTRA: value });
  });

  it("refuses a secure: value in the stack file (the offline plan sees it as the placeholder), naming the key", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gcpatt-secure-"));
    try {
      const stack = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev-gcp.yaml"), "utf8").replace(
        "    build: reference\n",
        "    build: reference\n    env:\n      MIDNIGHT_PROOF_SERVER_EXTRA:\n        secure: v1:abcdefABCDEF0123456789\n",
      );
      fs.writeFileSync(path.join(dir, "Pulumi.dev-gcp.yaml"), stack);
      const file = readStackFile(dir, "dev-gcp");
      expect(file.secretKeys).toEqual([`${PROJECT}:proofServer.env.MIDNIGHT_PROOF_SERVER_EXTRA`]);
      const values = file.values as Record<string, Json>;
      expect(values[`${PROJECT}:proofServer`].env).toEqual({ MIDNIGHT_PROOF_SERVER_EXTRA: SECRET_PLACEHOLDER });
      values[`${PROJECT}:releases`][0].launchPolicy.allowEnvOverride = ["MIDNIGHT_PROOF_SERVER_EXTRA"];
      expectOnlyProblem(values, "proofServer.env.MIDNIGHT_PROOF_SERVER_EXTRA", ["is a secure: value", plaintext], fix);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a secure: value `pulumi up` has decrypted: the runtime's secret keys name it", () => {
    const values = withEnv("MIDNIGHT_PROOF_SERVER_EXTRA", "harmless-looking");
    expect(resolveGcp(values).proofServer.env).toEqual({ MIDNIGHT_PROOF_SERVER_EXTRA: "harmless-looking" });
    const refused = (secretKeys: string[]) => {
      try {
        resolveStackConfig({ values, projectDir: PROJECT_DIR, secretKeys });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return expect.fail("expected a ConfigError");
    };
    const one = refused([`${PROJECT}:proofServer.env.MIDNIGHT_PROOF_SERVER_EXTRA`]);
    expect(one.map((p) => [p.key, p.message.startsWith("is a secure: value")])).toEqual([["proofServer.env.MIDNIGHT_PROOF_SERVER_EXTRA", true]]);
    // The engine marks the whole structured key secret when any value in it is secure.
    const whole = refused([`${PROJECT}:proofServer`]);
    expect(whole.map((p) => [p.key, p.message.startsWith("holds a secure: value")])).toEqual([["proofServer", true]]);
    // Another key's secret does not concern proofServer.env.
    expect(resolveStackConfig({ values, projectDir: PROJECT_DIR, secretKeys: [`${PROJECT}:alarms`] }).cloud).toBe("gcp");
  });
});

describe("timeouts, zones, placement", () => {
  it("refuses a backend timeout shorter than job + 60 s and beyond 86400 s", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("ingress").requestTimeoutSeconds = 30)), "ingress.requestTimeoutSeconds", "30 s is shorter than the job timeout (600 s) + 60 s");
    expectOnlyProblem(gcpWith((_v, p) => (p("ingress").requestTimeoutSeconds = 86401)), "ingress.requestTimeoutSeconds", "beyond the backend service timeoutSec range 1-86400 s");
  });
  it("refuses connection draining beyond 3600 s", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("ingress").drainTimeoutSeconds = 3601)), "ingress.drainTimeoutSeconds", "beyond the backend service connection draining range 0-3600 s");
  });
  it("needs two zones, all in the region, each once", () => {
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").zones = ["us-central1-a"])), "gcp.zones", "needs at least 2 zones");
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").zones = ["us-central1-a", "europe-west4-b"])), "gcp.zones[1]", "europe-west4-b is not in gcp:region us-central1");
    expectOnlyProblem(gcpWith((_v, p) => (p("gcp").zones = ["us-central1-a", "us-central1-a"])), "gcp.zones", "lists a zone twice");
  });
  it("needs gcp:project and gcp:region", () => {
    expectOnlyProblem(gcpWith((v) => delete v["gcp:project"]), "gcp:project", "is required for cloud gcp", "pulumi config set gcp:project");
    expectOnlyProblem(gcpWith((v) => delete v["gcp:region"]), "gcp:region", "is required for cloud gcp", "pulumi config set gcp:region");
  });
  it("terminate needs a certificate", () => {
    expectOnlyProblem(gcpWith((_v, p) => delete p("gcp").certificate), "gcp.certificate", "is required in terminate mode");
  });
  it("prod needs two instances", () => {
    const prod = prodReady(gcpValues());
    prod[`${PROJECT}:gcp`].fleet.minSize = 1;
    expectOnlyProblem(prod, "gcp.fleet.minSize", "prod needs at least 2 instances", "set gcp.fleet.minSize: 2");
  });
  it("an AWS key in a GCP stack is an unknown key, and GCP labels must be lower-case", () => {
    const keys = problemsOf(gcpWith((v) => {
      v[`${PROJECT}:logRetentionDays`] = 14;
      v[`${PROJECT}:tags`] = { CostCenter: "x" };
    })).map((p) => p.key);
    expect(keys.sort()).toEqual(["logRetentionDays", "tags.CostCenter"]);
  });
  it("a mistyped GCP key gets a suggestion, and the key it meant is reported missing", () => {
    const problems = problemsOf(gcpWith((_v, p) => {
      p("gcp").machinetype = p("gcp").machineType;
      delete p("gcp").machineType;
    }));
    expect(problems.map((p) => p.key).sort()).toEqual(["gcp.machineType", "gcp.machinetype"]);
    expect(problems.find((p) => p.key === "gcp.machinetype")!.message).toBe('unknown key "machinetype" (did you mean "machineType"?); a mistyped key would otherwise be silently ignored');
  });
});
