import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compareInputs, decodeScript, diffPlans, GITHUB_COMMENT_LIMIT, parsePlanJson, PlanFileError, renderDiff, type DiffablePlan } from "../../src/plan/diff";
import { ciphertextFingerprints, fingerprintKeyFromEnv, planInputs, SECRET_MARKER } from "../../src/plan/inputs";
import type { PlanResource } from "../../src/plan/inputs";
import type { PlanPolicy } from "../../src/policy/verdict";
import { buildPlan, stableJson } from "../../src/plan/report";
import { plaintextExposure } from "../../src/ingress/model";

// Two plans that differ in known ways, built in-process from a subset of one real dev plan
// (fixtures/dev-plan-subset.json: `npm run plan -- dev --json` with ten of its resources kept).
// No process is spawned; test/plan/cli.test.ts runs `--diff` once end to end.

const FIXTURE = path.join(__dirname, "fixtures/dev-plan-subset.json");
const base = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as DiffablePlan & { resources: PlanResource[]; policy: PlanPolicy };

type Mutable = { -readonly [K in keyof PlanResource]: PlanResource[K] };
function clone(): { resources: Mutable[] } & DiffablePlan {
  return structuredClone(base) as { resources: Mutable[] } & DiffablePlan;
}
function find(plan: { resources: Mutable[] }, type: string, name?: string): Mutable {
  const r = plan.resources.find((x) => x.type === type && (name === undefined || x.name === name));
  if (!r) throw new Error(`fixture has no ${type} ${name ?? ""}`);
  return r;
}

const KMS = "aws:kms/key:Key";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const HMAC_BASE = "[secret hmac:00112233aabbccdd]";
const HMAC_HEAD = "[secret hmac:99887766ffeeddcc]";

/** The head plan: every kind of change the issue names, each once. */
function mutated() {
  const head = clone();
  const b = clone();
  // One property changed.
  find(head, LB).inputs["idleTimeout"] = 300;
  // One resource added.
  head.resources.push({ type: "aws:cloudwatch/logGroup:LogGroup", name: "prover-dev-audit", protect: false, retainOnDelete: false, ignoreChanges: [], inputs: { name: "/tee-prover/audit", retentionInDays: 365 } });
  // One removed.
  head.resources = head.resources.filter((r) => r.name !== "prover-dev-p1-memory-high");
  // One secret changed (fingerprinted in both plans with the same key).
  find(b, KMS).inputs["tags"] = { ...(find(b, KMS).inputs["tags"] as object), apiToken: HMAC_BASE };
  find(head, KMS).inputs["tags"] = { ...(find(head, KMS).inputs["tags"] as object), apiToken: HMAC_HEAD };
  // A policy statement changed: the PCR0 the decrypt statement pins; the statements also reordered
  // and the JSON re-serialized with other spacing, which is no change by meaning.
  const kms = find(head, KMS);
  const doc = JSON.parse(String(kms.inputs["policy"])) as { Statement: Array<{ Sid: string; Condition?: Record<string, Record<string, string>> }> };
  doc.Statement[0]!.Condition!["StringEqualsIgnoreCase"]!["kms:RecipientAttestation:PCR0"] = "ab".repeat(48);
  doc.Statement.reverse();
  kms.inputs["policy"] = JSON.stringify(doc, null, 4);
  // The boot script: one line changed inside the gzip+base64 user data.
  const lt = find(head, LT);
  const script = decodeScript(String(lt.inputs["userData"]));
  lt.inputs["userData"] = gzipSync(script.replace("set -euo pipefail", "set -eu")).toString("base64");
  return { base: b as DiffablePlan, head: head as DiffablePlan };
}

describe("a plan against itself", () => {
  it("says there are no changes, in both formats", () => {
    const d = diffPlans(base, clone());
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toEqual([]);
    for (const format of ["text", "markdown"] as const) {
      const out = renderDiff(d, { format });
      expect(out).toContain("No changes: the plans declare the same resources with the same inputs.");
      expect(out).not.toMatch(/Warnings|Details/);
    }
  });
});

