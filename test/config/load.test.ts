/**
 * Loading config: from a Pulumi.<stack>.yaml without the CLI (offline plan; secrets never
 * decrypted), and from the Pulumi runtime (`pulumi up`, JSON-encoded structured values). Also the
 * ConfigError contract (a RunError) and the library entry point.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, formatProblems, keyOf, suggestKey } from "../../src/config/errors";
import { SECRET_PLACEHOLDER, readStackFile, toPulumiConfigMap } from "../../src/config/load";
import { configFromPulumiRuntime } from "../../src/config/runtime";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import { PROJECT_DIR, configError, devValues, devWith, files, resolveOk, type Json } from "./helpers";

const FIXTURES = path.join(__dirname, "fixtures");

// Some tests set Pulumi's config as `pulumi up` would; none leaves it set, so this file shares a
// worker with the others (vitest.config.mts).
afterEach(() => pulumi.runtime.setAllConfig({}));

describe("readStackFile", () => {
  it("reads Pulumi.dev.yaml with fully-qualified keys and structured values", () => {
    const file = readStackFile(PROJECT_DIR, "dev");
    expect(file.stack).toBe("dev");
    expect(file.file).toBe(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
    expect(file.secretKeys).toEqual([]);
    expect(Object.keys(file.values).sort()).toEqual([
      "aws:region",
      "tee-prover-infra:alarms",
      "tee-prover-infra:aws",
      "tee-prover-infra:cloud",
      "tee-prover-infra:environment",
      "tee-prover-infra:ingress",
      "tee-prover-infra:namePrefix",
      "tee-prover-infra:proofServer",
      "tee-prover-infra:releases",
    ]);
    expect(file.values["aws:region"]).toBe("us-east-1");
    expect(file.values["tee-prover-infra:proofServer"]).toEqual({ build: "tee", jobTimeoutSeconds: 600 });
    expect(file.values["tee-prover-infra:aws"]).toMatchObject({ instanceType: "m6i.xlarge", enclave: { cpuCount: 2, memoryMiB: 4096 }, fleet: { minSize: 1, maxSize: 2 } });
  });

  it('shows secure values as "[secret]" and lists them in secretKeys, without their ciphertext', () => {
    const file = readStackFile(FIXTURES, "secrets");
    expect(SECRET_PLACEHOLDER).toBe("[secret]");
    expect(file.secretKeys).toEqual(["other-project:apiToken", "tee-prover-infra:alarms.P1.httpsEndpoints[0]", "tee-prover-infra:tags.costCenter"]);
    expect(file.values["other-project:apiToken"]).toBe("[secret]");
    expect(file.values["tee-prover-infra:alarms"]).toEqual({ P1: { emails: ["oncall@example.com"], httpsEndpoints: ["[secret]"] } });
    expect(file.values["tee-prover-infra:tags"]).toEqual({ team: "prover", costCenter: "[secret]" });
    const everything = JSON.stringify(file);
    expect(everything).not.toContain("AAABA");
    expect(everything).not.toContain("secure");
  });

  it("a stack with secrets still resolves offline (secrets stay placeholders)", () => {
    const config = resolveStackConfig({ values: readStackFile(FIXTURES, "secrets").values, projectDir: PROJECT_DIR, readFile: files() });
    expect(config.tags).toEqual({ team: "prover", costCenter: "[secret]" });
    expect(config.alarms.P1).toEqual({ emails: ["oncall@example.com"], httpsEndpoints: ["[secret]"] });
  });

  it("refuses a stack that has no file, listing the stacks that do", () => {
    let thrown: unknown;
    try {
      readStackFile(FIXTURES, "prod");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems;
    expect(problems).toEqual([{ key: "(stack)", message: `no Pulumi.prod.yaml in ${FIXTURES}`, fix: "use one of: noconfig, secrets" }]);
  });

  it("refuses a stack file without a config: section", () => {
    expect(() => readStackFile(FIXTURES, "noconfig")).toThrow(ConfigError);
    expect(() => readStackFile(FIXTURES, "noconfig")).toThrow("Pulumi.noconfig.yaml has no config: section");
  });
});

describe("Pulumi runtime config", () => {
  it("toPulumiConfigMap keeps strings and JSON-encodes everything else", () => {
    const map = toPulumiConfigMap({ ...devValues(), "tee-prover-infra:logRetentionDays": 30 });
    expect(map["aws:region"]).toBe("us-east-1");
    expect(map["tee-prover-infra:environment"]).toBe("dev");
    expect(map["tee-prover-infra:logRetentionDays"]).toBe("30");
    expect(map["tee-prover-infra:proofServer"]).toBe('{"build":"tee","jobTimeoutSeconds":600}');
    expect(JSON.parse(map["tee-prover-infra:releases"]!)).toEqual([
      { manifest: "releases/pcr-measurements.v6.3.1.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/proof-server-v6.3.1.eif", servesTls: false } },
    ]);
    for (const value of Object.values(map)) expect(typeof value).toBe("string");
  });

  it("configFromPulumiRuntime parses setAllConfig values back into the same resolved config", () => {
    const values = { ...devValues(), "tee-prover-infra:logRetentionDays": 30 };
    pulumi.runtime.setAllConfig(toPulumiConfigMap(values));
    const fromRuntime = configFromPulumiRuntime(PROJECT_DIR);
    expect(fromRuntime.projectDir).toBe(PROJECT_DIR);
    expect(fromRuntime.values).toEqual(values);
    const resolved = resolveStackConfig({ ...fromRuntime, readFile: files() });
    expect(resolved).toEqual(resolveOk(values));
    expect(resolved.cloud === "aws" && resolved.logRetentionDays).toBe(30);
    // pulumi.Config sees the same values under the project namespace.
    expect(new pulumi.Config(PROJECT).requireObject("proofServer")).toEqual({ build: "tee", jobTimeoutSeconds: 600 });
  });

  it("configFromPulumiRuntime passes the engine's secret keys on, so a decrypted secret in proofServer.env is refused", () => {
    const values = structuredClone(readStackFile(PROJECT_DIR, "dev-gcp").values) as Record<string, Json>;
    values[`${PROJECT}:proofServer`].env = { MIDNIGHT_PROOF_SERVER_EXTRA: "harmless-looking" };
    values[`${PROJECT}:releases`][0].launchPolicy.allowEnvOverride = ["MIDNIGHT_PROOF_SERVER_EXTRA"];
    pulumi.runtime.setAllConfig(toPulumiConfigMap(values), [`${PROJECT}:proofServer`]);
    const fromRuntime = configFromPulumiRuntime(PROJECT_DIR);
    expect(fromRuntime.secretKeys).toEqual([`${PROJECT}:proofServer`]);
    expect(() => resolveStackConfig(fromRuntime)).toThrow(/proofServer: holds a secure: value/);
    pulumi.runtime.setAllConfig(toPulumiConfigMap(values));
    expect(configFromPulumiRuntime(PROJECT_DIR).secretKeys).toEqual([]);
  });

  it("a bad value set through the runtime is reported the same way", () => {
    pulumi.runtime.setAllConfig(toPulumiConfigMap(devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 600))));
    let thrown: unknown;
    try {
      resolveStackConfig({ ...configFromPulumiRuntime(PROJECT_DIR), readFile: files() });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems.map((p) => p.key)).toEqual(["ingress.requestTimeoutSeconds"]);
  });
});

describe("ConfigError", () => {
  it("is a pulumi.RunError, so `pulumi up` prints it without a stack trace", () => {
    const error = configError(devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 600)));
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
  });

  it("its message lists every key prefixed with tee-prover-infra:, with its fix", () => {
    const error = new ConfigError([
      { key: "aws.instanceType", message: "is burstable", fix: "use m6i.xlarge" },
      { key: "releases[0].manifest", message: "is not JSON" },
      { key: "aws:region", message: "is required for cloud aws", fix: "pulumi config set aws:region us-east-1" },
    ]);
    expect(error.message).toBe(
      [
        "invalid stack configuration (3 problems):",
        "  - tee-prover-infra:aws.instanceType: is burstable",
        "      fix: use m6i.xlarge",
        "  - tee-prover-infra:releases[0].manifest: is not JSON",
        "  - aws:region: is required for cloud aws",
        "      fix: pulumi config set aws:region us-east-1",
      ].join("\n"),
    );
    expect(formatProblems([{ key: "cloud", message: "x" }])).toBe("invalid stack configuration (1 problem):\n  - tee-prover-infra:cloud: x");
  });

  it("keys are spelled as `pulumi config set --path` spells them", () => {
    expect(keyOf(["releases", 0, "eif", "servesTls"])).toBe("releases[0].eif.servesTls");
    expect(keyOf(["aws", "keyAdministratorArns", 1])).toBe("aws.keyAdministratorArns[1]");
    expect(suggestKey("instancetype", ["vpc", "instanceType", "amiId"])).toBe("instanceType");
    expect(suggestKey("zzzzzz", ["vpc", "instanceType", "amiId"])).toBeUndefined();
  });
});
