/**
 * The stack config as a whole: the dev config resolves to exact values; unknown keys are errors
 * with a "did you mean"; unsupported clouds and invalid retention are refused; several problems
 * come back in one ConfigError.
 */
import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../src/config/resolve";
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../../src/config/schema";
import { PROJECT_DIR, V631, configError, devValues, devWith, expectOnlyProblem, fakePcr, problemsOf, resolveOk, prodWith } from "./helpers";

describe("the dev config (Pulumi.dev.yaml)", () => {
  it("resolves to exact values", () => {
    const config = resolveOk(devValues());
    expect(config.cloud).toBe("aws");
    expect(config.environment).toBe("dev");
    expect(config.namePrefix).toBe("prover");
    expect(config.proofServer).toEqual({ build: "tee", port: 6300, jobTimeoutSeconds: 600, env: {} });
    expect(config.logRetentionDays).toBe(14);
    expect(config.tags).toEqual({});
    expect(config.aws).toEqual({
      region: "us-east-1",
      vpc: { mode: "create", cidrBlock: "10.64.0.0/16", availabilityZoneCount: 2, natGateways: "single" },
      instanceType: "m6i.xlarge",
      instanceShape: { vcpus: 4, memoryMiB: 16384, threadsPerCore: 2 },
      amiId: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
      enclave: { cpuCount: 2, memoryMiB: 4096 },
      fleet: { minSize: 1, maxSize: 2, desiredCapacity: 1 },
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
      tlsPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      keyAdministratorArns: ["arn:aws:iam::123456789012:role/PLACEHOLDER-pulumi-deployer"],
      kmsDeletionWindowDays: 7,
      parentRolePin: { pinned: true },
      interactiveAccess: true,
    });
    expect(config.ingress).toEqual({
      mode: "terminate",
      listenerPort: 443,
      allowedClientCidrs: ["0.0.0.0/0"],
      requestTimeoutSeconds: 660,
      drainTimeoutSeconds: 660,
      backendProtocol: "HTTP",
      plaintextHopAcceptedReason: "dev runs the published v6.3.1 EIF, which serves plain HTTP; no real user witnesses reach dev.",
      rateLimitPer5Minutes: 600,
      httpRedirect: false,
    });
    expect(config.alarms).toEqual({
      P0: { emails: ["oncall@example.com"], httpsEndpoints: [] },
      P1: { emails: ["oncall@example.com"], httpsEndpoints: [] },
      P2: { emails: [], httpsEndpoints: [] },
      P3: { emails: [], httpsEndpoints: [] },
    });
    expect(config.releases).toHaveLength(1);
    const release = config.releases[0]!;
    expect(release.version).toBe("v6.3.1");
    expect(release.manifestPath).toBe(`${PROJECT_DIR}/releases/pcr-measurements.v6.3.1.json`);
    expect(release.eifS3Uri).toBe("s3://example-tee-prover-artifacts/proof-server-v6.3.1.eif");
    expect(release.eifServesTls).toBe(false);
    expect(release.manifest.buildInfo).toEqual({ dockerImage: "midnight/proof-server:v6.3.1", eifFile: "proof-server-v6.3.1.eif", cpuCount: 2, memoryMB: 4096, reproducible: true });
    expect(release.pins).toEqual({
      version: "v6.3.1",
      pcrs: {
        0: { expected: V631.pcr0, warnOnly: false },
        1: { expected: V631.pcr1, warnOnly: false },
        2: { expected: V631.pcr2, warnOnly: false },
      },
    });
  });

  it("resolves the same when the manifest is read from disk (no injected readFile)", () => {
    const fromDisk = resolveStackConfig({ values: devValues(), projectDir: PROJECT_DIR });
    expect(fromDisk).toEqual(resolveOk(devValues()));
  });

  it("ignores keys of other namespaces", () => {
    const config = resolveOk(devWith((v) => (v["aws:profile"] = "dev-admin")));
    expect(config.aws.region).toBe("us-east-1");
  });
});

