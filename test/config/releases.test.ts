/**
 * Release manifests and attestation pins: a bad manifest, PCR or override is
 * refused while the config is resolved, naming `releases[i].…`; good ones become exact pins.
 */
import { describe, expect, it } from "vitest";
import {
  PROJECT_DIR,
  REAL_MANIFEST_REL,
  V631,
  devWith,
  expectOnlyProblem,
  fakePcr,
  manifestWith,
  otherRelease,
  problemsOf,
  resolveOk,
} from "./helpers";

const NEVER_EDIT = "never edit PCR values by hand";
const MANIFEST_NAME = "manifest pcr-measurements.v6.3.1.json";

/** Dev config whose v6.3.1 manifest is replaced by `text` (served through the injected readFile). */
function withManifest(text: string) {
  return { values: devWith(() => {}), files: { [REAL_MANIFEST_REL]: text } };
}

describe("release manifest", () => {
  it("refuses a PCR shorter than 96 hex characters", () => {
    const { values, files } = withManifest(manifestWith((m) => (m.measurements.pcr0.value = V631.pcr0.slice(0, 95))));
    expectOnlyProblem(values, "releases[0].manifest", `${MANIFEST_NAME}: measurements.pcr0.value must be 96 hex characters (a SHA-384 digest)`, NEVER_EDIT, files);
  });

  it("refuses a PCR longer than 96 hex characters (a SHA-512 value)", () => {
    const { values, files } = withManifest(manifestWith((m) => (m.measurements.pcr1.value = "ab".repeat(64))));
    expectOnlyProblem(values, "releases[0].manifest", "measurements.pcr1.value must be 96 hex characters", NEVER_EDIT, files);
  });

  it("refuses a 96-character PCR that is not hex", () => {
    const { values, files } = withManifest(manifestWith((m) => (m.measurements.pcr2.value = "g".repeat(96))));
    expectOnlyProblem(values, "releases[0].manifest", "measurements.pcr2.value must be 96 hex characters", NEVER_EDIT, files);
  });

  it("refuses an all-zero PCR (what a debug-mode enclave reports)", () => {
    const { values, files } = withManifest(manifestWith((m) => (m.measurements.pcr0.value = "0".repeat(96))));
    expectOnlyProblem(values, "releases[0].manifest", `${MANIFEST_NAME}: measurements.pcr0.value is all zeros, which is what a debug-mode enclave reports`, NEVER_EDIT, files);
  });

  it("refuses a manifest whose hashAlgorithm is not SHA384", () => {
    const { values, files } = withManifest(manifestWith((m) => (m.measurements.hashAlgorithm = "SHA256")));
    expectOnlyProblem(values, "releases[0].manifest", `${MANIFEST_NAME}: measurements.hashAlgorithm must be SHA384`, NEVER_EDIT, files);
  });

  it("refuses a manifest without pcr1", () => {
    const { values, files } = withManifest(manifestWith((m) => delete m.measurements.pcr1));
    expectOnlyProblem(values, "releases[0].manifest", `${MANIFEST_NAME}: measurements.pcr1`, NEVER_EDIT, files);
  });

  it("reports every bad PCR of one manifest", () => {
    const { values, files } = withManifest(
      manifestWith((m) => {
        m.measurements.pcr0.value = "0".repeat(96);
        m.measurements.pcr2.value = "xyz";
      }),
    );
    const problems = problemsOf(values, files);
    expect(problems.map((p) => p.key)).toEqual(["releases[0].manifest", "releases[0].manifest"]);
    expect(problems[0]!.message).toContain("measurements.pcr0.value is all zeros");
    expect(problems[1]!.message).toContain("measurements.pcr2.value must be 96 hex characters");
  });

  it("refuses an unreadable manifest, naming the absolute path it tried", () => {
    const values = devWith((_v, p) => (p("releases")[0].manifest = "releases/pcr-measurements.v9.9.9.json"));
    expectOnlyProblem(values, "releases[0].manifest", `cannot read release manifest ${PROJECT_DIR}/releases/pcr-measurements.v9.9.9.json`, "relative to the directory of Pulumi.yaml");
  });

  it("refuses a manifest that is not JSON", () => {
    const { values, files } = withManifest("version: v6.3.1\nmeasurements: {}\n");
    expectOnlyProblem(values, "releases[0].manifest", [`${PROJECT_DIR}/${REAL_MANIFEST_REL} is not JSON (`], "exactly as the proof server's maintainers publish it", files);
  });

  it("refuses an empty manifest path in the schema", () => {
    const values = devWith((_v, p) => (p("releases")[0].manifest = ""));
    expectOnlyProblem(values, "releases[0].manifest", "Too small", "pulumi config set --path 'releases[0].manifest'");
  });

  it("accepts upper-case hex in a manifest and pins it lower-case", () => {
    const { values, files } = withManifest(manifestWith((m) => (m.measurements.pcr0.value = V631.pcr0.toUpperCase())));
    expect(resolveOk(values, files).releases[0]!.pins.pcrs[0]).toEqual({ expected: V631.pcr0, warnOnly: false });
  });
});

