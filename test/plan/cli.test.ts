import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";

// The offline plan as a user runs it: `npm run plan -- <stack> [--json FILE]`, in a child process.
const tsx = path.join(PROJECT_DIR, "node_modules", "tsx", "dist", "cli.mjs");
function plan(args: string[]) {
  const r = spawnSync(process.execPath, [tsx, path.join(PROJECT_DIR, "src/plan/cli.ts"), ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), "utf8"));
let dev: ReturnType<typeof plan>;
let json: Record<string, unknown>;

beforeAll(() => {
  dev = plan(["dev", "--json", path.join(tmp, "a.json")]);
  json = JSON.parse(fs.readFileSync(path.join(tmp, "a.json"), "utf8"));
}, 60_000);
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
  });

  test("prints the resource tree under the component, counts and key settings", () => {
    expect(dev.stdout).toMatch(/└─ tee-prover:aws:NitroProofServer {2}prover-dev\n {5}├─ aws:autoscaling\/group:Group {2}prover-dev-hosts/);
    expect(dev.stdout).toContain("prover-dev-alb  idleTimeout = 660");
    expect(dev.stdout).toContain("prover-dev-host  enclaveOptions.enabled = true");
    expect(dev.stdout).toMatch(/ {2}14 {2}aws:cloudwatch\/metricAlarm:MetricAlarm/);
  });

  test("JSON: the same facts, stable across runs", () => {
    expect(json["ingress"]).toEqual({ mode: "terminate", plaintextSeenBy: ["the AWS Application Load Balancer", "the parent EC2 instance (outside the enclave)", "anyone who can capture traffic on the load balancer -> host hop"], summary: expect.stringContaining("ACCEPTED PLAINTEXT HOP"), plaintextListeners: [] });
    expect(json["pinnedPcrs"]).toEqual({ AllowEnclaveDecryptV631: { "kms:RecipientAttestation:PCR0": manifest.measurements.pcr0.value, "kms:RecipientAttestation:PCR1": manifest.measurements.pcr1.value, "kms:RecipientAttestation:PCR2": manifest.measurements.pcr2.value } });
    expect((json["counts"] as { total: number }).total).toBe(71);
    expect(json["unobservableAlarms"]).toEqual([]);
    const again = plan(["dev", "--json", path.join(tmp, "b.json")]);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(tmp, "b.json"), "utf8")).toBe(fs.readFileSync(path.join(tmp, "a.json"), "utf8"));
  }, 60_000);
});

describe("GCP dev stack", () => {
  test("plans offline: confidential settings, the Workload Identity condition, what is not observable", () => {
    const r = plan(["dev-gcp", "--json", path.join(tmp, "gcp.json")]);
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
  }, 60_000);
});

describe("failures", () => {
  function projectWith(stack: string, mutate: (config: Record<string, unknown>) => void): string {
    const dir = fs.mkdtempSync(path.join(tmp, "proj-"));
    fs.mkdirSync(path.join(dir, "releases"));
    fs.copyFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), path.join(dir, "releases/pcr-measurements.v6.3.1.json"));
    const doc = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    mutate(doc.config);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringifyYaml(doc));
    return dir;
  }

  test("bad config: exit 1, every problem named by key, no stack trace", () => {
    const dir = projectWith("bad", (c) => {
      (c["tee-prover-infra:aws"] as Record<string, unknown>)["instanceType"] = "t3.xlarge";
      (c["tee-prover-infra:ingress"] as Record<string, unknown>)["requestTimeoutSecond"] = 900;
    });
    const r = plan(["bad", "--project-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tee-prover-infra:aws.instanceType");
    expect(r.stderr).toContain("burstable");
    expect(r.stderr).toContain('tee-prover-infra:ingress.requestTimeoutSecond: unknown key "requestTimeoutSecond" (did you mean "requestTimeoutSeconds"?)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  test("secure values are shown as [secret] and never decrypted", () => {
    const dir = projectWith("secret", (c) => {
      (c["tee-prover-infra:alarms"] as Record<string, Record<string, unknown>>)["P0"]!["httpsEndpoints"] = [{ secure: "v1:AAAAencryptedwebhook" }];
    });
    const r = plan(["secret", "--project-dir", dir]);
    expect(r.code, r.stderr).toBe(1 - 1);
    expect(r.stdout).toContain("Secret config (shown as [secret], never decrypted): tee-prover-infra:alarms.P0.httpsEndpoints[0]");
    expect(r.stdout).not.toContain("AAAAencryptedwebhook");
  }, 60_000);

  test("unknown stack: exit 1 listing the stacks there are", () => {
    const r = plan(["nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Pulumi.nope.yaml");
    expect(r.stderr).toContain("use one of: dev, dev-gcp");
  });

  test("usage errors exit 2; --diff is a declared seam, not silently ignored", () => {
    expect(plan([]).code).toBe(2);
    const diff = plan(["dev", "--diff", "base.json"]);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain("--diff is not available yet");
  });
});
