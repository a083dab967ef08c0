import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseArgs, targetFromFlags, UsageError } from "../../src/evidence/cli";
import { collectEvidence, type EvidenceManifest } from "../../src/evidence/collect";
import { evidenceCommands, MUTATING_VERBS, notReadOnly, READ_ONLY_COMMANDS, type EvidenceCloud, type EvidenceTarget } from "../../src/evidence/commands";
import { readDocument } from "../../src/verify/run";
import { verifyNitroDocument } from "../../src/verify/nitro-document";
import { BLOCKY_FILE, BLOCKY_PCRS, BLOCKY_TIMESTAMP, release } from "../verify/helpers";

// The evidence command against local fakes: `aws`, `gcloud` and `az` on PATH are shell scripts that
// record their argv and print canned JSON; a proof server on localhost answers /attestation with
// the real Nitro document of the verify fixtures. Nothing reaches a cloud.
const NOW = new Date("2026-11-30T04:30:00Z");
const TARGETS: Record<EvidenceCloud, EvidenceTarget> = {
  aws: { cloud: "aws", fleet: "prover-prod", instance: "i-0123456789abcdef0", region: "eu-west-1" },
  gcp: { cloud: "gcp", fleet: "prover-prod", instance: "prover-prod-vm-x1y2", project: "example-tee", zone: "us-central1-a" },
  azure: { cloud: "azure", fleet: "prover-prod", instance: "provprod5f3a000001", resourceGroup: "prover-prod-rg", subscription: "00000000-0000-0000-0000-000000000000" },
};

let dir: string;
let fakeLog: string;
let server: http.Server;
let endpoint: URL;
const nonces: string[] = [];
const DOC_B64 = fs.readFileSync(BLOCKY_FILE).toString("base64");