describe("two plans that differ in known ways", () => {
  const { base: b, head } = mutated();
  const d = diffPlans(b, head);

  it("finds each change, and only those", () => {
    expect(d.added.map((r) => r.name)).toEqual(["prover-dev-audit"]);
    expect(d.removed.map((r) => r.name)).toEqual(["prover-dev-p1-memory-high"]);
    const byName = Object.fromEntries(d.changed.map((c) => [`${c.type}::${c.name}`, c.changes]));
    expect(Object.keys(byName).sort()).toEqual([`${LT}::prover-dev-host`, `${KMS}::prover-dev-attested`, `${LB}::prover-dev-alb`].sort());
    expect(byName[`${LB}::prover-dev-alb`]).toEqual([{ kind: "value", path: "idleTimeout", before: 660, after: 300 }]);
    // The statement is matched by Sid; reordering and re-serializing the document changed nothing else.
    expect(byName[`${KMS}::prover-dev-attested`]).toEqual([
      { kind: "value", path: "policy.Statement[Sid=AllowEnclaveDecryptV631].Condition.StringEqualsIgnoreCase.kms:RecipientAttestation:PCR0", before: expect.stringMatching(/^[0-9a-f]{96}$/), after: "ab".repeat(48) },
      { kind: "secret", path: "tags.apiToken", change: "changed" },
    ]);
    const script = byName[`${LT}::prover-dev-host`]!;
    expect(script).toEqual([{ kind: "script", path: "userData", added: 1, removed: 1, lines: expect.arrayContaining(["-       set -euo pipefail", "+       set -eu"]) }]);
  });

  for (const format of ["text", "markdown"] as const) {
    it(`${format}: verdict first, then warnings, summary and details; secrets only "changed"`, () => {
      const out = renderDiff(d, { format });
      const at = (s: string) => {
        const i = out.indexOf(s);
        expect(i, `missing: ${s}\n${out.slice(0, 2000)}`).toBeGreaterThanOrEqual(0);
        return i;
      };
      const verdict = at("PASS (0 mandatory, 0 advisory violations) (base: PASS (0 mandatory, 0 advisory violations))");
      const deletes = at(format === "markdown" ? "DELETES `aws:cloudwatch/metricAlarm:MetricAlarm` `prover-dev-p1-memory-high`" : "DELETES aws:cloudwatch/metricAlarm:MetricAlarm  prover-dev-p1-memory-high");
      const counts = at("1 to add, 3 to change, 1 to delete.");
      const details = at(format === "markdown" ? "#### Details" : "Details:");
      expect(verdict).toBeLessThan(deletes);
      expect(deletes).toBeLessThan(counts);
      expect(counts).toBeLessThan(details);
      at("idleTimeout");
      at("660");
      at("300");
      at("policy.Statement[Sid=AllowEnclaveDecryptV631].Condition.StringEqualsIgnoreCase.kms:RecipientAttestation:PCR0");
      at("tags.apiToken");
      at("secret changed (value not shown)");
      at("userData");
      at("script, +1 -1 lines");
      at("- set -euo pipefail".replace("- ", "-       "));
      at("prover-dev-audit");
      // Neither fingerprint is shown: "changed" is all a reader learns.
      expect(out).not.toContain("00112233aabbccdd");
      expect(out).not.toContain("99887766ffeeddcc");
      if (format === "markdown") {
        expect(out).toContain("<details><summary><code>aws:kms/key:Key</code> <b>prover-dev-attested</b>: 2 changes</summary>");
        expect(out).toMatch(/```diff\n@@ line \d+ @@\n/);
      }
    });
  }

  it("puts a refused head verdict and its new violation at the top", () => {
    const refused = structuredClone(head) as DiffablePlan & { policy: PlanPolicy & { evaluated: true } };
    const pack = refused.policy.packs[0]!;
    const rule = pack.policies[0]!;
    (rule.violations as unknown[]).push({ level: "mandatory", message: "PCR0 is not the release's", urn: "urn:pulumi:dev::tee-prover-infra::tee-prover:aws:NitroProofServer$aws:kms/key:Key::prover-dev-attested" });
    (refused.policy as { mandatory: number }).mandatory = 1;
    const md = renderDiff(diffPlans(b, refused), { format: "markdown" });
    expect(md.split("\n").slice(0, 5).join("\n")).toContain("**Policy verdict**: ❌ REFUSED (1 mandatory, 0 advisory violations) (base: PASS");
    expect(md).toContain(`- new: [mandatory] ${rule.name}: aws:kms/key:Key  prover-dev-attested: PCR0 is not the release's`);
  });
});

describe("warnings: removed protection and possible replacements", () => {
  it("protect, retainOnDelete and deletion protection going away, and replacement-prone inputs", () => {
    const b = clone();
    const head = clone();
    Object.assign(find(b, LB), { protect: true, retainOnDelete: true });
    find(b, LB).inputs["enableDeletionProtection"] = true;
    find(head, "aws:lb/targetGroup:TargetGroup", "prover-dev-web").inputs["port"] = 6301;
    find(head, KMS).inputs["deletionWindowInDays"] = 7;
    find(b, KMS).inputs["deletionWindowInDays"] = 30;
    const d = diffPlans(b, head);
    const text = renderDiff(d, { format: "text" });
    expect(text).toContain("REMOVES PROTECTION on aws:lb/loadBalancer:LoadBalancer  prover-dev-alb: protect: true -> false");
    expect(text).toContain("REMOVES PROTECTION on aws:lb/loadBalancer:LoadBalancer  prover-dev-alb: retainOnDelete: true -> false");
    expect(text).toContain("REMOVES PROTECTION on aws:lb/loadBalancer:LoadBalancer  prover-dev-alb: enableDeletionProtection: true -> false");
    expect(text).toContain("REMOVES PROTECTION on aws:kms/key:Key  prover-dev-attested: deletionWindowInDays: 30 -> 7 days");
    expect(text).toContain("MAY REPLACE aws:lb/targetGroup:TargetGroup  prover-dev-web (port); confirm with pulumi preview");
    // The idle timeout is updated in place: no replacement warning for it.
    const d2 = diffPlans(base, mutated().head);
    expect(d2.changed.find((c) => c.type === LB)?.mayReplace).toEqual([]);
  });
});

describe("size limit", () => {
  it("a huge diff stays under GitHub's comment limit and keeps the summary, saying what it left out", () => {
    const head = clone();
    const blob = "x".repeat(5000);
    for (let i = 0; i < 150; i++) head.resources.push({ type: "aws:cloudwatch/logGroup:LogGroup", name: `flood-${i}`, protect: false, retainOnDelete: false, ignoreChanges: [], inputs: { name: `/flood/${i}`, description: blob } });
    for (const r of head.resources.slice(0, 9)) r.inputs["description"] = `${blob}-changed`;
    const b = clone();
    for (let i = 0; i < 300; i++) b.resources.push({ type: "aws:sns/topic:Topic", name: `gone-${i}`, protect: false, retainOnDelete: false, ignoreChanges: [], inputs: {} });
    const d = diffPlans(b, head);
    for (const format of ["text", "markdown"] as const) {
      const out = renderDiff(d, { format });
      expect(out.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
      expect(out).toContain("PASS (0 mandatory");
      expect(out).toContain("150 to add, 9 to change, 300 to delete.");
      expect(out).toMatch(/DELETES .*gone-0/);
      expect(out).toMatch(/… and \d+ more/);
      expect(out).toMatch(/Output truncated: \d+ resource detail block\(s\) left out to stay under 60000 characters/);
      // A tighter budget (several stacks in one comment) is honoured too.
      expect(renderDiff(d, { format, maxChars: 12_000 }).length).toBeLessThanOrEqual(12_000);
    }
  });
});

describe("secrets in the JSON plan", () => {
  const SIG = "4dabf18193072939515e22adb298388d";
  const secret = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });
  const key = "k".repeat(32);

  it("a value Pulumi marks secret is written as a marker: bare without a key, a keyed fingerprint with one", () => {
    const inputs = { password: secret("hunter2"), nested: [{ token: secret({ a: 1 }) }], plain: "ok" };
    expect(planInputs(inputs, undefined)).toEqual({ password: SECRET_MARKER, nested: [{ token: SECRET_MARKER }], plain: "ok" });
    const withKey = planInputs(inputs, key) as { password: string };
    expect(withKey.password).toMatch(/^\[secret hmac:[0-9a-f]{16}\]$/);
    const json = JSON.stringify(withKey);
    expect(json).not.toContain("hunter2");
    // Not a plain hash, which a brute force over short passwords would reverse.
    expect(json).not.toContain(createHash("sha256").update("hunter2").digest("hex").slice(0, 16));
    expect(json).not.toContain(createHash("sha256").update('"hunter2"').digest("hex").slice(0, 16));
    // Same key, same value: same marker (so "unchanged" is seen); another value or key: another.
    expect(planInputs({ password: secret("hunter2") }, key)).toEqual({ password: withKey.password });
    expect((planInputs({ password: secret("hunter3") }, key) as { password: string }).password).not.toBe(withKey.password);
    expect((planInputs({ password: secret("hunter2") }, "j".repeat(32)) as { password: string }).password).not.toBe(withKey.password);
  });

  it("bare markers cannot be compared: counted and said, never reported as no change silently", () => {
    const r = compareInputs({ p: SECRET_MARKER }, { p: SECRET_MARKER });
    expect(r).toEqual({ changes: [], uncompared: 1 });
    const d = diffPlans({ stack: "s", resources: [{ type: "t:m:R", name: "a", protect: false, retainOnDelete: false, ignoreChanges: [], inputs: { p: SECRET_MARKER } }] }, { stack: "s", resources: [{ type: "t:m:R", name: "a", protect: false, retainOnDelete: false, ignoreChanges: [], inputs: { p: SECRET_MARKER } }] });
    expect(renderDiff(d, { format: "text" })).toContain("1 secret input(s) carry no fingerprint in one of the plans (no PLAN_SECRET_FINGERPRINT_KEY): a change to them cannot be seen.");
  });

  it("a short fingerprint key is refused, not used", () => {
    expect(() => fingerprintKeyFromEnv({ PLAN_SECRET_FINGERPRINT_KEY: "short" })).toThrow(/at least 32 characters/);
    expect(fingerprintKeyFromEnv({})).toBeUndefined();
  });

  it("secure: config values are fingerprinted by their committed ciphertext, named as secretKeys names them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-secure-"));
    const file = path.join(dir, "Pulumi.s.yaml");
    fs.writeFileSync(file, "config:\n  aws:region: us-east-1\n  owner:\n    secure: v1:AAAA\n  tee-prover-infra:alarms:\n    P0:\n      httpsEndpoints:\n        - secure: v1:BBBB\n");
    const fp = ciphertextFingerprints(file, "tee-prover-infra");
    expect(Object.keys(fp)).toEqual(["tee-prover-infra:owner", "tee-prover-infra:alarms.P0.httpsEndpoints[0]"]);
    expect(fp["tee-prover-infra:owner"]).toBe(`ciphertext-sha256:${createHash("sha256").update("v1:AAAA").digest("hex").slice(0, 16)}`);
    fs.rmSync(dir, { recursive: true });
    const d = diffPlans({ stack: "s", resources: [], secretConfig: { a: "ciphertext-sha256:1", b: "ciphertext-sha256:2" } }, { stack: "s", resources: [], secretConfig: { a: "ciphertext-sha256:3", c: "ciphertext-sha256:4" } });
    expect(d.secretConfig).toEqual([{ key: "a", change: "may have changed" }, { key: "b", change: "removed" }, { key: "c", change: "added" }]);
    expect(renderDiff(d, { format: "markdown" })).toContain("- secret config `a`: ciphertext changed (the value may have changed; re-encrypting gives a new ciphertext)");
  });
});

