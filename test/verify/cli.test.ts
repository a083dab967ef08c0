/**
 * `npm run verify` in-process: argument parsing (exit 2 cases) and the offline `--document` mode
 * with its exit codes, against the real fixture document. The stack's pins are injected: the real
 * loader imports @pulumi/pulumi (about 2.5 s), too slow for the suite; docs/verify.md shows the run.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../../src/verify/args";
import { runVerify, type RunOutput, type VerifyReport } from "../../src/verify/run";
import type { StackPins } from "../../src/verify/stack";
import { BLOCKY_FILE, BLOCKY_NONCE, BLOCKY_PCRS, V631_PCRS, fixture, release } from "./helpers";

const pinsOf = (pins: StackPins) => ({ loadPins: async () => pins });
const MATCHING: StackPins = { stack: "t", cloud: "aws", releases: [release("blocky", BLOCKY_PCRS)] };
const OTHER: StackPins = { stack: "t", cloud: "aws", releases: [release("v6.3.1", V631_PCRS)] };
const LOOSE: StackPins = { stack: "t", cloud: "aws", releases: [release("blocky", { ...BLOCKY_PCRS, 2: V631_PCRS[2] }, [2])] };
const GCP: StackPins = { stack: "t", cloud: "gcp", releases: [{ version: "v1", digest: "sha256:" + "a".repeat(64) }] };

const doc = (...extra: string[]) => parseArgs(["t", "--document", BLOCKY_FILE, ...extra]);
const failing = (out: RunOutput) => (out.report as VerifyReport).checks.filter((c) => c.status === "fail").map((c) => c.id);

describe("parseArgs", () => {
  it.each([
    [[], "name the stack"],
    [["dev"], "exactly one of --document FILE or --endpoint URL"],
    [["dev", "--document", "a", "--endpoint", "https://x"], "exactly one of"],
    [["dev", "--document", "a", "--nonce", "xyz"], "hex"],
    [["dev", "--document", "a", "--nonce", "ab", "--nonce-text", "ab"], "not both"],
    [["dev", "--endpoint", "https://x", "--nonce", "ab"], "fresh random nonce"],
    [["dev", "--endpoint", "ftp://x"], "must be https://"],
    [["dev", "--endpoint", "https://x", "--api-key-env", "sk-live-123:abc"], "NAME of an environment variable"],
    [["dev", "--document"], "needs a value"],
    [["dev", "--document", "a", "--frobnicate"], "unknown option --frobnicate"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it("reads --nonce as hex bytes and --nonce-text as the UTF-8 bytes the server received", () => {
    expect(parseArgs(["dev", "--document", "d", "--nonce", "0aFF"])).toMatchObject({ mode: "document", nonce: Buffer.from([0x0a, 0xff]) });
    expect(parseArgs(["dev", "--document", "d", "--nonce-text", "ab"])).toMatchObject({ nonce: Buffer.from("ab") });
    const live = parseArgs(["prod", "--endpoint", "https://p.example.com:8443", "--api-key-env", "PROVER_KEY", "--json"], "/x");
    expect(live).toMatchObject({ mode: "endpoint", stack: "prod", apiKeyEnv: "PROVER_KEY", json: true, insecureSkipTlsVerify: false, projectDir: "/x" });
  });
});

describe("npm run verify --document (offline, at the document's own timestamp)", () => {
  it("exits 0 for the production document against pins equal to its PCRs and its nonce", async () => {
    const out = await runVerify(doc("--nonce", BLOCKY_NONCE.toString("hex")), pinsOf(MATCHING));
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain("RESULT: ok");
    expect(out.stdout).toContain("judged at its own timestamp 2024-09-07T14:37:39.545Z");
  });

  it("exits 1 with the failing check named when the PCRs are another release's, also in --json", async () => {
    const out = await runVerify(doc("--json"), pinsOf(OTHER));
    expect(out.exitCode).toBe(1);
    expect(failing(out)).toEqual(["pcrs"]);
    const json = JSON.parse(out.stdout) as VerifyReport & { document: { matchedRelease: unknown; pcrs: Record<string, string> } };
    expect(json).toMatchObject({ overall: "P0", exitCode: 1, mode: "document", acceptedReleases: ["v6.3.1"] });
    expect(json.document.matchedRelease).toBeNull();
    expect(json.document.pcrs["0"]).toBe(BLOCKY_PCRS[0]);
  });

  it("exits 1 for a wrong nonce, the tampered copy and the debug enclave", async () => {
    expect(failing(await runVerify(doc("--nonce-text", "fresh"), pinsOf(MATCHING)))).toEqual(["nonce"]);
    const tampered = parseArgs(["t", "--document", join(__dirname, "../fixtures/nitro-attestation/nitrite-blocky-2024-09-07.tampered.cbor")]);
    expect(failing(await runVerify(tampered, pinsOf(MATCHING)))).toContain("signature");
    const debug = parseArgs(["t", "--document", join(__dirname, "../fixtures/nitro-attestation/blindai-debug-2023-03-22.cbor")]);
    const out = await runVerify(debug, pinsOf(MATCHING));
    expect(out.exitCode).toBe(1);
    expect(failing(out)).toContain("debug");
  });

  it("exits 3 when only a warnOnly PCR differs", async () => {
    const out = await runVerify(doc(), pinsOf(LOOSE));
    expect(out.exitCode).toBe(3);
    expect(out.stdout).toContain("RESULT: warnings only");
  });

  it("accepts the document saved as base64 or as the whole /attestation JSON answer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verify-"));
    const b64 = fixture("nitrite-blocky-2024-09-07.cbor").toString("base64");
    writeFileSync(join(dir, "doc.b64"), `${b64}\n`);
    writeFileSync(join(dir, "answer.json"), JSON.stringify({ platform: "AWS Nitro Enclaves", format: "CBOR/COSE_Sign1", nonce: "x", attestation: b64 }));
    for (const f of ["doc.b64", "answer.json"]) {
      expect((await runVerify(parseArgs(["t", "--document", join(dir, f)]), pinsOf(MATCHING))).exitCode).toBe(0);
    }
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ error: "NSM device not available" }));
    const bad = await runVerify(parseArgs(["t", "--document", join(dir, "bad.json")]), pinsOf(MATCHING));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('without an "attestation" string');
  });

  it("exits 2 for a GCP stack: there is no Nitro document to verify", async () => {
    const out = await runVerify(doc(), pinsOf(GCP));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain("GCP stack");
  });
});