describe("pcr8 override", () => {
  it("refuses a malformed pcr8 (95 characters)", () => {
    const values = devWith((_v, p) => (p("releases")[0].pcr8 = fakePcr("signing-cert").slice(1)));
    expectOnlyProblem(values, "releases[0].pcr8", "must be 96 hex characters (SHA-384) and not all zeros", "nitro-cli describe-eif");
  });

  it("refuses a pcr8 that is not hex", () => {
    const values = devWith((_v, p) => (p("releases")[0].pcr8 = `sha384:${fakePcr("signing-cert").slice(7)}`));
    expectOnlyProblem(values, "releases[0].pcr8", "must be 96 hex characters (SHA-384) and not all zeros", "nitro-cli describe-eif");
  });

  it("refuses an all-zero pcr8", () => {
    const values = devWith((_v, p) => (p("releases")[0].pcr8 = "0".repeat(96)));
    expectOnlyProblem(values, "releases[0].pcr8", "not all zeros", "nitro-cli describe-eif");
  });

  it("pins a valid pcr8 lower-cased, enforced unless listed as warn-only", () => {
    const pcr8 = fakePcr("signing-cert");
    const enforced = resolveOk(devWith((_v, p) => (p("releases")[0].pcr8 = pcr8.toUpperCase())));
    expect(enforced.releases[0]!.pins.pcrs[8]).toEqual({ expected: pcr8, warnOnly: false });
    const warned = resolveOk(
      devWith((_v, p) => {
        p("releases")[0].pcr8 = pcr8;
        p("releases")[0].warnOnlyPcrs = [8];
      }),
    );
    expect(warned.releases[0]!.pins.pcrs[8]).toEqual({ expected: pcr8, warnOnly: true });
  });

  it("the override wins over a pcr8 in the manifest", () => {
    const inManifest = fakePcr("manifest-pcr8");
    const override = fakePcr("override-pcr8");
    const { files } = withManifest(manifestWith((m) => (m.measurements.pcr8 = { value: inManifest })));
    expect(resolveOk(devWith(() => {}), files).releases[0]!.pins.pcrs[8]).toEqual({ expected: inManifest, warnOnly: false });
    expect(resolveOk(devWith((_v, p) => (p("releases")[0].pcr8 = override)), files).releases[0]!.pins.pcrs[8]).toEqual({ expected: override, warnOnly: false });
  });
});

describe("warnOnlyPcrs", () => {
  it("[1] marks pcr1 warn-only and nothing else", () => {
    const config = resolveOk(devWith((_v, p) => (p("releases")[0].warnOnlyPcrs = [1])));
    expect(config.releases[0]!.pins.pcrs).toEqual({
      0: { expected: V631.pcr0, warnOnly: false },
      1: { expected: V631.pcr1, warnOnly: true },
      2: { expected: V631.pcr2, warnOnly: false },
    });
  });

  it("refuses PCR0 as warn-only", () => {
    const values = devWith((_v, p) => (p("releases")[0].warnOnlyPcrs = [0]));
    expectOnlyProblem(values, "releases[0].warnOnlyPcrs[0]", ["must be 1, 2 or 8", "PCR0", "never be warn-only"], "pulumi config set --path 'releases[0].warnOnlyPcrs[0]'");
  });

  it("refuses 8 when the release pins no PCR8", () => {
    const values = devWith((_v, p) => (p("releases")[0].warnOnlyPcrs = [8]));
    expectOnlyProblem(values, "releases[0].warnOnlyPcrs", "lists PCR8, which this release does not pin", "remove 8 from warnOnlyPcrs");
  });
});

