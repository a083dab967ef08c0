// `npm run verify` minus process handling: arguments in, report text / JSON and exit code out,
// so tests run it in-process (no child process, no tsx start-up per case).
import * as fs from "node:fs";
import type { VerifyArgs } from "./args";
import { verifyEndpoint, type LiveOptions } from "./live";
import { verifyNitroDocument } from "./nitro-document";
import { EXIT, exitCode, overall, renderChecks, type Check, type Overall } from "./result";
import type { StackPins } from "./stack";

export interface VerifyReport {
  readonly stack: string;
  readonly mode: "document" | "endpoint";
  readonly target: string;
  readonly overall: Overall;
  readonly exitCode: number;
  readonly checks: readonly Check[];
  readonly [extra: string]: unknown;
}

export interface RunOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly report?: VerifyReport;
}

export interface RunDeps {
  readonly loadPins: (projectDir: string, stack: string) => Promise<StackPins>;
  /** Live-mode overrides (tests: trusted CA, fixed nonce, clock). */
  readonly live?: Partial<Pick<LiveOptions, "ca" | "nonce" | "now" | "timeoutMs">>;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A saved document may be the raw CBOR (what the NSM returns), its base64, or the whole JSON answer
 * of `/attestation` as an incident responder would save it with curl.
 */
export function readDocument(file: string): Buffer {
  const raw = fs.readFileSync(file);
  // 0x84: a 4-element CBOR array (untagged COSE_Sign1); 0xd2: tag 18 (tagged COSE_Sign1).
  if (raw[0] === 0x84 || raw[0] === 0xd2) return raw;
  const text = raw.toString("utf8").trim();
  if (text.startsWith("{")) {
    const json: unknown = JSON.parse(text);
    const b64 = json && typeof json === "object" && "attestation" in json ? (json as { attestation: unknown }).attestation : undefined;
    if (typeof b64 !== "string") throw new Error(`${file} is JSON without an "attestation" string`);
    return Buffer.from(b64, "base64");
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(text)) return Buffer.from(text, "base64");
  return raw;
}

function finish(report: VerifyReport, json: boolean, title: string): RunOutput {
  const stdout = json ? `${JSON.stringify(report, null, 2)}\n` : renderChecks(title, report.checks);
  return { exitCode: report.exitCode, stdout, stderr: "", report };
}

export async function runVerify(args: VerifyArgs, deps: RunDeps): Promise<RunOutput> {
  const pins = await deps.loadPins(args.projectDir, args.stack);
  if (args.mode === "document") {
    if (pins.cloud !== "aws") {
      return { exitCode: EXIT.usage, stdout: "", stderr: `stack ${args.stack} is a GCP stack: --document verifies AWS Nitro attestation documents only (Confidential Space tokens are judged by the Workload Identity condition)\n` };
    }
    let bytes: Buffer;
    try {
      bytes = readDocument(args.document);
    } catch (e) {
      return { exitCode: EXIT.usage, stdout: "", stderr: `cannot read ${args.document}: ${e instanceof Error ? e.message : String(e)}\n` };
    }
    const result = verifyNitroDocument(bytes, { releases: pins.releases, ...(args.nonce ? { expectedNonce: args.nonce } : {}) });
    const report: VerifyReport = {
      stack: args.stack,
      mode: "document",
      target: args.document,
      overall: result.overall,
      exitCode: exitCode(result.overall),
      checks: result.checks,
      acceptedReleases: pins.releases.map((r) => r.version),
      ...(result.document ? { document: result.document } : {}),
    };
    const when = result.document ? `, judged at its own timestamp ${result.document.timestamp}` : "";
    return finish(report, args.json, `Nitro attestation document ${args.document} against stack ${args.stack} (releases ${pins.releases.map((r) => r.version).join(", ")})${when}`);
  }
  const env = deps.env ?? process.env;
  let apiKey: string | undefined;
  if (args.apiKeyEnv !== undefined) {
    apiKey = env[args.apiKeyEnv];
    if (!apiKey) return { exitCode: EXIT.usage, stdout: "", stderr: `--api-key-env ${args.apiKeyEnv}: that environment variable is empty or unset\n` };
  }
  const live = await verifyEndpoint({
    endpoint: args.endpoint,
    pins,
    insecureSkipTlsVerify: args.insecureSkipTlsVerify,
    ...(apiKey ? { apiKey } : {}),
    ...deps.live,
  });
  const verdict = overall(live.checks);
  const report: VerifyReport = {
    stack: args.stack,
    mode: "endpoint",
    target: args.endpoint.toString(),
    overall: verdict,
    exitCode: exitCode(verdict),
    checks: live.checks,
    acceptedReleases: pins.releases.map((r) => r.version),
    ...(live.document ? { document: live.document } : {}),
    ...(live.tls ? { tls: live.tls } : {}),
  };
  return finish(report, args.json, `Endpoint ${args.endpoint.toString()} against stack ${args.stack} (${pins.cloud}, releases ${pins.releases.map((r) => r.version).join(", ")})`);
}