describe("the JSON plan carries every resource's inputs", () => {
  it("with options and parent, secrets as markers, secure: fingerprints beside them", () => {
    const SIG = "4dabf18193072939515e22adb298388d";
    const r = {
      type: "aws:ssm/parameter:Parameter",
      name: "p",
      custom: true,
      id: "p_id",
      inputs: { name: "/x", value: { [SIG]: "1b47061264138c4ac30d75fd1eb44270", value: "s3cr3t-value" }, tags: { a: "b" } },
      state: {},
      protect: true,
      retainOnDelete: false,
      ignoreChanges: ["tags"],
      dependsOn: [],
      parent: "tee-prover:aws:NitroProofServer::f",
    };
    const review = { plaintext: plaintextExposure("aws", { mode: "passthrough", backendProtocol: "HTTPS" }), activeRelease: "v1", acceptedReleases: ["v1"], unobservableAlarms: [] };
    const plan = buildPlan({ stack: "s", cloud: "aws", environment: "dev", ingressMode: "passthrough", review, resources: [r], secretKeys: ["p:k"], secretConfig: { "p:k": "ciphertext-sha256:0011" }, fingerprintKey: "k".repeat(32) });
    expect(plan.resources).toEqual([{ type: r.type, name: "p", parent: r.parent, protect: true, retainOnDelete: false, ignoreChanges: ["tags"], inputs: { name: "/x", value: expect.stringMatching(/^\[secret hmac:[0-9a-f]{16}\]$/), tags: { a: "b" } } }]);
    expect(plan.secretConfig).toEqual({ "p:k": "ciphertext-sha256:0011" });
    expect(stableJson(plan)).not.toContain("s3cr3t-value");
  });
});

