import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";
import { nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";

// The offline plan as a user runs it: `npm run plan -- <stack> [--json FILE]`, in a child process.
// `npm run plan` is `tsx src/plan/cli.ts`; the tsx CLI only relaunches node with tsx's loader, so
// all runs but the first go straight to `node --import tsx`, one process instead of two.
const tsxCli = path.join(PROJECT_DIR, "node_modules", "tsx", "dist", "cli.mjs");
const CLI = path.join(PROJECT_DIR, "src/plan/cli.ts");
interface PlanRun {
  code: number | null;
  stdout: string;
  stderr: string;
}
function plan(args: string[], via: "tsx-cli" | "node-import" | "traced" = "node-import"): Promise<PlanRun> {
  const argv = via === "tsx-cli" ? [tsxCli, CLI, ...args] : [...(via === "traced" ? ["--require", tracer] : []), "--import", "tsx", CLI, ...args];
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
// Preloaded into some runs: reports on stderr every @pulumi module the CLI loads.
const tracer = path.join(tmp, "trace-pulumi.cjs");
fs.writeFileSync(
  tracer,
  `const Module = require("node:module");
const load = Module._load;
const seen = new Set();
Module._load = function (request, ...rest) {
  if (request.startsWith("@pulumi/") && !seen.has(request)) { seen.add(request); process.stderr.write("loaded " + request + "\\n"); }
  return load.call(this, request, ...rest);
};
`,
);
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
  runs = {
    dev: plan(["dev", "--json", path.join(tmp, "a.json")], "tsx-cli"),
    devAgain: plan(["dev", "--json", path.join(tmp, "b.json")]),
    gcp: plan(["dev-gcp", "--json", path.join(tmp, "gcp.json")]),
    bad: plan(["bad", "--project-dir", bad]),
    secret: plan(["secret", "--project-dir", secret]),
    nope: plan(["nope"], "traced"),
    noArgs: plan([]),
    diff: plan(["dev", "--diff", "base.json"], "traced"),
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
    expect(dev.stdout).toMatch(/ {2}14 {2}aws:cloudwatch\/metricAlarm:MetricAlarm/);
  });

  test("JSON: the same facts, stable across runs", async () => {
    expect(json["ingress"]).toEqual({ mode: "terminate", plaintextSeenBy: ["the AWS Application Load Balancer", "the parent EC2 instance (outside the enclave)", "anyone who can capture traffic on the load balancer -> host hop"], summary: expect.stringContaining("ACCEPTED PLAINTEXT HOP"), plaintextListeners: [], plaintextIfInterposed: { by: [expect.stringMatching(/^root on any parent EC2 instance/), expect.stringMatching(/^whoever controls the load balancer/)], closedBy: expect.stringMatching(/^RA-TLS/) } });
    const hostRole = (json["parentRolePins"] as Record<string, string>)["AllowEnclaveDecryptV631"]!;
    expect(hostRole).toMatch(/^arn:aws:iam::123456789012:role\/prover-dev-host/);
    expect(json["pinnedPcrs"]).toEqual({ AllowEnclaveDecryptV631: { "kms:RecipientAttestation:PCR0": manifest.measurements.pcr0.value, "kms:RecipientAttestation:PCR1": manifest.measurements.pcr1.value, "kms:RecipientAttestation:PCR2": manifest.measurements.pcr2.value, "kms:RecipientAttestation:PCR3": nitroParentRolePcr3(hostRole) } });
    // 61 after issue 12; issue 13: -1 managed-policy attachment, +1 session document, +1 operator
    // policy, +5 audit-trail rules, +5 their targets, +2 topic policies.
    expect((json["counts"] as { total: number }).total).toBe(74);
    expect(json["unobservableAlarms"]).toEqual([]);
    const again = await runs.devAgain;
    expect(again.code).toBe(0);
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
  });

  test("unknown stack: exit 1 listing the stacks there are", async () => {
    const r = await runs.nope;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Pulumi.nope.yaml");
    expect(r.stderr).toContain("use one of: dev, dev-gcp");
  });

  test("usage errors exit 2; --diff is a declared seam, not silently ignored", async () => {
    expect((await runs.noArgs).code).toBe(2);
    const diff = await runs.diff;
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain("--diff is not available yet");
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
