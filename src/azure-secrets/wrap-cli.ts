// The wrap command's logic, apart from its entry point (cli.ts), so tests call it in-process.
import { readFileSync } from "node:fs";
import { KEY_ID_WITH_VERSION, WrapError, wrapSecret } from "./envelope";

export const USAGE = "usage: npm run azure:wrap-secret -- --public-key key.pem --kid https://<vault>.vault.azure.net/keys/<name>/<version> --in secret.txt|-";

export interface WrapArgs { readonly publicKey: string; readonly kid: string; readonly input: string }

export function parseWrapArgs(argv: readonly string[]): WrapArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!["--public-key", "--kid", "--in"].includes(flag)) throw new WrapError(`unknown argument ${flag}`);
    if (value === undefined || value.startsWith("--")) throw new WrapError(`${flag} needs a value`);
    if (values.has(flag)) throw new WrapError(`${flag} given twice`);
    values.set(flag, value);
  }
  const missing = ["--public-key", "--kid", "--in"].filter((f) => !values.has(f));
  if (missing.length > 0) throw new WrapError(`missing ${missing.join(", ")}`);
  const kid = values.get("--kid")!;
  if (!KEY_ID_WITH_VERSION.test(kid)) {
    throw new WrapError(`--kid "${kid}" is not a key URI with its version (https://<vault>.vault.azure.net/keys/<name>/<32 hex>); take it from: az keyvault key show --vault-name <vault> --name <key> --query key.kid -o tsv`);
  }
  return { publicKey: values.get("--public-key")!, kid, input: values.get("--in")! };
}

/** Returns the exit code; the envelope goes to stdout, problems to stderr. */
export function main(argv: readonly string[], io: { stdout: (s: string) => void; stderr: (s: string) => void; readStdin: () => Buffer }): number {
  try {
    const args = parseWrapArgs(argv);
    const plaintext = args.input === "-" ? io.readStdin() : readFileSync(args.input);
    const envelope = wrapSecret({ publicKeyPem: readFileSync(args.publicKey, "utf8"), kid: args.kid, plaintext });
    plaintext.fill(0);
    io.stdout(`${JSON.stringify(envelope)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof WrapError || (e instanceof Error && "code" in e && e.code === "ENOENT")) {
      io.stderr(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

