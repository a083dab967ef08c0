import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { NitroProofServerArgs } from "../../components/aws/args";
import type { ConfidentialSpaceProofServerArgs } from "../../components/gcp/args";
import { resolveConfidentialSpaceArgs, resolveNitroArgs } from "../../src/config/args";
import { ConfigError } from "../../src/config/errors";
import { resolveStackConfig } from "../../src/config/resolve";
import { stackComponentArgs } from "../../src/config/stack-args";
import { knownReleases } from "../../src/releases/known";
import { devValues, gcpDevValues, PROJECT_DIR } from "../helpers/offline";

// The library's front door: a platform team's own program passes arguments (with Outputs where
// values come from other resources) and gets the stack configuration's checks, worded for it.

/** An Output's settled value or rejection (test-only: the SDK keeps `promise()` off its typings). */
function settle<T>(output: pulumi.Input<T>): Promise<T> {
  return (pulumi.output(output) as unknown as { promise(): Promise<T> }).promise();
}

function thrown(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

const S3_URI = "s3://team-artifacts/proof-server-v6.3.1.eif";
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const ADMIN = "arn:aws:iam::123456789012:role/deployer";

/** What a platform team writes: the published release by object, its own network by Output. */
function teamArgs(overrides: { aws?: Partial<NitroProofServerArgs["aws"]>; top?: Partial<NitroProofServerArgs> } = {}): NitroProofServerArgs {
  return {
    environment: "staging",
    releases: [{ manifest: knownReleases["v6.3.1"].manifest, eif: { s3Uri: S3_URI } }],
    ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "the published v6.3.1 EIF serves plain HTTP" } },
    alarms: { P0: { emails: ["oncall@example.com"], httpsEndpoints: [pulumi.secret("https://hooks.example.com/T0/B0/x")] } },
    ...overrides.top,
    aws: {
      region: "eu-west-1",
      vpc: { mode: "existing", vpcId: pulumi.output("vpc-0123456789abcdef0"), privateSubnetIds: pulumi.output(["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]), publicSubnetIds: [pulumi.output("subnet-0bbbbbbbbbbbbbbb1"), "subnet-0bbbbbbbbbbbbbbb2"] },
      certificateArn: pulumi.output(CERT),
      keyAdministratorArns: [pulumi.output(ADMIN)],
      ...overrides.aws,
    },
  };
}

/** The same with every value plain: a failure test then makes exactly one Input (every gated Input rejects). */
function plainTeamArgs(aws: Partial<NitroProofServerArgs["aws"]> = {}): NitroProofServerArgs {
  const base = teamArgs();
  return {
    ...base,
    alarms: { P0: { emails: ["oncall@example.com"] } },
    aws: {
      region: "eu-west-1",
      vpc: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] },
      certificateArn: CERT,
      keyAdministratorArns: [ADMIN],
      ...aws,
    },
  };
}

describe("the stack and the library go through one validation", () => {
  it("the dev stack's configuration, as component arguments, resolves to the same settings", () => {
    const source = { values: devValues(), projectDir: PROJECT_DIR };
    const component = stackComponentArgs(source);
    if (component.cloud !== "aws") throw new Error("dev is an AWS stack");
    expect(resolveNitroArgs("prover-dev", component.args)).toEqual(resolveStackConfig(source));
    const gcpSource = { values: gcpDevValues(), projectDir: PROJECT_DIR };
    const gcp = stackComponentArgs(gcpSource);
    if (gcp.cloud !== "gcp") throw new Error("dev-gcp is a GCP stack");
    expect(resolveConfidentialSpaceArgs("prover-dev-gcp", gcp.args)).toEqual(resolveStackConfig(gcpSource));
  });

  it("names the argument path, not a config key, and fixes in the arguments' terms", () => {
    const error = thrown(() => resolveNitroArgs("team-prover", { ...teamArgs(), environmnt: "dev" } as NitroProofServerArgs));
    expect(error.message.split("\n")[0]).toBe('invalid arguments of NitroProofServer "team-prover" (1 problem):');
    expect(error.message).toContain('- args.environmnt: unknown key "environmnt" (did you mean "environment"?)');
    expect(error.message).not.toContain("tee-prover-infra:");

    const noCert = thrown(() => resolveNitroArgs("team-prover", teamArgs({ aws: { certificateArn: undefined } })));
    expect(noCert.problems.map((p) => p.key)).toEqual(["aws.certificateArn"]);
    expect(noCert.message).toContain("- args.aws.certificateArn: is required in terminate mode");
    expect(noCert.message).toContain("fix: set args.aws.certificateArn to arn:aws:acm:<region>:<account>:certificate/<id>");
    expect(noCert.message).not.toContain("pulumi config set");
  });

  it("the same problem reads in stack terms through the stack's front door", () => {
    const error = thrown(() => resolveStackConfig({ values: devValues({ aws: { ...(devValues()["tee-prover-infra:aws"] as object), certificateArn: undefined } }), projectDir: PROJECT_DIR }));
    expect(error.message).toContain("- tee-prover-infra:aws.certificateArn: is required in terminate mode");
    expect(error.message).toContain("fix: pulumi config set --path aws.certificateArn arn:aws:acm:");
  });

  it("the provider's region is an argument; without it and without aws:region the call is refused", () => {
    const error = thrown(() => resolveNitroArgs("team-prover", teamArgs({ aws: { region: undefined } })));
    expect(error.problems).toEqual([{ key: "aws:region", message: "is required for cloud aws", fix: "pulumi config set aws:region us-east-1" }]);
    expect(error.message).toContain("- args.aws.region: is required for cloud aws\n      fix: set args.aws.region to us-east-1");
    expect(thrown(() => resolveNitroArgs("team-prover", teamArgs({ aws: { region: "eu-central" } }))).message).toContain('- args.aws.region: "eu-central" is not an AWS region');
  });

  it("an Output where the value decides what is deployed is refused before anything is declared", () => {
    const error = thrown(() => resolveNitroArgs("team-prover", teamArgs({ aws: { instanceType: pulumi.output("m6i.xlarge") as unknown as string } })));
    expect(error.problems.map((p) => p.key)).toEqual(["aws.instanceType"]);
    expect(error.message).toContain("- args.aws.instanceType: is a pulumi Output or Promise, but this setting decides what is deployed");
  });
});

