import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";
import { nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";

// The offline plan as a user runs it: `npm run plan -- <stack> [--json FILE]`, in a child process.
// `npm run plan` is `node bin/plan.cjs`, which runs src/plan/cli.ts compiled (test/plan/launcher.test.ts).
const CLI = path.join(PROJECT_DIR, "bin/plan.cjs");
interface PlanRun {
  code: number | null;
  stdout: string;
  stderr: string;
}
// At most as many runs at once as there are cores (at least two): thirteen plans started together
// on two cores cost about a tenth more CPU than the same plans queued (context switches, caches;
// measured in docs/testing.md), and the file takes no longer, since the cores are busy either way.
const PARALLEL_RUNS = Math.max(2, os.availableParallelism());
let running = 0;
const waiting: Array<() => void> = [];
async function plan(args: string[], via: "plain" | "traced" = "plain"): Promise<PlanRun> {
  if (running >= PARALLEL_RUNS) await new Promise<void>((start) => waiting.push(start));
  else running++;
  try {
    return await planNow(args, via);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
function planNow(args: string[], via: "plain" | "traced"): Promise<PlanRun> {
  const argv = [...(via === "traced" ? ["--require", tracer] : []), CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
// Preloaded into some runs: reports on stderr every @pulumi module the CLI loads, and the other
// modules a plan loads only when it needs them.
const tracer = path.join(tmp, "trace-pulumi.cjs");
fs.writeFileSync(
  tracer,
  `const Module = require("node:module");
const load = Module._load;
const seen = new Set();
Module._load = function (request, ...rest) {
  const watched = request.startsWith("@pulumi/") || ["@marcbachmann/cel-js", "@cloud-copilot/iam-simulate", "typescript", "execa", "normalize-package-data"].includes(request);
  if (watched && !seen.has(request)) { seen.add(request); process.stderr.write("loaded " + request + "\\n"); }
  return load.call(this, request, ...rest);
};
`,
);
/** A platform team's own program: a bucket of its own, a Nitro fleet and a Confidential Space fleet. */
const CONSUMER = path.join(PROJECT_DIR, "test/plan/fixtures/consumer-program");
/** A program with none of our components: the packs judge it, the fleet review has nothing to say. */
const NO_FLEET = path.join(PROJECT_DIR, "test/plan/fixtures/no-fleet-program");
const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), "utf8"));

/** A project directory holding a copy of Pulumi.dev.yaml as `Pulumi.<stack>.yaml`, mutated. */
function projectWith(stack: string, mutate: (config: Record<string, unknown>) => void): string {
  const dir = fs.mkdtempSync(path.join(tmp, "proj-"));
  fs.mkdirSync(path.join(dir, "releases"));
  fs.copyFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), path.join(dir, "releases/pcr-measurements.v6.3.1.json"));
  const doc = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  mutate(doc.config);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringifyYaml(doc));
  return dir;
}

// Every run is independent of the others, so they all start at once and each test awaits the
// ones it asserts on: the file takes as long as its slowest plan, not the sum of them.
let runs: {
  dev: Promise<PlanRun>;
  devAgain: Promise<PlanRun>;
  gcp: Promise<PlanRun>;
  bad: Promise<PlanRun>;
  secret: Promise<PlanRun>;
  nope: Promise<PlanRun>;
  noArgs: Promise<PlanRun>;
  diff: Promise<PlanRun>;
  program: Promise<PlanRun>;
  noProject: Promise<PlanRun>;
  notNode: Promise<PlanRun>;
  programNoStack: Promise<PlanRun>;
  noFleet: Promise<PlanRun>;
};
let dev: PlanRun;
let json: Record<string, unknown>;