describe("release list", () => {
  const secondRelease = (version: string) => ({ manifest: `releases/pcr-measurements.${version}.json`, eif: { s3Uri: `s3://example-tee-prover-artifacts/proof-server-${version}.eif`, servesTls: false } });

  it("a two-release rotation resolves; the last release is what new hosts boot", () => {
    const values = devWith((_v, p) => p("releases").push(secondRelease("v6.4.0")));
    const config = resolveOk(values, { "releases/pcr-measurements.v6.4.0.json": otherRelease("v6.4.0") });
    expect(config.releases.map((r) => r.version)).toEqual(["v6.3.1", "v6.4.0"]);
    const target = config.releases[config.releases.length - 1]!;
    expect(target.version).toBe("v6.4.0");
    expect(target.manifestPath).toBe(`${PROJECT_DIR}/releases/pcr-measurements.v6.4.0.json`);
    expect(target.eifS3Uri).toBe("s3://example-tee-prover-artifacts/proof-server-v6.4.0.eif");
    expect(target.pins).toEqual({
      version: "v6.4.0",
      pcrs: {
        0: { expected: fakePcr("v6.4.0/pcr0"), warnOnly: false },
        1: { expected: fakePcr("v6.4.0/pcr1"), warnOnly: false },
        2: { expected: fakePcr("v6.4.0/pcr2"), warnOnly: false },
      },
    });
    // The running release keeps its own pins: PCRs of the two releases never mix.
    expect(config.releases[0]!.pins.pcrs[0].expected).toBe(V631.pcr0);
  });

  it("during a rotation the enclave must fit the larger of both manifests' buildInfo", () => {
    const values = devWith((_v, p) => {
      p("releases").push(secondRelease("v6.4.0"));
      p("aws").instanceType = "m6i.2xlarge";
    });
    const problems = problemsOf(values, { "releases/pcr-measurements.v6.4.0.json": otherRelease("v6.4.0", { cpuCount: 4, memoryMB: 8192 }) });
    expect(problems.map((p) => p.key)).toEqual(["aws.enclave.cpuCount", "aws.enclave.memoryMiB"]);
    expect(problems[0]!.message).toBe("2 is below the release manifest's buildInfo.cpuCount (4)");
    expect(problems[0]!.fix).toBe("set it to at least 4");
    expect(problems[1]!.message).toBe("4096 MiB is below the release manifest's buildInfo.memoryMB (8192)");
    expect(problems[1]!.fix).toBe("set it to at least 8192");
  });

  it("a bad manifest of the second release is reported on releases[1]", () => {
    const values = devWith((_v, p) => p("releases").push(secondRelease("v6.4.0")));
    expectOnlyProblem(
      values,
      "releases[1].manifest",
      "manifest pcr-measurements.v6.4.0.json: measurements.pcr0.value is all zeros",
      NEVER_EDIT,
      { "releases/pcr-measurements.v6.4.0.json": manifestWith((m) => (m.measurements.pcr0.value = "0".repeat(96))) },
    );
  });

  it("refuses three releases", () => {
    const values = devWith((_v, p) => p("releases").push(secondRelease("v6.4.0"), secondRelease("v6.5.0")));
    expectOnlyProblem(values, "releases", "at most two releases: the running one and the next during a rotation", "pulumi config set --path 'releases'");
  });

  it("refuses an empty release list", () => {
    const values = devWith((v) => (v["tee-prover-infra:releases"] = []));
    expectOnlyProblem(values, "releases", "pin at least one release", "pulumi config set --path 'releases'");
  });

  it("refuses the same release listed twice", () => {
    const values = devWith((_v, p) => p("releases").push(structuredClone(p("releases")[0])));
    expectOnlyProblem(values, "releases", "release v6.3.1 is listed twice", "list each release once");
  });

  it("refuses two manifests of the same version (even with different EIFs)", () => {
    const values = devWith((_v, p) => p("releases").push(secondRelease("copy")));
    expectOnlyProblem(values, "releases", "release v6.3.1 is listed twice", "list each release once", { "releases/pcr-measurements.copy.json": manifestWith(() => {}) });
  });

  it("refuses an EIF location that is not s3://bucket/key.eif", () => {
    const values = devWith((_v, p) => (p("releases")[0].eif.s3Uri = "https://example.com/proof-server.eif"));
    expectOnlyProblem(values, "releases[0].eif.s3Uri", "must be s3://<bucket>/<key>.eif", "pulumi config set --path 'releases[0].eif.s3Uri'");
  });
});
