// Argument parsing for `npm run verify`. No imports beyond node:path, so usage errors answer at once.
import * as path from "node:path";

export const USAGE = [
  "usage: npm run verify -- <stack> --document FILE [--nonce HEX | --nonce-text TEXT] [--json] [--project-dir DIR]",
  "       npm run verify -- <stack> --endpoint https://host[:port] [--api-key-env VAR] [--insecure-skip-tls-verify] [--json] [--project-dir DIR]",
  "exit codes: 0 ok, 1 P0 (attestation, chain, signature, PCR mismatch, debug enclave, nonce, endpoint down), 2 usage, 3 warnings only",
].join("\n");

export class UsageError extends Error {}

interface Common {
  readonly stack: string;
  readonly projectDir: string;
  readonly json: boolean;
}

export interface DocumentArgs extends Common {
  readonly mode: "document";
  readonly document: string;
  /** Raw nonce bytes expected in the document (from --nonce HEX or --nonce-text TEXT). */
  readonly nonce?: Buffer;
}

export interface EndpointArgs extends Common {
  readonly mode: "endpoint";
  readonly endpoint: URL;
  /** Name of the environment variable that holds an API key (never the key on the command line: it would land in shell history and `ps`). */
  readonly apiKeyEnv?: string;
  readonly insecureSkipTlsVerify: boolean;
}

export type VerifyArgs = DocumentArgs | EndpointArgs;

export function parseArgs(argv: readonly string[], cwd: string = process.cwd()): VerifyArgs {
  let stack: string | undefined;
  let document: string | undefined;
  let endpoint: string | undefined;
  let nonceHex: string | undefined;
  let nonceText: string | undefined;
  let apiKeyEnv: string | undefined;
  let insecure = false;
  let json = false;
  let projectDir = cwd;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--document") document = value();
    else if (arg === "--endpoint") endpoint = value();
    else if (arg === "--nonce") nonceHex = value();
    else if (arg === "--nonce-text") nonceText = value();
    else if (arg === "--api-key-env") apiKeyEnv = value();
    else if (arg === "--insecure-skip-tls-verify") insecure = true;
    else if (arg === "--json") json = true;
    else if (arg === "--project-dir") projectDir = path.resolve(cwd, value());
    else if (arg === "-h" || arg === "--help") throw new UsageError("help");
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (!stack) stack = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!stack) throw new UsageError("name the stack whose pins to verify against, e.g. dev");
  if ((document === undefined) === (endpoint === undefined)) throw new UsageError("give exactly one of --document FILE or --endpoint URL");
  const common = { stack, projectDir, json };
  if (document !== undefined) {
    if (apiKeyEnv !== undefined || insecure) throw new UsageError("--api-key-env and --insecure-skip-tls-verify apply to --endpoint only");
    if (nonceHex !== undefined && nonceText !== undefined) throw new UsageError("give --nonce or --nonce-text, not both");
    if (nonceHex !== undefined && !/^([0-9a-fA-F]{2})+$/.test(nonceHex)) throw new UsageError("--nonce takes the nonce bytes as hex (an even number of hex digits)");
    const nonce = nonceHex !== undefined ? Buffer.from(nonceHex, "hex") : nonceText !== undefined ? Buffer.from(nonceText, "utf8") : undefined;
    return { mode: "document", document: path.resolve(cwd, document), ...common, ...(nonce ? { nonce } : {}) };
  }
  if (nonceHex !== undefined || nonceText !== undefined) throw new UsageError("--nonce applies to --document only: live mode sends a fresh random nonce");
  let url: URL;
  try {
    url = new URL(endpoint!);
  } catch {
    throw new UsageError(`--endpoint ${endpoint} is not a URL (e.g. https://prover.example.com)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError(`--endpoint must be https:// (or http:// for a plain-HTTP dev listener), not ${url.protocol}`);
  if (apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) throw new UsageError("--api-key-env takes the NAME of an environment variable, not the key");
  return { mode: "endpoint", endpoint: url, insecureSkipTlsVerify: insecure, ...common, ...(apiKeyEnv ? { apiKeyEnv } : {}) };
}
