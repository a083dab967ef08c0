/**
 * The host agent's attestation verifier (verify-attestation.py, exactly as cloud-init writes it)
 * run for real with the system python3 and its cryptography package against the REAL documents in
 * test/fixtures/nitro-attestation (provenance in its README), and compared with the TS verifier
 * that `npm run verify` uses: the same checks, in the same order, failing on the same cases.
 *
 * Cheap on purpose: three CLI runs (exit codes), and one python3 process that imports the script
 * and verifies every other case in a batch, and decodes the fixtures for the CBOR cross-check (and
 * fails with the package to install when python3-cryptography is missing).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Decoder, Encoder, Tag } from "cbor-x";
import { beforeAll, describe, expect, it } from "vitest";
import { nitroParentRolePcr3 } from "../../src/attestation/aws-kms-policy";
import { AWS_NITRO_ROOT_G1_SHA256, NITRO_DOCUMENT_MAX_SKEW_MS, type NitroReleasePins } from "../../src/attestation/pins";
import { VERIFIER_NOW_ENV } from "../../src/bootstrap/nitro-attestation-verifier";
import { extractNitroArtifacts, NITRO_SCRIPT_PATHS, renderNitroCloudInit } from "../../src/bootstrap/nitro";
import { verifyNitroDocument } from "../../src/verify/nitro-document";
import { BLOCKY_NONCE, BLOCKY_PCRS, BLOCKY_TIMESTAMP, FIXTURES, V631_PCRS, fixture, release } from "../verify/helpers";
import { nitroTestInput, requireTool, run, scratchDirs } from "./helpers";

const PYTHON = "/usr/bin/python3";
const { scratch } = scratchDirs();
let script = "";

const BLOCKY = fixture("nitrite-blocky-2024-09-07.cbor");
const TAMPERED = fixture("nitrite-blocky-2024-09-07.tampered.cbor");
const DEBUG = fixture("blindai-debug-2023-03-22.cbor");
const DEBUG_TIMESTAMP = 1679495307405;
const BLOCKY_RELEASE = release("blocky-2024-09-07", BLOCKY_PCRS);
const V631 = release("v6.3.1", V631_PCRS);
/** The production fixture's leaf certificate expires 2024-09-07T17:37:39Z (fixture README). */
const LEAF_VALID_TO = Date.parse("2024-09-07T17:37:39Z");

const body = (document: Buffer | string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ platform: "AWS Nitro Enclaves", format: "CBOR/COSE_Sign1", nonce: "ignored", attestation: typeof document === "string" ? document : document.toString("base64"), ...extra });

beforeAll(() => {
  requireTool(PYTHON, "python3");
  const file = extractNitroArtifacts(renderNitroCloudInit(nitroTestInput())).files.find((f) => f.path === NITRO_SCRIPT_PATHS.verifyAttestation);
  expect(file?.permissions).toBe("0755");
  script = join(scratch("verifier"), "verify-attestation.py");
  writeFileSync(script, file?.content ?? "", { mode: 0o755 });
});

// ---- the command line the agent runs ---------------------------------------------------------

function cli(document: Buffer, options: { nonce?: string; releases?: unknown; nowMs?: number } = {}) {
  return run(
    script,
    [
      "--nonce", options.nonce ?? BLOCKY_NONCE.toString("latin1"),
      "--releases", JSON.stringify(options.releases ?? [BLOCKY_RELEASE]),
      "--root-sha256", AWS_NITRO_ROOT_G1_SHA256,
      "--pcr3", "",
      "--max-skew-seconds", String(NITRO_DOCUMENT_MAX_SKEW_MS / 1000),
    ],
    { input: body(document), env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", [VERIFIER_NOW_ENV]: String(options.nowMs ?? BLOCKY_TIMESTAMP.getTime()) } },
  );
}

describe("verify-attestation.py as the agent runs it", () => {
  it("verifies the real production document at its own timestamp with its nonce and PCRs (exit 0)", () => {
    const r = cli(BLOCKY);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => l.split(":")[0])).toEqual([
      "ok structure", "ok digest", "ok root", "ok chain", "ok signature", "ok nonce", "ok debug", "ok pcrs", "ok timestamp",
    ]);
    expect(r.stdout).toContain("ok pcrs: PCRs equal release blocky-2024-09-07");
    expect(r.stderr).toBe("");
  });

  it("rejects the tampered copy (exit 1): the signature, and the PCR0 byte that was changed", () => {
    const r = cli(TAMPERED);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("FAIL"))).toEqual([
      "FAIL signature: COSE_Sign1 signature does not verify: altered, or not signed by the leaf",
      "FAIL pcrs: PCRs match no accepted release (blocky-2024-09-07: PCR0 differ)",
    ]);
  });

  it("cannot check with pins it cannot read (exit 2, the agent then counts no check)", () => {
    const r = cli(BLOCKY, { releases: { "v6.3.1": "not a list" } });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("cannot check: --releases is not a JSON array");
  });
});