describe("Inputs from other resources", () => {
  it("flow through unchanged once checked, secrets stay secret", async () => {
    const config = resolveNitroArgs("team-prover", teamArgs());
    if (config.aws.vpc.mode !== "existing") throw new Error("existing VPC expected");
    expect(await settle(config.aws.vpc.vpcId)).toBe("vpc-0123456789abcdef0");
    expect(await settle(config.aws.vpc.privateSubnetIds)).toEqual(["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]);
    expect(await settle(pulumi.all(config.aws.vpc.publicSubnetIds as pulumi.Input<string>[]))).toEqual(["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]);
    expect(await settle(config.aws.certificateArn!)).toBe(CERT);
    expect(await settle(pulumi.all(config.aws.keyAdministratorArns as pulumi.Input<string>[]))).toEqual([ADMIN]);
    const webhook = pulumi.output(config.alarms.P0.httpsEndpoints[0]!);
    expect(await settle(webhook)).toBe("https://hooks.example.com/T0/B0/x");
    expect(await pulumi.isSecret(webhook)).toBe(true);
    // Plain values are resolved as usual: the release pinned by object, its TLS fact known.
    expect(config.releases[0]!.eifServesTls).toBe(false);
    expect(config.releases[0]!.pins.pcrs[0].expected).toBe(knownReleases["v6.3.1"].manifest.measurements.pcr0.value);
  });

  it("a bad value fails every use of it with the argument path once it is known", async () => {
    const badVpc = resolveNitroArgs("deferred-check", plainTeamArgs({ vpc: { mode: "existing", vpcId: pulumi.output("vpc-nope"), privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] } }));
    if (badVpc.aws.vpc.mode !== "existing") throw new Error("existing VPC expected");
    await expect(settle(badVpc.aws.vpc.vpcId)).rejects.toThrow(/- args\.aws\.vpc\.vpcId: must be a VPC id \(vpc-\.\.\.\)/);

    const oneSubnet = resolveNitroArgs("deferred-check", plainTeamArgs({ vpc: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: pulumi.output(["subnet-0aaaaaaaaaaaaaaa1"]), publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] } }));
    if (oneSubnet.aws.vpc.mode !== "existing") throw new Error("existing VPC expected");
    await expect(settle(oneSubnet.aws.vpc.privateSubnetIds)).rejects.toThrow("- args.aws.vpc.privateSubnetIds: needs subnets in at least 2 AZs");

    const root = resolveNitroArgs("deferred-check", plainTeamArgs({ keyAdministratorArns: pulumi.output(["arn:aws:iam::123456789012:root"]) }));
    const rejected = settle(root.aws.keyAdministratorArns);
    await expect(rejected).rejects.toBeInstanceOf(ConfigError);
    await expect(rejected).rejects.toThrow("- args.aws.keyAdministratorArns[0]: must be an IAM role or user ARN");
    // The same check on a plain value runs at construction.
    expect(thrown(() => resolveNitroArgs("team-prover", teamArgs({ aws: { keyAdministratorArns: ["arn:aws:iam::123456789012:root"] } }))).problems.map((p) => p.key)).toEqual(["aws.keyAdministratorArns[0]"]);
  });

  it("GCP: network, subnetwork and certificates may be Outputs", async () => {
    const args: ConfidentialSpaceProofServerArgs = {
      environment: "dev",
      releases: [{ version: "v6.3.1", image: `docker.io/midnightntwrk/proof-server@sha256:${"ab".repeat(32)}`, servesTls: false, exposedPorts: [6300] }],
      ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "dev runs the reference image over plain HTTP" } },
      gcp: {
        project: "team-project-1",
        region: "europe-west4",
        confidentialInstanceType: "SEV",
        machineType: "n2d-standard-8",
        zones: ["europe-west4-a", "europe-west4-b"],
        network: { mode: "existing", network: pulumi.output("projects/team-project-1/global/networks/shared"), subnetwork: pulumi.output("projects/team-project-1/regions/europe-west4/subnetworks/provers"), cloudNat: false },
        certificate: { sslCertificates: pulumi.output(["projects/team-project-1/global/sslCertificates/prover"]) },
      },
    };
    const config = resolveConfidentialSpaceArgs("team-gcp", args);
    if (config.gcp.network.mode !== "existing" || !config.gcp.certificate || !("sslCertificates" in config.gcp.certificate)) throw new Error("existing network and certificates expected");
    expect(await settle(config.gcp.network.subnetwork)).toBe("projects/team-project-1/regions/europe-west4/subnetworks/provers");
    expect(await settle(config.gcp.certificate.sslCertificates)).toEqual(["projects/team-project-1/global/sslCertificates/prover"]);
    expect(config.gcp.project).toBe("team-project-1");

    const noProject = thrown(() => resolveConfidentialSpaceArgs("team-gcp", { ...args, gcp: { ...args.gcp, project: undefined } }));
    expect(noProject.message).toContain("- args.gcp.project: is required for cloud gcp\n      fix: set args.gcp.project to <project-id>");
    const zone = thrown(() => resolveConfidentialSpaceArgs("team-gcp", { ...args, gcp: { ...args.gcp, zones: ["us-central1-a", "europe-west4-b"] } }));
    expect(zone.message).toContain("- args.gcp.zones[0]: us-central1-a is not in args.gcp.region europe-west4");
  });
});