describe("compared by meaning", () => {
  it("IAM statements without a Sid: reordering is no change; a changed one is one removed and one added", () => {
    const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const s1 = { Effect: "Allow", Action: "s3:GetObject", Resource: "*" };
    const s2 = { Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" };
    expect(compareInputs({ policy: doc([s1, s2]) }, { policy: doc([s2, s1]) }).changes).toEqual([]);
    const changes = compareInputs({ policy: doc([s1, s2]) }, { policy: doc([s1, { ...s2, Resource: "arn:aws:logs:*:*:*" }]) }).changes;
    expect(changes).toEqual([
      { kind: "value", path: "policy.Statement[1]", before: s2 },
      { kind: "value", path: "policy.Statement[1]", after: { ...s2, Resource: "arn:aws:logs:*:*:*" } },
    ]);
  });

  it("a policy mixing statements with and without a Sid: each matched its own way", () => {
    const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const named = { Sid: "Decrypt", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" };
    const anon = { Effect: "Allow", Action: "kms:DescribeKey", Resource: "*" };
    expect(compareInputs({ policy: doc([named, anon]) }, { policy: doc([anon, named]) }).changes).toEqual([]);
    expect(compareInputs({ policy: doc([named, anon]) }, { policy: doc([anon, { ...named, Action: "kms:*" }]) }).changes).toEqual([{ kind: "value", path: "policy.Statement[Sid=Decrypt].Action", before: "kms:Decrypt", after: "kms:*" }]);
  });

  it("GCP IAM policy data as parsed JSON, bindings matched by role", () => {
    const policy = (members: string[]) => JSON.stringify({ bindings: [{ role: "roles/viewer", members: ["user:a@example.com"] }, { role: "roles/secretmanager.secretAccessor", members }] });
    expect(compareInputs({ policyData: policy(["serviceAccount:x"]) }, { policyData: policy(["serviceAccount:x", "allUsers"]) }).changes).toEqual([
      { kind: "value", path: "policyData.bindings[role=roles/secretmanager.secretAccessor].members", before: ["serviceAccount:x"], after: ["serviceAccount:x", "allUsers"] },
    ]);
  });

  it("Azure: a key release policy (base64url JSON) compared as JSON, customData (base64) as a script", () => {
    const rp = (claim: string) => Buffer.from(JSON.stringify({ version: "1.0.0", anyOf: [{ authority: "https://maa", allOf: [{ claim, equals: "azure-compliant-cvm" }] }] })).toString("base64url");
    expect(compareInputs({ releasePolicy: { data: rp("x-ms-isolation-tee.x-ms-attestation-type") } }, { releasePolicy: { data: rp("x-ms-attestation-type") } }).changes).toEqual([
      { kind: "value", path: "releasePolicy.data.anyOf[0].allOf[0].claim", before: "x-ms-isolation-tee.x-ms-attestation-type", after: "x-ms-attestation-type" },
    ]);
    const custom = (line: string) => Buffer.from(`#cloud-config\nruncmd:\n  - ${line}\n`).toString("base64");
    const [change] = compareInputs({ customData: custom("echo a") }, { customData: custom("echo b") }).changes;
    expect(change).toEqual({ kind: "script", path: "customData", added: 1, removed: 1, lines: ["@@ line 1 @@", "  #cloud-config", "  runcmd:", "-   - echo a", "+   - echo b", "  "] });
  });

  it("GCP metadata user-data as plain text, and a MIME multipart document part by part", () => {
    expect(decodeScript("#!/bin/bash\necho hi\n")).toBe("#!/bin/bash\necho hi\n");
    const part = gzipSync("#!/bin/bash\necho from-part\n").toString("base64");
    const mime = `Content-Type: multipart/mixed; boundary="BOUND"\nMIME-Version: 1.0\n\n--BOUND\nContent-Type: text/cloud-config\n\n#cloud-config\npackages: [jq]\n--BOUND\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n${part}\n--BOUND--\n`;
    expect(decodeScript(Buffer.from(mime).toString("base64"))).toBe("# --- MIME part 1 (text/cloud-config) ---\n#cloud-config\npackages: [jq]\n# --- MIME part 2 (text/x-shellscript) ---\n#!/bin/bash\necho from-part");
  });
});

describe("reading a base plan", () => {
  it("refuses what is not a plan, and says which file", () => {
    expect(() => parsePlanJson("{", "base.json")).toThrow(PlanFileError);
    expect(() => parsePlanJson("{", "base.json")).toThrow(/^base.json is not JSON/);
    expect(() => parsePlanJson('{"resources": []}', "base.json")).toThrow(/no "stack"/);
    expect(() => parsePlanJson('{"stack": "dev", "resources": [{"type": "t"}]}', "base.json")).toThrow(/must be a list of \{ type, name, inputs \}/);
  });

  it("an empty file is a stack the base branch does not have: everything is added", () => {
    const d = diffPlans(parsePlanJson("", "base.json"), base);
    expect(d.added).toHaveLength(base.resources.length);
    expect(renderDiff(d, { format: "text" })).toContain(`${base.resources.length} to add, 0 to change, 0 to delete.`);
  });

  it("a plan written before plans carried inputs: added and deleted from its tree, and the diff says so", () => {
    const old = { stack: "dev", tree: [{ type: KMS, name: "prover-dev-attested", children: [{ type: "aws:sns/topic:Topic", name: "old-topic", children: [] }] }] };
    const d = diffPlans(parsePlanJson(JSON.stringify(old), "old.json"), base);
    expect(d.removed.map((r) => r.name)).toEqual(["old-topic"]);
    expect(d.changed).toEqual([]);
    expect(renderDiff(d, { format: "text" })).toContain("The base plan carries no inputs (written before plans did): only added and deleted resources are compared.");
  });
});