// ---- everything else in one python3 process --------------------------------------------------

/** Imports the script as a module, verifies each case, and decodes the fixtures with its CBOR decoder. */
const HARNESS = String.raw`
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("verifier", sys.argv[1])
v = importlib.util.module_from_spec(spec)
spec.loader.exec_module(v)
request = json.load(sys.stdin)

def plain(x):
    if isinstance(x, bytes): return {"bytes": x.hex()}
    if isinstance(x, v.Tag): return {"tag": x.tag, "value": plain(x.value)}
    if isinstance(x, dict): return {"map": [[plain(k), plain(i)] for k, i in x.items()]}
    if isinstance(x, list): return [plain(i) for i in x]
    return x

import ast
# Amazon Linux 2023's python3 is 3.9: the script must parse with that grammar.
ast.parse(open(sys.argv[1]).read(), feature_version=(3, 9))
out = {"cases": [], "cbor": [], "python39Grammar": True}
for c in request["cases"]:
    r = v.verify(bytes.fromhex(c["body"]), bytes.fromhex(c["nonce"]), c["releases"], c["root"], c["pcr3"], c["maxSkewMs"], c["nowMs"])
    out["cases"].append({"failed": r.failed, "lines": r.lines})
for path in request["cbor"]:
    data = open(path, "rb").read()
    protected, payload, signature = v.parse_cose(data)
    out["cbor"].append({"document": plain(v.cbor_decode(data)), "payload": plain(v.cbor_decode(payload)), "sigStructure": v.sig_structure(protected, payload).hex()})
json.dump(out, sys.stdout)
`;

interface Case {
  readonly name: string;
  readonly document: Buffer | string;
  readonly body?: string;
  readonly nonce?: Buffer;
  readonly releases?: readonly NitroReleasePins[];
  readonly root?: string;
  readonly pcr3?: string;
  readonly nowMs?: number;
  readonly maxSkewMs?: number;
  /** Check ids expected to FAIL, in order. */
  readonly fails: readonly string[];
}

const ROLE_PCR3 = nitroParentRolePcr3("arn:aws:iam::123456789012:role/prover-prod-host-0a1b2c3");
const PCR1_OFF = { 0: BLOCKY_PCRS[0], 1: V631_PCRS[1], 2: BLOCKY_PCRS[2] };