beforeAll(async () => {
  const bad = projectWith("bad", (c) => {
    (c["tee-prover-infra:aws"] as Record<string, unknown>)["instanceType"] = "t3.xlarge";
    (c["tee-prover-infra:ingress"] as Record<string, unknown>)["requestTimeoutSecond"] = 900;
  });
  const secret = projectWith("secret", (c) => {
    (c["tee-prover-infra:alarms"] as Record<string, Record<string, unknown>>)["P0"]!["httpsEndpoints"] = [{ secure: "v1:AAAAencryptedwebhook" }];
  });
  // A misspelt policy name: the engine ignores it silently, the plan names it.
  const typoConfig = path.join(tmp, "policy-typo.json");
  fs.writeFileSync(typoConfig, JSON.stringify({ "aws-ec2-securitygroup-disalow-open-ssh": { enforcementLevel: "advisory" } }));
  // Every finding mandatory: the no-fleet program opens SSH to the internet.
  const strictConfig = path.join(tmp, "policy-strict.json");
  fs.writeFileSync(strictConfig, JSON.stringify({ all: "mandatory", "aws-ec2-securitygroup-disalow-open-ssh": "advisory" }));
  // A base plan for --diff: one protected bucket that the dev stack does not declare.
  const base = path.join(tmp, "base.json");
  fs.writeFileSync(base, JSON.stringify({ stack: "dev", resources: [{ type: "aws:s3/bucket:Bucket", name: "gone", protect: true, retainOnDelete: false, ignoreChanges: [], inputs: {} }], policy: { evaluated: false, note: "--no-policy" } }));
  const noProject = fs.mkdtempSync(path.join(tmp, "no-project-"));
  const notNode = fs.mkdtempSync(path.join(tmp, "python-"));
  fs.writeFileSync(path.join(notNode, "Pulumi.yaml"), "name: team\nruntime: python\n");
  runs = {
    program: plan(["dev", "--program", CONSUMER, "--json", path.join(tmp, "program.json")]),
    noProject: plan(["dev", "--program", noProject], "traced"),
    notNode: plan(["dev", "--program", notNode]),
    programNoStack: plan(["prod", "--program", CONSUMER], "traced"),
    dev: plan(["dev", "--json", path.join(tmp, "a.json")], "traced"),
    devAgain: plan(["dev", "--json", path.join(tmp, "b.json"), "--export-state", path.join(tmp, "state.json"), "--diff", base, "--format", "markdown"]),
    gcp: plan(["dev-gcp", "--json", path.join(tmp, "gcp.json"), "--policy-pack-config", typoConfig], "traced"),
    bad: plan(["bad", "--project-dir", bad]),
    secret: plan(["secret", "--project-dir", secret, "--no-policy"], "traced"),
    nope: plan(["nope"], "traced"),
    noArgs: plan([]),
    diff: plan(["dev", "--format", "markdown"], "traced"),
    noFleet: plan(["dev", "--program", NO_FLEET, "--json", path.join(tmp, "no-fleet.json"), "--export-state", path.join(tmp, "no-fleet-state.json"), "--policy-pack-config", strictConfig]),
  };
  // Settle them all here, so a slow machine is covered by the hook timeout and no test's timeout.
  await Promise.all(Object.values(runs));
  dev = await runs.dev;
  json = JSON.parse(fs.readFileSync(path.join(tmp, "a.json"), "utf8"));
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("dev stack", () => {
  test("exits 0 and says what it is (and is not)", () => {
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stdout).toContain("Stack dev: aws, dev");
    expect(dev.stdout).toContain("It is not a preview");
  });

  test("prints the ingress mode and who can see plaintext", () => {
    expect(dev.stdout).toContain("Ingress: terminate");
    expect(dev.stdout).toContain("plaintext visible to: the AWS Application Load Balancer; the parent EC2 instance (outside the enclave)");
    expect(dev.stdout).toContain("plaintext listeners: none (no port 80; ingress.httpRedirect is off)");
  });

  test("prints the pinned PCRs the KMS key enforces", () => {
    expect(dev.stdout).toContain(`PCR0 = ${manifest.measurements.pcr0.value}`);
    expect(dev.stdout).toContain(`PCR2 = ${manifest.measurements.pcr2.value}`);
    expect(dev.stdout).toMatch(/ {4}PCR3 = [0-9a-f]{96}\n {4}PCR3 is the parent instance role arn:aws:iam::123456789012:role\/prover-dev-host\S* \(hashed from the role's real ARN at deploy time/);
  });

  test("prints the resource tree under the component, counts and key settings", () => {
    expect(dev.stdout).toMatch(/└─ tee-prover:aws:NitroProofServer {2}prover-dev\n {5}├─ aws:autoscaling\/group:Group {2}prover-dev-hosts/);
    expect(dev.stdout).toContain("prover-dev-alb  idleTimeout = 660");
    expect(dev.stdout).toContain("prover-dev-host  enclaveOptions.enabled = true");
    expect(dev.stdout).toMatch(/ {2}15 {2}aws:cloudwatch\/metricAlarm:MetricAlarm/);
  });

  test("JSON: the same facts, stable across runs", async () => {
    expect(json["ingress"]).toEqual({ mode: "terminate", plaintextSeenBy: ["the AWS Application Load Balancer", "the parent EC2 instance (outside the enclave)", "anyone who can capture traffic on the load balancer -> host hop"], summary: expect.stringContaining("ACCEPTED PLAINTEXT HOP"), plaintextListeners: [], plaintextIfInterposed: { by: [expect.stringMatching(/^root on any parent EC2 instance/), expect.stringMatching(/^whoever controls the load balancer/)], closedBy: expect.stringMatching(/^RA-TLS/) } });
    const hostRole = (json["parentRolePins"] as Record<string, string>)["AllowEnclaveDecryptV631"]!;
    expect(hostRole).toMatch(/^arn:aws:iam::123456789012:role\/prover-dev-host/);
    expect(json["pinnedPcrs"]).toEqual({ AllowEnclaveDecryptV631: { "kms:RecipientAttestation:PCR0": manifest.measurements.pcr0.value, "kms:RecipientAttestation:PCR1": manifest.measurements.pcr1.value, "kms:RecipientAttestation:PCR2": manifest.measurements.pcr2.value, "kms:RecipientAttestation:PCR3": nitroParentRolePcr3(hostRole) } });
    // 61 after issue 12; issue 13: -1 managed-policy attachment, +1 session document, +1 operator
    // policy, +5 audit-trail rules, +5 their targets, +2 topic policies; issue 18: +1 traffic-anomaly alarm.
    expect((json["counts"] as { total: number }).total).toBe(75);
    expect(json["unobservableAlarms"]).toEqual([]);
    // Every resource with its inputs, for --diff: the KMS policy and the launch template's user data among them.
    const resources = json["resources"] as Array<{ type: string; name: string; inputs: Record<string, unknown> }>;
    expect(resources).toHaveLength(75);
    expect(JSON.parse(String(resources.find((r) => r.type === "aws:kms/key:Key")?.inputs["policy"])).Statement[0].Sid).toBe("AllowEnclaveDecryptV631");
    expect(resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate")?.inputs["userData"]).toMatch(/^H4sI/);
    const again = await runs.devAgain;
    expect(again.code, again.stderr).toBe(0);
    // --diff prints the diff alone on stdout (CI posts it as it is) and still writes the same JSON.
    expect(again.stdout).toMatch(/^### Offline plan diff: stack `dev`\n\n\*\*Policy verdict\*\*: PASS \(0 mandatory/);
    expect(again.stdout).toContain("- DELETES `aws:s3/bucket:Bucket` `gone` (protected: pulumi up fails until protect is lifted)");
    expect(again.stdout).toContain("75 to add, 0 to change, 1 to delete.");
    expect(again.stdout).not.toContain("Planned 75 resources");
    expect(again.stdout.length).toBeLessThan(65_536);
    expect(fs.readFileSync(path.join(tmp, "b.json"), "utf8")).toBe(fs.readFileSync(path.join(tmp, "a.json"), "utf8"));
  });
});

describe("GCP dev stack", () => {
  test("plans offline: confidential settings, the Workload Identity condition, what is not observable", async () => {
    const r = await runs.gcp;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Stack dev-gcp: gcp, dev");
    expect(r.stdout).toContain("prover-dev-gcp-tpl  confidentialInstanceConfig.confidentialInstanceType = \"SEV\"");
    expect(r.stdout).toContain("prover-dev-gcp-backend  timeoutSec = 660");
    expect(r.stdout).toContain("zones us-central1-a, us-central1-b were not checked against availability of n2d-standard-8 (SEV)");
    expect(r.stdout).toMatch(/Workload Identity condition \(secrets are released only when it holds\):\n {4}assertion\.swname == "CONFIDENTIAL_SPACE" && assertion\.dbgstat == "disabled-since-boot"/);
    expect(r.stdout).toContain("[P1] memory-high: Confidential Space runs no Ops Agent");
    expect(r.stdout).not.toContain("queue-deep:");
    const gcpPlan = JSON.parse(fs.readFileSync(path.join(tmp, "gcp.json"), "utf8")) as { cloud: string; releases: { imageDigests: Record<string, string> }; workloadIdentityConditions: string[] };
    expect(gcpPlan.cloud).toBe("gcp");
    expect(gcpPlan.releases.imageDigests).toEqual({ "v6.3.1": `sha256:${"0".repeat(64)}` });
    expect(gcpPlan.workloadIdentityConditions).toHaveLength(1);
  });
});

describe("failures", () => {
  test("bad config: exit 1, every problem named by key, no stack trace", async () => {
    const r = await runs.bad;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tee-prover-infra:aws.instanceType");
    expect(r.stderr).toContain("burstable");
    expect(r.stderr).toContain('tee-prover-infra:ingress.requestTimeoutSecond: unknown key "requestTimeoutSecond" (did you mean "requestTimeoutSeconds"?)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  test("secure values are shown as [secret] and never decrypted", async () => {
    const r = await runs.secret;
    expect(r.code, r.stderr).toBe(1 - 1);
    expect(r.stdout).toContain("Secret config (shown as [secret], never decrypted): tee-prover-infra:alarms.P0.httpsEndpoints[0]");
    expect(r.stdout).not.toContain("AAAAencryptedwebhook");
    // --no-policy: the packs did not run, and the plan says so.
    expect(r.stdout).toContain("Policy verdict: not evaluated (--no-policy)");
    expect(r.stdout).not.toContain("Policy packs (offline)");
  });

  test("an AWS stack loads the AWS provider modules only, with the packs or without (they match on type tokens)", async () => {
    expect(dev.stderr).toContain("loaded @pulumi/policy");
    for (const r of [await runs.secret, dev]) {
      expect(r.stderr).toContain("loaded @pulumi/aws/");
      expect(r.stderr).not.toMatch(/loaded @pulumi\/(gcp|azure-native)\b/);
    }
  });

  test("a plan loads what it judges with only when there is something to judge, and never the SDK's closure serialization or Automation API", async () => {
    // AWS: KMS key policies to simulate, no CEL condition.
    expect(dev.stderr).toContain("loaded @cloud-copilot/iam-simulate\n");
    expect(dev.stderr).not.toContain("loaded @marcbachmann/cel-js\n");
    // GCP: a Workload Identity condition, no KMS key policy.
    const gcp = (await runs.gcp).stderr;
    expect(gcp).toContain("loaded @marcbachmann/cel-js\n");
    expect(gcp).not.toContain("loaded @cloud-copilot/iam-simulate\n");
    for (const r of [dev.stderr, gcp]) expect(r).not.toMatch(/loaded (typescript|execa|normalize-package-data)\n/);
  });

  test("unknown stack: exit 1 listing the stacks there are", async () => {
    const r = await runs.nope;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Pulumi.nope.yaml");
    expect(r.stderr).toContain("use one of: dev, dev-azure, dev-gcp");
  });

  test("usage errors exit 2; --format without --diff is refused, not silently ignored", async () => {
    expect((await runs.noArgs).code).toBe(2);
    const diff = await runs.diff;
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain("--format and --max-chars apply to --diff BASE.json");
  });

  test("a usage error is answered before Pulumi or a provider is loaded", async () => {
    const diff = await runs.diff;
    expect(diff.code).toBe(2);
    expect(diff.stderr).not.toContain("loaded @pulumi/");
    // The tracer works: a run that gets as far as the config loads Pulumi's errors module (for
    // ConfigError), and only that: naming the stacks there are needs no runtime either.
    const nope = (await runs.nope).stderr;
    expect(nope).toContain("loaded @pulumi/pulumi/errors\n");
    expect(nope).not.toContain("loaded @pulumi/pulumi\n");
  });
});

describe("--program: a platform team's own program", () => {
  interface FleetJson {
    component: { type: string; name: string };
    cloud: string;
    environment: string;
    pinnedPcrs: Record<string, Record<string, string>>;
    workloadIdentityConditions: string[];
    hostImages: unknown[];
    releases: { imageDigests: Record<string, string> };
  }
  let run: PlanRun;
  let programPlan: { fleets: FleetJson[]; tree: Array<{ type: string; name: string }>; counts: { byType: Record<string, number> } } & Record<string, unknown>;
  beforeAll(async () => {
    run = await runs.program;
    programPlan = JSON.parse(fs.readFileSync(path.join(tmp, "program.json"), "utf8"));
  });

  test("plans the program's two fleets, each from its own instance and config namespace", () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Stack dev: 2 fleets\n");
    expect(run.stdout).toContain("== Fleet team-nitro (tee-prover:aws:NitroProofServer): aws, dev\n");
    // Environment from the team's own `team-prover:confidentialSpace` key, not this repository's config.
    expect(run.stdout).toContain("== Fleet team-space (tee-prover:gcp:ConfidentialSpaceProofServer): gcp, staging\n");
    expect(programPlan.fleets.map((f) => [f.component.name, f.cloud, f.environment])).toEqual([
      ["team-nitro", "aws", "dev"],
      ["team-space", "gcp", "staging"],
    ]);
    // Two fleets: no top-level fleet facts that would belong to only one of them.
    expect(programPlan["ingress"]).toBeUndefined();
  });

  test("each fleet's pins come from its own resources, never the other fleet's", () => {
    const [nitro, space] = programPlan.fleets;
    expect(nitro!.pinnedPcrs["AllowEnclaveDecryptV631"]!["kms:RecipientAttestation:PCR0"]).toBe(manifest.measurements.pcr0.value);
    expect(nitro!.workloadIdentityConditions).toEqual([]);
    expect(nitro!.hostImages).toHaveLength(1);
    expect(space!.pinnedPcrs).toEqual({});
    expect(space!.hostImages).toEqual([]);
    expect(space!.releases.imageDigests).toEqual({ "v6.3.1": `sha256:${"1".repeat(64)}` });
    expect(space!.workloadIdentityConditions).toEqual([expect.stringContaining('assertion.submods.gce.project_id == "team-example-project"')]);
  });

  test("the team's own resources are planned beside the fleets", () => {
    expect(programPlan.tree.map((n) => `${n.type} ${n.name}`)).toEqual(["aws:s3/bucket:Bucket team-artifacts", "tee-prover:aws:NitroProofServer team-nitro", "tee-prover:gcp:ConfidentialSpaceProofServer team-space"]);
    expect(programPlan.counts.byType["aws:s3/bucket:Bucket"]).toBe(1);
  });

  test("a directory without Pulumi.yaml, or not a Node.js project: exit 2 before the runtime is loaded", async () => {
    const noProject = await runs.noProject;
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toMatch(/--program \S+: no Pulumi\.yaml in \S+; point --program at a Pulumi project/);
    expect(noProject.stderr).toContain("usage: npm run plan");
    // Only the errors module the CLI's error handler needs (as for an unknown stack above).
    expect(noProject.stderr).not.toContain("loaded @pulumi/pulumi\n");
    const notNode = await runs.notNode;
    expect(notNode.code).toBe(2);
    expect(notNode.stderr).toContain('runtime is "python"; the offline plan runs Node.js (TypeScript) programs only');
  });

  test("a stack the program has no file for: exit 1 naming the stacks it has, without the runtime", async () => {
    const r = await runs.programNoStack;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no Pulumi.prod.yaml in ${CONSUMER}`);
    expect(r.stderr).toContain("use one of: dev");
    expect(r.stderr).not.toContain("loaded @pulumi/pulumi\n");
  });
});

describe("policy packs in the plan", () => {
  interface StateJson {
    version: number;
    deployment: { manifest: { time: string }; resources: Array<{ urn: string; type: string; custom: boolean; id?: string; parent?: string; dependencies?: string[]; protect?: boolean; inputs: Record<string, unknown>; outputs: Record<string, unknown> }> };
  }

  test("the dev stacks run both packs: the verdict in text and under `policy` in --json, exit 0 without a mandatory violation", async () => {
    expect(dev.stdout).toMatch(/Policy packs \(offline\):\n {2}tee-prover-attestation: .*\n(.*\n)* {2}tee-prover-baseline: /);
    expect(dev.stdout).toContain("Verdict: PASS (0 mandatory,");
    expect(dev.stdout).toContain("provider defaults and auto-names are not applied");
    const policy = json["policy"] as { evaluated: boolean; packs: Array<{ pack: string }>; mandatory: number; notes: string[] };
    expect(policy.evaluated).toBe(true);
    expect(policy.packs.map((p) => p.pack)).toEqual(["tee-prover-attestation", "tee-prover-baseline"]);
    expect(policy.mandatory).toBe(0);
    const gcp = await runs.gcp;
    expect(gcp.stdout).toContain("WARNING: the policy pack config names policies no pack has (ignored, as the CLI ignores them): aws-ec2-securitygroup-disalow-open-ssh");
  });

  test("--export-state writes the recorded resources as a version-3 `pulumi stack export` deployment", async () => {
    const again = await runs.devAgain;
    expect(again.stderr).toContain(`Wrote ${path.join(tmp, "state.json")} (judge it with: pulumi policy analyze --file`);
    const state = JSON.parse(fs.readFileSync(path.join(tmp, "state.json"), "utf8")) as StateJson;
    expect(state.version).toBe(3);
    expect(Number.isNaN(Date.parse(state.deployment.manifest.time))).toBe(false);
    const resources = state.deployment.resources;
    // The 75 planned resources and the root stack resource.
    expect(resources).toHaveLength(76);
    expect(resources[0]).toEqual({ urn: "urn:pulumi:dev::tee-prover-infra::pulumi:pulumi:Stack::tee-prover-infra-dev", custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs: {} });
    const component = resources.find((r) => r.type === "tee-prover:aws:NitroProofServer")!;
    expect(component).toMatchObject({ urn: "urn:pulumi:dev::tee-prover-infra::tee-prover:aws:NitroProofServer::prover-dev", custom: false, parent: resources[0]!.urn });
    const lt = resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate")!;
    expect(lt.urn).toMatch(/^urn:pulumi:dev::tee-prover-infra::tee-prover:aws:NitroProofServer\$aws:ec2\/launchTemplate:LaunchTemplate::prover-dev-/);
    expect(lt).toMatchObject({ custom: true, id: expect.stringMatching(/^lt-/), inputs: { enclaveOptions: { enabled: true } }, outputs: { latestVersion: 1 } });
    // Every parent and dependency is a resource of the file, written before the resource.
    const order = resources.map((r) => r.urn);
    expect(new Set(order).size).toBe(order.length);
    for (const r of resources) for (const ref of [r.parent, ...(r.dependencies ?? [])]) if (ref) expect(order.indexOf(ref), `${r.urn} -> ${ref}`).toBeGreaterThanOrEqual(0);
    for (const r of resources) if (r.parent) expect(order.indexOf(r.parent)).toBeLessThan(order.indexOf(r.urn));
  });

  test("a broken program without any of our components is refused, each violation named; the state carries its own component chain", async () => {
    const r = await runs.noFleet;
    const planJson = JSON.parse(fs.readFileSync(path.join(tmp, "no-fleet.json"), "utf8")) as { fleets: unknown[]; policy: { evaluated: boolean; mandatory: number; unknownConfigNames: string[] } };
    // A debug enclave and a key any account principal may decrypt with: mandatory, so exit 3.
    expect(r.code, r.stderr).toBe(3);
    expect(planJson.policy.mandatory).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toContain(`Verdict: REFUSED (${planJson.policy.mandatory} mandatory`);
    expect(r.stdout).toContain("[mandatory] aws:ec2/launchTemplate:LaunchTemplate  prover: launch template user data starts a debug-mode enclave (nitro-cli run-enclave with --debug-mode)");
    expect(r.stdout).toContain("[mandatory] aws:kms/key:Key  secrets: key policy allows kms:Decrypt to arn:aws:iam::123456789012:role/prover-host without an attestation document");
    expect(r.stdout).toContain("[mandatory] aws:kms/key:Key  secrets: key policy lets any principal of account 123456789012");
    // The baseline pack names the rest of what the program gets wrong.
    expect(r.stdout).toContain("[mandatory] aws:ec2/securityGroup:SecurityGroup  edge-sg: ingress[0]: port 22 (admin port 22) open to 0.0.0.0/0");
    expect(r.stdout).toContain("[mandatory] aws:lb/listener:Listener  prover-http: plaintext HTTP listener on port 80 forwards requests");
    expect(r.stdout).toContain("[mandatory] aws:lb/loadBalancer:LoadBalancer  prover: idleTimeout is 60 s; every timeout on the request path must be at least 660 s (jobTimeoutSeconds 600 + 60)");
    expect(r.stdout).toContain("[mandatory] aws:ec2/launchTemplate:LaunchTemplate  prover: the stack runs proof-server hosts (prover) but declares no P0 alarm");
    expect(r.stdout).toMatch(/^No fleet to review: the program declared no NitroProofServer, ConfidentialSpaceProofServer or AzureConfidentialProofServer \(8 other resources\)/);
    expect(r.stdout).toContain("The policy packs still judge its resources.");
    expect(r.stdout).toContain("Policy packs (offline):");
    expect(planJson.fleets).toEqual([]);
    expect(planJson.policy.evaluated).toBe(true);
    expect(planJson.policy.unknownConfigNames).toEqual(["aws-ec2-securitygroup-disalow-open-ssh"]);
    const state = JSON.parse(fs.readFileSync(path.join(tmp, "no-fleet-state.json"), "utf8")) as StateJson;
    expect(state.deployment.resources.filter((x) => x.urn.includes("team:net:Network") || x.urn.includes("pulumi:pulumi:Stack")).map((x) => [x.urn, x.parent ?? null, x.dependencies ?? []])).toEqual([
      ["urn:pulumi:dev::team-plain::pulumi:pulumi:Stack::team-plain-dev", null, []],
      ["urn:pulumi:dev::team-plain::team:net:Network::edge", "urn:pulumi:dev::team-plain::pulumi:pulumi:Stack::team-plain-dev", []],
      ["urn:pulumi:dev::team-plain::team:net:Network$aws:ec2/vpc:Vpc::edge-vpc", "urn:pulumi:dev::team-plain::team:net:Network::edge", []],
      ["urn:pulumi:dev::team-plain::team:net:Network$aws:ec2/securityGroup:SecurityGroup::edge-sg", "urn:pulumi:dev::team-plain::team:net:Network::edge", ["urn:pulumi:dev::team-plain::team:net:Network$aws:ec2/vpc:Vpc::edge-vpc"]],
    ]);
  });
});