describe("releases as data", () => {
  const manifest = knownReleases["v6.3.1"].manifest;

  it("a known release's facts are not restated, and a contradiction is refused", () => {
    const error = thrown(() => resolveNitroArgs("team-prover", teamArgs({ top: { releases: [{ manifest, eif: { s3Uri: S3_URI, servesTls: true } }] } })));
    expect(error.problems).toEqual([
      expect.objectContaining({ key: "releases[0].eif.servesTls", message: expect.stringContaining("says true, but the published v6.3.1 EIF (PCR0 7a4a106361d6...) serves plain HTTP") }),
    ]);
  });

  it("a release the package does not know must state whether its EIF serves TLS", () => {
    const own = { ...manifest, version: "v6.3.1-team", measurements: { ...manifest.measurements, pcr0: { value: "1".repeat(96) } } };
    const error = thrown(() => resolveNitroArgs("team-prover", teamArgs({ top: { releases: [{ manifest: own, eif: { s3Uri: S3_URI } }] } })));
    expect(error.problems.map((p) => [p.key, p.message.slice(0, 60)])).toEqual([["releases[0].eif.servesTls", "is required: v6.3.1-team (PCR0 111111111111...) is not a rel"]]);
    const stated = resolveNitroArgs("team-prover", teamArgs({ top: { releases: [{ manifest: own, eif: { s3Uri: S3_URI, servesTls: false } }] } }));
    expect(stated.releases[0]!.pins.pcrs[0].expected).toBe("1".repeat(96));
  });

  it("a manifest object is checked as a file's content is: a debug (all-zero) PCR is refused", () => {
    const debug = { ...manifest, measurements: { ...manifest.measurements, pcr0: { value: "0".repeat(96) } } };
    const error = thrown(() => resolveNitroArgs("team-prover", teamArgs({ top: { releases: [{ manifest: debug, eif: { s3Uri: S3_URI, servesTls: false } }] } })));
    expect(error.problems).toEqual([expect.objectContaining({ key: "releases[0].manifest", message: "manifest object: measurements.pcr0.value is all zeros, which is what a debug-mode enclave reports; a release manifest must never pin it" })]);
  });

  it("a known release is recognised by its PCR0, whatever the hex case", async () => {
    const { knownReleaseByPcr0 } = await import("../../src/releases/known");
    expect(knownReleaseByPcr0(manifest.measurements.pcr0.value.toUpperCase())?.version).toBe("v6.3.1");
    expect(knownReleaseByPcr0("1".repeat(96))).toBeUndefined();
  });

});