describe("unknown keys", () => {
  it("a mistyped top-level key (tee-prover-infra:ingres) is an error with a suggestion", () => {
    const values = devWith((v) => (v["tee-prover-infra:ingres"] = { mode: "passthrough" }));
    expectOnlyProblem(
      values,
      "ingres",
      ['unknown key "ingres" (did you mean "ingress"?)', "a mistyped key would otherwise be silently ignored"],
      ['remove it or rename it to "ingress"', "known keys here: cloud, environment, namePrefix, previousNamePrefix, proofServer, ingress, alarms, quarantine, budget, releases, logRetentionDays, tags, aws"],
    );
  });

  it("a renamed required key reports both the unknown and the missing key", () => {
    const values = devWith((v) => {
      v["tee-prover-infra:ingres"] = v["tee-prover-infra:ingress"];
      delete v["tee-prover-infra:ingress"];
    });
    const problems = problemsOf(values);
    expect(problems.map((p) => p.key).sort()).toEqual(["ingres", "ingress"]);
    expect(problems.find((p) => p.key === "ingress")!.message).toBe("is required (Invalid input: expected object, received undefined)");
    expect(problems.find((p) => p.key === "ingres")!.message).toContain('did you mean "ingress"?');
  });

  it("aws.instancetype suggests aws.instanceType", () => {
    const values = devWith((_v, p) => (p("aws").instancetype = "m6i.2xlarge"));
    expectOnlyProblem(values, "aws.instancetype", 'unknown key "instancetype" (did you mean "instanceType"?)', ['rename it to "aws.instanceType"', "known keys here: vpc, instanceType, amiId"]);
  });

  it("ingress.mdoe suggests ingress.mode (and the missing mode is reported too)", () => {
    const values = devWith((_v, p) => {
      p("ingress").mdoe = p("ingress").mode;
      delete p("ingress").mode;
    });
    const problems = problemsOf(values);
    expect(problems.map((p) => p.key).sort()).toEqual(["ingress.mdoe", "ingress.mode"]);
    const unknown = problems.find((p) => p.key === "ingress.mdoe")!;
    expect(unknown.message).toContain('unknown key "mdoe" (did you mean "mode"?)');
    expect(unknown.fix).toContain('rename it to "ingress.mode"');
    expect(problems.find((p) => p.key === "ingress.mode")!.message).toContain('expected one of "passthrough"|"terminate"');
  });

  it("releases[0].eif.serveTls suggests servesTls, at the array index", () => {
    const values = devWith((_v, p) => {
      const eif = p("releases")[0].eif;
      eif.serveTls = eif.servesTls;
      delete eif.servesTls;
    });
    const problems = problemsOf(values);
    // servesTls itself may be left out for the published v6.3.1 (its EIF is known to serve plain HTTP).
    expect(problems.map((p) => p.key).sort()).toEqual(["releases[0].eif.serveTls"]);
    const unknown = problems.find((p) => p.key === "releases[0].eif.serveTls")!;
    expect(unknown.message).toContain('unknown key "serveTls" (did you mean "servesTls"?)');
    expect(unknown.fix).toBe('remove it or rename it to "releases[0].eif.servesTls"; known keys here: s3Uri, servesTls');
  });

  it("a key inside the vpc union (aws.vpc.cidrblock) suggests cidrBlock", () => {
    const values = devWith((_v, p) => (p("aws").vpc.cidrblock = "10.0.0.0/16"));
    expectOnlyProblem(values, "aws.vpc.cidrblock", 'did you mean "cidrBlock"?', 'rename it to "aws.vpc.cidrBlock"');
  });

  it("a key inside alarms (alarms.P0.email) suggests emails", () => {
    const values = devWith((_v, p) => (p("alarms").P0.email = "pager@example.com"));
    expectOnlyProblem(values, "alarms.P0.email", 'did you mean "emails"?', 'rename it to "alarms.P0.emails"');
  });

  it("a key like nothing known gets no suggestion, only the list of known keys", () => {
    const values = devWith((v) => (v["tee-prover-infra:favouriteColour"] = "teal"));
    const problem = expectOnlyProblem(values, "favouriteColour", 'unknown key "favouriteColour"', "remove it; known keys here: cloud, environment");
    expect(problem.message).not.toContain("did you mean");
  });
});