const CASES: readonly Case[] = [
  { name: "genuine", document: BLOCKY, fails: [] },
  { name: "wrong nonce", document: BLOCKY, nonce: Buffer.from("0123456789abcdef0123456789abcdef"), fails: ["nonce"] },
  { name: "other PCRs", document: BLOCKY, releases: [V631], fails: ["pcrs"] },
  { name: "second release of a rotation", document: BLOCKY, releases: [V631, BLOCKY_RELEASE], fails: [] },
  { name: "warnOnly PCR1 differs", document: BLOCKY, releases: [release("warn-pcr1", PCR1_OFF, [1])], fails: [] },
  { name: "enforced PCR1 differs", document: BLOCKY, releases: [release("pcr1", PCR1_OFF)], fails: ["pcrs"] },
  { name: "expired chain", document: BLOCKY, nowMs: LEAF_VALID_TO + 60_000, maxSkewMs: 86_400_000, fails: ["chain"] },
  { name: "stale", document: BLOCKY, nowMs: BLOCKY_TIMESTAMP.getTime() + NITRO_DOCUMENT_MAX_SKEW_MS + 1000, fails: ["timestamp"] },
  { name: "tampered", document: TAMPERED, fails: ["signature", "pcrs"] },
  { name: "debug enclave", document: DEBUG, releases: [V631], nowMs: DEBUG_TIMESTAMP, fails: ["nonce", "debug", "pcrs"] },
  { name: "other root", document: BLOCKY, root: "AB".repeat(32), fails: ["root"] },
  { name: "parent role pinned, other parent", document: BLOCKY, pcr3: ROLE_PCR3, fails: ["parent-role"] },
  // The fixture's parent had no role (PCR3 all zero): compared exactly, so the zero pin matches.
  { name: "PCR3 compared exactly", document: BLOCKY, pcr3: "0".repeat(96), fails: [] },
  { name: "truncated", document: BLOCKY.subarray(0, 500), fails: ["structure"] },
  { name: "trailing byte", document: Buffer.concat([BLOCKY, Buffer.from([0])]), fails: ["structure"] },
  { name: "not base64", document: "not*base64!", fails: ["structure"] },
  { name: "not JSON", document: BLOCKY, body: "<html>502 Bad Gateway</html>", fails: ["structure"] },
  { name: "no document", document: BLOCKY, body: JSON.stringify({ platform: "AWS Nitro Enclaves", error: "NSM device not available" }), fails: ["structure"] },
  { name: "GCP evidence", document: BLOCKY, body: body(BLOCKY, { platform: "GCP Confidential VM" }), fails: ["structure"] },
];

interface Verdict {
  readonly failed: boolean;
  readonly lines: readonly string[];
}
let verdicts = new Map<string, Verdict>();
let decoded: Array<{ document: unknown; payload: unknown; sigStructure: string }> = [];
let python39Grammar = false;
const CBOR_FILES = ["nitrite-blocky-2024-09-07.cbor", "blindai-debug-2023-03-22.cbor", "nitrite-blocky-2024-09-07.tampered.cbor"];

