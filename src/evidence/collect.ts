// `npm run evidence`: preserve what the incident runbook asks for about one host, before anything
// changes it: the cloud's view of the host, its console, recent logs, and an attestation document
// answered to a fresh nonce, in a dated tar.gz with a manifest and the SHA-256 of every file.
// Read-only: every command is checked against READ_ONLY_COMMANDS before the first one runs.
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { get, route } from "../verify/live";
import { sha256, tarGz, type ArchiveFile } from "./archive";
import { evidenceCommands, notReadOnly, type EvidenceTarget } from "./commands";

export interface CollectOptions {
  readonly target: EvidenceTarget;
  /** The stack the host belongs to, for the verify command written beside the document. */
  readonly stack?: string;
  /** The host's proof server (reached directly: a quarantined load balancer refuses clients). */
  readonly endpoint?: URL;
  readonly insecureSkipTlsVerify?: boolean;
  readonly apiKey?: string;
  readonly outDir: string;
  readonly logMinutes?: number;
  readonly now?: () => Date;
  /** Environment of the CLIs (PATH, credentials); default this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface ManifestCommand {
  readonly file: string;
  readonly argv: readonly string[];
  readonly permission: string;
  readonly exitCode: number;
  readonly stderr: string;
}

export interface EvidenceManifest {
  readonly tool: "tee-prover-infra evidence";
  readonly createdAt: string;
  readonly target: EvidenceTarget;
  readonly stack?: string;
  readonly commands: readonly ManifestCommand[];
  readonly attestation:
    | { readonly collected: true; readonly url: string; readonly nonce: string; readonly status: number; readonly file: string; readonly verify: string }
    | { readonly collected: false; readonly reason: string };
  /** Every other file of the archive, with its size and SHA-256. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly bytes: number; readonly sha256: string }>;
}

export interface CollectResult {
  readonly archive: string;
  readonly manifest: EvidenceManifest;
}

/** Thrown, before anything runs, when a command is not an allow-listed read. */
export class NotReadOnlyError extends Error {}

function run(argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: Buffer; stderr: string; exitCode: number }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { env, encoding: "buffer", maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
      resolve({ stdout, stderr: `${stderr.toString("utf8")}${error && code === 127 ? String(error.message) : ""}`, exitCode: code });
    });
  });
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");

export async function collectEvidence(options: CollectOptions): Promise<CollectResult> {
  const now = (options.now ?? (() => new Date()))();
  const commands = evidenceCommands(options.target, now, options.logMinutes);
  const refused = commands.flatMap((c) => {
    const why = notReadOnly(options.target.cloud, c.argv);
    return why ? [`${c.argv.join(" ")}: ${why}`] : [];
  });
  if (refused.length) throw new NotReadOnlyError(`refusing to run commands that are not allow-listed reads:\n${refused.join("\n")}`);

  const base = `evidence-${options.target.fleet}-${options.target.instance}-${stamp(now)}`.replace(/[^A-Za-z0-9._-]/g, "_");
  const archive = path.join(options.outDir, `${base}.tar.gz`);
  // Checked first, so nothing runs for an archive that could not be written (written with wx below).
  if (fs.existsSync(archive)) throw new Error(`${archive} exists already: evidence archives are never overwritten`);

  const files: ArchiveFile[] = [];
  const ran: ManifestCommand[] = [];
  const env = options.env ?? process.env;
  // One after the other: each CLI call is small, and the order is the manifest's.
  for (const c of commands) {
    const out = await run(c.argv, env, options.timeoutMs ?? 120_000);
    files.push({ name: c.file, content: out.stdout });
    ran.push({ file: c.file, argv: c.argv, permission: c.permission, exitCode: out.exitCode, stderr: out.stderr.slice(0, 4000) });
  }

  let attestation: EvidenceManifest["attestation"] = { collected: false, reason: "no --endpoint given" };
  if (options.endpoint) {
    // A fresh nonce, as `npm run verify --endpoint` sends it: the server signs the string's bytes.
    const nonce = crypto.randomBytes(32).toString("hex");
    const url = route(options.endpoint, "/attestation", { nonce });
    const verify = `npm run verify -- ${options.stack ?? "<stack>"} --document attestation.json --nonce-text ${nonce}`;
    try {
      const res = await get(url, { ...(options.apiKey ? { apiKey: options.apiKey } : {}), ...(options.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}), timeoutMs: options.timeoutMs ?? 15_000 });
      files.push({ name: "attestation.json", content: Buffer.from(res.body, "utf8") });
      attestation = { collected: true, url: url.toString(), nonce, status: res.status, file: "attestation.json", verify };
    } catch (e) {
      attestation = { collected: false, reason: `GET ${url.toString()} failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  const manifest: EvidenceManifest = {
    tool: "tee-prover-infra evidence",
    createdAt: now.toISOString(),
    target: options.target,
    ...(options.stack ? { stack: options.stack } : {}),
    commands: ran,
    attestation,
    files: files.map((f) => ({ name: f.name, bytes: f.content.length, sha256: sha256(f.content) })),
  };
  const manifestFile = { name: "manifest.json", content: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) };
  const all = [...files, manifestFile];
  // `sha256sum -c SHA256SUMS` inside the extracted directory checks every file, the manifest included.
  const sums = { name: "SHA256SUMS", content: Buffer.from(all.map((f) => `${sha256(f.content)}  ${f.name}\n`).join("")) };
  fs.mkdirSync(options.outDir, { recursive: true });
  const bytes = tarGz(base, [...all, sums], now);
  // wx: never overwrite an earlier archive.
  fs.writeFileSync(archive, bytes, { flag: "wx", mode: 0o600 });
  fs.writeFileSync(`${archive}.sha256`, `${sha256(bytes)}  ${path.basename(archive)}\n`, { flag: "wx", mode: 0o600 });
  return { archive, manifest };
}