describe("cloud", () => {
  it("an AWS config switched to gcp is judged by the GCP schema: AWS keys are unknown there", () => {
    const values = devWith((v) => (v["tee-prover-infra:cloud"] = "gcp"));
    const keys = problemsOf(values).map((p) => p.key);
    expect(keys).toContain("aws");
    expect(keys).toContain("gcp");
    expect(keys).toContain("releases[0].image");
  });

  it("an AWS config switched to azure is judged by the Azure schema: AWS keys are unknown there", () => {
    const values = devWith((v) => (v["tee-prover-infra:cloud"] = "azure"));
    const keys = problemsOf(values).map((p) => p.key);
    expect(keys).toContain("aws");
    expect(keys).toContain("azure");
    expect(keys).toContain("releases[0].image");
  });

  it("an unknown cloud lists the allowed ones", () => {
    const values = devWith((v) => (v["tee-prover-infra:cloud"] = "oracle"));
    expectOnlyProblem(values, "cloud", '"oracle" is not a cloud; allowed: aws, gcp, azure', "pulumi config set cloud aws (or gcp, azure)");
  });
});

describe("logRetentionDays", () => {
  it("refuses a period CloudWatch does not accept (10), listing the accepted ones", () => {
    const values = devWith((v) => (v["tee-prover-infra:logRetentionDays"] = 10));
    expectOnlyProblem(
      values,
      "logRetentionDays",
      ["is not a retention period CloudWatch Logs accepts", "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
      "pulumi config set --path 'logRetentionDays'",
    );
  });

  it.each([0, -14, 14.5, 3654, 366])("refuses %s", (days) => {
    expectOnlyProblem(devWith((v) => (v["tee-prover-infra:logRetentionDays"] = days)), "logRetentionDays", "is not a retention period CloudWatch Logs accepts");
  });

  it("accepts every period CloudWatch accepts", () => {
    expect([...CLOUDWATCH_LOG_RETENTION_DAYS]).toEqual([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);
    const resolved = CLOUDWATCH_LOG_RETENTION_DAYS.map((days) => resolveOk(devWith((v) => (v["tee-prover-infra:logRetentionDays"] = days))).logRetentionDays);
    expect(resolved).toEqual([...CLOUDWATCH_LOG_RETENTION_DAYS]);
  });

  it("defaults per environment: dev 14, staging 90", () => {
    expect(resolveOk(devValues()).logRetentionDays).toBe(14);
    expect(resolveOk(devWith((v, p) => {
      v["tee-prover-infra:environment"] = "staging";
      p("aws").fleet = { minSize: 2, maxSize: 4 };
    })).logRetentionDays).toBe(90);
  });
});

describe("several problems at once", () => {
  it("every cross-field problem is reported in one ConfigError, in order", () => {
    const values = prodWith((v, p) => {
      delete v["aws:region"];
      delete p("aws").amiId;
      p("aws").fleet = { minSize: 1, maxSize: 2 };
      p("releases")[0].warnOnlyPcrs = [8];
      p("ingress").requestTimeoutSeconds = 600;
      p("ingress").drainTimeoutSeconds = 300;
      p("aws").enclave = { cpuCount: 4, memoryMiB: 2048 };
      delete p("aws").certificateArn;
      delete v["tee-prover-infra:budget"];
    });
    const problems = problemsOf(values);
    expect(problems.map((p) => [p.key, p.message.split(/[:;(]/)[0]])).toEqual([
      // The environment's floors first, then each part's own checks.
      ["aws.fleet.minSize", "prod needs at least 2 hosts so one zone or one rollout never takes the service down "],
      ["releases[0].warnOnlyPcrs", "prod enforces every pinned PCR"],
      ["aws.amiId", "prod must boot an AMI that config pins"],
      ["releases[0].warnOnlyPcrs", "lists PCR8, which this release does not pin"],
      ["ingress.requestTimeoutSeconds", "600 s is shorter than the job timeout "],
      ["ingress.drainTimeoutSeconds", "300 s is shorter than the job timeout + 60 s"],
      ["aws:region", "is required for cloud aws"],
      ["aws.enclave.memoryMiB", "2048 MiB is below the release manifest's buildInfo.memoryMB "],
      ["aws.enclave.cpuCount", "4 of m6i.xlarge's 4 vCPUs leaves the parent 0"],
      ["aws.certificateArn", "is required in terminate mode"],
      ["budget.monthlyAmount", "prod needs a monthly cost budget"],
    ]);
  });

  it("every schema problem is reported in one ConfigError", () => {
    const values = devWith((v, p) => {
      v["tee-prover-infra:logRetentionDays"] = 10;
      p("ingress").mdoe = "terminate";
      p("aws").keyAdministratorArns = ["arn:aws:iam::123456789012:root", "*"];
      p("releases")[0].eif.serveTls = true;
      p("aws").fleet.minSize = 0;
      p("aws").instanceType = "t3.xlarge";
    });
    const problems = problemsOf(values);
    expect(problems.map((p) => p.key).sort()).toEqual([
      "aws.fleet.minSize",
      "aws.instanceType",
      "aws.keyAdministratorArns[0]",
      "aws.keyAdministratorArns[1]",
      "ingress.mdoe",
      "logRetentionDays",
      "releases[0].eif.serveTls",
    ]);
  });

  it("the printed message lists every key under the project namespace", () => {
    const error = configError(
      devWith((v, p) => {
        p("aws").enclave.cpuCount = 3;
        p("ingress").drainTimeoutSeconds = 300;
        p("releases")[0].pcr8 = fakePcr("x").slice(2);
        delete v["aws:region"];
      }),
    );
    expect(error.problems.map((p) => p.key)).toEqual(["releases[0].pcr8", "ingress.drainTimeoutSeconds", "aws:region", "aws.enclave.cpuCount", "aws.enclave.cpuCount"]);
    expect(error.message.split("\n")[0]).toBe("invalid stack configuration (5 problems):");
    for (const printed of ["tee-prover-infra:releases[0].pcr8", "tee-prover-infra:ingress.drainTimeoutSeconds", "tee-prover-infra:aws.enclave.cpuCount"]) {
      expect(error.message).toContain(`  - ${printed}: `);
    }
    // A key of another namespace is printed as it is, never prefixed.
    expect(error.message).toContain("  - aws:region: is required for cloud aws");
    expect(error.message).not.toContain("tee-prover-infra:aws:region");
    // Each fix is printed under its problem.
    expect(error.message).toContain("      fix: pulumi config set aws:region us-east-1");
  });
});

describe("proofServer.env on AWS", () => {
  it("is refused: nothing can be passed into an enclave at run time", () => {
    const values = devWith((_v, p) => (p("proofServer").env = { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "4" }));
    expectOnlyProblem(values, "proofServer.env", "nothing can be passed into a Nitro Enclave at run time", "build the EIF with the settings you need");
  });
});

describe("previousNamePrefix (renaming the fleet)", () => {
  it("is carried into the config, and refused when it equals namePrefix", () => {
    expect(resolveOk(devWith((v) => (v["tee-prover-infra:previousNamePrefix"] = "old"))).previousNamePrefix).toBe("old");
    expect(resolveOk(devValues()).previousNamePrefix).toBeUndefined();
    expectOnlyProblem(devWith((v) => (v["tee-prover-infra:previousNamePrefix"] = "prover")), "previousNamePrefix", 'equals namePrefix ("prover")', "remove previousNamePrefix");
  });
});