beforeAll(() => {
  const request = {
    cases: CASES.map((c) => ({
      body: Buffer.from(c.body ?? body(c.document)).toString("hex"),
      nonce: (c.nonce ?? BLOCKY_NONCE).toString("hex"),
      releases: c.releases ?? [BLOCKY_RELEASE],
      root: c.root ?? AWS_NITRO_ROOT_G1_SHA256,
      pcr3: c.pcr3 ?? "",
      maxSkewMs: c.maxSkewMs ?? NITRO_DOCUMENT_MAX_SKEW_MS,
      nowMs: c.nowMs ?? BLOCKY_TIMESTAMP.getTime(),
    })),
    cbor: CBOR_FILES.map((f) => join(FIXTURES, f)),
  };
  const r = run(PYTHON, ["-c", HARNESS, script], { input: JSON.stringify(request) });
  // The script itself says so when the module is missing (exit 2); no separate python3 start to ask.
  if (r.stdout.includes("python3-cryptography is missing")) {
    throw new Error(`${PYTHON} has no cryptography module: install it with "apt-get install -y python3-cryptography"`);
  }
  if (r.code !== 0) throw new Error(`harness failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { cases: Verdict[]; cbor: typeof decoded; python39Grammar: boolean };
  python39Grammar = out.python39Grammar;
  verdicts = new Map(CASES.map((c, i) => [c.name, out.cases[i]!]));
  decoded = out.cbor;
});

const failing = (v: Verdict | undefined): string[] => (v?.lines ?? []).filter((l) => l.startsWith("FAIL ")).map((l) => l.slice(5, l.indexOf(":")));

describe("verify-attestation.py on the real documents", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const v = verdicts.get(c.name);
    expect(failing(v), v?.lines.join("\n")).toEqual(c.fails);
    expect(v?.failed).toBe(c.fails.length > 0);
  });

  it("parses with Python 3.9's grammar (AL2023's python3)", () => {
    expect(python39Grammar).toBe(true);
  });

  it("says why: the expired certificate, the warnOnly PCR, the parent role", () => {
    expect(verdicts.get("expired chain")?.lines.join("\n")).toMatch(/FAIL chain: .*leaf i-0a22e5c5f24d22174-enc\S+ is not valid at 2024-09-07T17:38:39Z \(2024-09-07T14:37:36Z to 2024-09-07T17:37:39Z\)/);
    expect(verdicts.get("warnOnly PCR1 differs")?.lines).toContain("warn pcrs-warn-only: PCR1 differ from release warn-pcr1 (warnOnly, not enforced)");
    expect(verdicts.get("parent role pinned, other parent")?.lines).toContain(`FAIL parent-role: PCR3 (the parent's IAM role) is ${"0".repeat(16)}..., pinned ${ROLE_PCR3.slice(0, 16)}...`);
    expect(verdicts.get("debug enclave")?.lines).toContain("FAIL debug: PCR0, PCR1, PCR2 all zero: a debug-mode enclave");
  });

  it("mirrors npm run verify: the same checks in the same order, and the same P0s", () => {
    for (const c of CASES) {
      if (c.body !== undefined || typeof c.document === "string") continue;
      const ts = verifyNitroDocument(c.document, {
        releases: c.releases ?? [BLOCKY_RELEASE],
        expectedNonce: c.nonce ?? BLOCKY_NONCE,
        ...(c.root ? { rootSha256: c.root } : {}),
        // The agent checks certificates at "now" as well as at the document's time.
        ...(c.nowMs !== undefined && c.nowMs > LEAF_VALID_TO ? { at: new Date(c.nowMs) } : {}),
        freshness: { now: new Date(c.nowMs ?? BLOCKY_TIMESTAMP.getTime()), maxSkewMs: c.maxSkewMs ?? NITRO_DOCUMENT_MAX_SKEW_MS },
      });
      const ids = (verdicts.get(c.name)?.lines ?? []).map((l) => l.slice(l.indexOf(" ") + 1, l.indexOf(":")));
      // parent-role is the agent's addition (the KMS condition's PCR3); TS has no such check.
      expect(ids.filter((id) => id !== "parent-role"), c.name).toEqual(ts.checks.map((x) => x.id));
      const p0 = ts.checks.filter((x) => x.status === "fail" && x.severity === "P0").map((x) => x.id);
      // Freshness is a warning for a person at a terminal, a failure for the agent, whose clock is NTP-synced.
      const tsFails = [...p0, ...ts.checks.filter((x) => x.id === "timestamp" && x.status === "warn").map((x) => x.id)];
      expect(failing(verdicts.get(c.name)).filter((id) => id !== "parent-role"), c.name).toEqual(tsFails);
    }
  });
});

describe("the script's CBOR decoder and encoder against cbor-x", () => {
  const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
  const encoder = new Encoder({ mapsAsObjects: false, useRecords: false });
  const plain = (x: unknown): unknown => {
    if (x instanceof Uint8Array) return { bytes: Buffer.from(x).toString("hex") };
    if (x instanceof Tag) return { tag: x.tag, value: plain(x.value) };
    if (x instanceof Map) return { map: [...x].map(([k, v]) => [plain(k), plain(v)]) };
    if (Array.isArray(x)) return x.map(plain);
    if (typeof x === "bigint") return Number(x);
    return x;
  };

  it.each(CBOR_FILES.map((f, i) => [f, i] as const))("decodes %s exactly as cbor-x does, and builds the same Sig_structure", (file, i) => {
    const raw = fixture(file);
    const top = decoder.decode(raw) as unknown[];
    expect(decoded[i]?.document).toEqual(plain(top));
    const [protectedHeader, , payload] = top as [Uint8Array, unknown, Uint8Array];
    const payloadMap = plain(decoder.decode(payload));
    expect(decoded[i]?.payload).toEqual(payloadMap);
    // Not vacuous: the payload has the fields the verifier reads.
    expect(JSON.stringify(payloadMap)).toContain('"cabundle"');
    expect(decoded[i]?.sigStructure).toBe(Buffer.from(encoder.encode(["Signature1", protectedHeader, Buffer.alloc(0), payload])).toString("hex"));
  });
});