// Records argv (unit separator between words, record separator after each call); `get-console-output`
// fails the way a missing permission does, so the manifest must record it and the rest still run.
const FAKE = `#!/bin/sh
{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\036'; } >> "$FAKE_LOG"
case "$2" in
  get-console-output) echo "An error occurred (UnauthorizedOperation): not authorized to perform ec2:GetConsoleOutput" >&2; exit 254 ;;
  get-serial-port-output) printf 'Confidential Space launcher: workload running\\n' ;;
  *) printf '{"fake":"%s %s %s"}\\n' "$(basename "$0")" "$1" "$2" ;;
esac
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(join(tmpdir(), "evidence-"));
  fs.mkdirSync(join(dir, "bin"));
  for (const cli of ["aws", "gcloud", "az"]) fs.writeFileSync(join(dir, "bin", cli), FAKE, { mode: 0o755 });
  fakeLog = join(dir, "calls.log");
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/attestation") return void res.writeHead(404).end();
    nonces.push(url.searchParams.get("nonce") ?? "");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ platform: "AWS Nitro Enclaves", format: "CBOR/COSE_Sign1", nonce: url.searchParams.get("nonce"), attestation: DOC_B64, metadata: {} }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const env = () => ({ PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE_LOG: fakeLog });
const calls = (): string[][] => (fs.existsSync(fakeLog) ? fs.readFileSync(fakeLog, "utf8").split("\u001e").filter(Boolean).map((c) => c.split("\u001f")) : []);

/** Extract an archive with the system's tar (an implementation independent of ours). */
function extract(archive: string): { root: string; names: string[]; manifest: EvidenceManifest } {
  const into = fs.mkdtempSync(join(dir, "x-"));
  execFileSync("tar", ["-xzf", archive, "-C", into]);
  const [top] = fs.readdirSync(into);
  const root = join(into, top!);
  return { root, names: fs.readdirSync(root).sort(), manifest: JSON.parse(fs.readFileSync(join(root, "manifest.json"), "utf8")) as EvidenceManifest };
}

describe("read-only commands only", () => {
  test.each(Object.keys(TARGETS) as EvidenceCloud[])("%s: every command is an allow-listed read, and the allow-list holds no mutating verb", (cloud) => {
    const commands = evidenceCommands(TARGETS[cloud], NOW);
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const c of commands) expect(notReadOnly(cloud, c.argv), c.argv.join(" ")).toBeUndefined();
    for (const allowed of READ_ONLY_COMMANDS[cloud]) for (const word of allowed.split(" ")) expect(MUTATING_VERBS.test(word), allowed).toBe(false);
  });

  test("the runbook's own mutating steps, and anything off the list, are refused", () => {
    expect(notReadOnly("aws", ["aws", "autoscaling", "detach-instances", "--instance-ids", "i-1"])).toContain("not on the read-only allow-list");
    expect(notReadOnly("aws", ["aws", "ec2", "terminate-instances"])).toContain("not on the read-only allow-list");
    expect(notReadOnly("aws", ["aws", "ssm", "send-command"])).toContain("not on the read-only allow-list");
    expect(notReadOnly("gcp", ["gcloud", "compute", "instance-groups", "managed", "abandon-instances", "mig"])).toContain("not on the read-only allow-list");
    expect(notReadOnly("azure", ["az", "vm", "delete", "--name", "x"])).toContain("not on the read-only allow-list");
    expect(notReadOnly("aws", ["sh", "-c", "aws ec2 describe-instances"])).toBe("runs sh, not aws");
    // A positional argument after an allowed command (an instance name) is not a command word.
    expect(notReadOnly("gcp", ["gcloud", "compute", "instances", "describe", "vm-start-1", "--zone", "z"])).toBeUndefined();
    expect(MUTATING_VERBS.test("delete-log-group")).toBe(true);
  });
});

describe("an AWS host with a live proof server", () => {
  let archive: string;
  let manifest: EvidenceManifest;
  let root: string;
  let names: string[];

  beforeAll(async () => {
    fs.rmSync(fakeLog, { force: true });
    const result = await collectEvidence({ target: TARGETS.aws, stack: "prod", endpoint, outDir: join(dir, "out-aws"), now: () => NOW, env: env(), timeoutMs: 5000 });
    archive = result.archive;
    ({ root, names, manifest } = extract(archive));
  });

  test("a dated archive named after the fleet and host, with its own checksum file", () => {
    expect(archive).toBe(join(dir, "out-aws", "evidence-prover-prod-i-0123456789abcdef0-20261130T043000Z.tar.gz"));
    const [sum, name] = fs.readFileSync(`${archive}.sha256`, "utf8").trim().split(/\s+/);
    expect(name).toBe("evidence-prover-prod-i-0123456789abcdef0-20261130T043000Z.tar.gz");
    expect(execFileSync("sha256sum", [archive], { encoding: "utf8" }).split(" ")[0]).toBe(sum);
  });

  test("the archive holds each command's output, the attestation, the manifest and SHA256SUMS, and every checksum holds", () => {
    expect(names).toEqual(["SHA256SUMS", "attestation.json", "auto-scaling.json", "console-output.json", "host-logs.json", "instance.json", "manifest.json"]);
    execFileSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: root });
    expect(manifest.files.map((f) => f.name)).toEqual(["instance.json", "auto-scaling.json", "console-output.json", "host-logs.json", "attestation.json"]);
    for (const f of manifest.files) expect(createHash("sha256").update(fs.readFileSync(join(root, f.name))).digest("hex"), f.name).toBe(f.sha256);
    expect(JSON.parse(fs.readFileSync(join(root, "instance.json"), "utf8"))).toEqual({ fake: "aws ec2 describe-instances" });
  });

  test("the CLIs were called exactly as the manifest says, read-only, with the host's log streams and a two-hour window", () => {
    const recorded = calls();
    expect(recorded).toEqual(manifest.commands.map((c) => [...c.argv]));
    for (const argv of recorded) expect(notReadOnly("aws", argv)).toBeUndefined();
    const logs = recorded.find((a) => a[2] === "filter-log-events")!;
    expect(logs).toEqual(["aws", "logs", "filter-log-events", "--log-group-name", "/tee-prover/prover-prod/host", "--log-stream-name-prefix", "i-0123456789abcdef0/", "--start-time", String(NOW.getTime() - 7_200_000), "--end-time", String(NOW.getTime()), "--region", "eu-west-1", "--output", "json"]);
  });

  test("a refused command is recorded with its exit code and error, and the others still ran", () => {
    const failed = manifest.commands.filter((c) => c.exitCode !== 0);
    expect(failed.map((c) => [c.file, c.exitCode, c.permission])).toEqual([["console-output.json", 254, "ec2:GetConsoleOutput"]]);
    expect(failed[0]!.stderr).toContain("UnauthorizedOperation");
  });

  test("the attestation answered a fresh nonce and is saved so verify --document can judge it", () => {
    expect(manifest.attestation.collected).toBe(true);
    if (!manifest.attestation.collected) return;
    expect(manifest.attestation.nonce).toMatch(/^[0-9a-f]{64}$/);
    expect(nonces.at(-1)).toBe(manifest.attestation.nonce);
    expect(manifest.attestation.verify).toBe(`npm run verify -- prod --document attestation.json --nonce-text ${manifest.attestation.nonce}`);
    // What `npm run verify -- --document` reads: the JSON answer, decoded to the COSE document.
    const doc = verifyNitroDocument(readDocument(join(root, "attestation.json")), { releases: [release("6.2.0-alpha.1", BLOCKY_PCRS)], at: BLOCKY_TIMESTAMP });
    expect(doc.checks.filter((c) => ["structure", "signature", "chain", "root", "pcrs"].includes(c.id)).map((c) => [c.id, c.status])).toEqual(
      expect.arrayContaining([["structure", "ok"], ["signature", "ok"], ["chain", "ok"], ["root", "ok"], ["pcrs", "ok"]]),
    );
  });

  test("an existing archive is never overwritten", async () => {
    await expect(collectEvidence({ target: TARGETS.aws, outDir: join(dir, "out-aws"), now: () => NOW, env: env() })).rejects.toThrow("exists already: evidence archives are never overwritten");
    expect(calls()).toHaveLength(4);
  });
});

describe.each([
  ["gcp", ["instance.json", "serial-port.txt", "shielded-identity.json", "logs.json"]],
  ["azure", ["vm.json", "instance-view.json", "boot-log.txt", "activity-log.json"]],
] as const)("a %s host without an endpoint", (cloud, files) => {
  test("every command ran read-only into the archive; the manifest says the attestation was not collected", async () => {
    fs.rmSync(fakeLog, { force: true });
    const { archive } = await collectEvidence({ target: TARGETS[cloud], outDir: join(dir, `out-${cloud}`), now: () => NOW, env: env() });
    const { root, names, manifest } = extract(archive);
    expect(names).toEqual([...files, "SHA256SUMS", "manifest.json"].sort());
    execFileSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: root });
    expect(manifest.attestation).toEqual({ collected: false, reason: "no --endpoint given" });
    expect(manifest.commands.every((c) => c.exitCode === 0)).toBe(true);
    const recorded = calls();
    expect(recorded).toEqual(manifest.commands.map((c) => [...c.argv]));
    for (const argv of recorded) expect(notReadOnly(cloud, argv)).toBeUndefined();
  });
});

test("GCP reads the instance's own log entries from the window", () => {
  const logs = evidenceCommands(TARGETS.gcp, NOW).find((c) => c.file === "logs.json")!;
  expect(logs.argv).toEqual(["gcloud", "logging", "read", 'resource.type="gce_instance" AND labels."compute.googleapis.com/resource_name"="prover-prod-vm-x1y2" AND timestamp>="2026-11-30T02:30:00.000Z"', "--project", "example-tee", "--order", "asc", "--format", "json"]);
});

describe("arguments", () => {
  const usage = (argv: string[]) => {
    try {
      parseArgs(argv);
    } catch (e) {
      if (e instanceof UsageError) return e.message;
      throw e;
    }
    return "accepted";
  };
  test("a stack or a cloud, an instance and an output directory are required; unknown options are refused", () => {
    expect(usage(["prod", "--out", "/tmp/x"])).toContain("--instance is required");
    expect(usage(["prod", "--instance", "i-1"])).toContain("--out DIR is required");
    expect(usage(["--instance", "i-1", "--out", "/tmp/x"])).toContain("give a stack, or --cloud");
    expect(usage(["prod", "--cloud", "aws", "--instance", "i-1", "--out", "x"])).toContain("not both");
    expect(usage(["prod", "--instance", "i-1", "--out", "x", "--terminate", "y"])).toBe("unknown option --terminate");
    expect(usage(["prod", "--instance", "i-1", "--out", "x", "--since-minutes", "0"])).toContain("positive whole number");
    expect(usage(["prod", "--instance", "i-1", "--out", "x", "--insecure-skip-tls-verify"])).toBe("accepted");
  });
  test("the --cloud form names the location each cloud needs", () => {
    expect(() => targetFromFlags({ cloud: "gcp", fleet: "f", instance: "vm", project: "p" })).toThrow("--zone is required for gcp");
    expect(() => targetFromFlags({ cloud: "azure", fleet: "f", instance: "vm" })).toThrow("--resource-group is required for azure");
    expect(targetFromFlags({ cloud: "aws", fleet: "f", instance: "i-1", region: "us-east-1" })).toEqual({ cloud: "aws", fleet: "f", instance: "i-1", region: "us-east-1" });
  });
});
