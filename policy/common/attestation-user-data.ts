/**
 * Reads EC2 user data the way cloud-init receives it: the launch template holds base64, which may
 * wrap gzip (src/bootstrap/nitro.ts encodeNitroUserData gzips; cloud-init gunzips user data that
 * starts with the gzip magic: https://cloudinit.readthedocs.io/en/latest/explanation/format.html).
 */
import { gunzipSync } from "node:zlib";

const BASE64 = /^[A-Za-z0-9+/=\r\n]+$/;

/** The user data's text, or the input itself when it is not base64. */
export function decodeUserData(userData: string): string {
  const compact = userData.trim();
  if (!BASE64.test(compact)) return userData;
  const bytes = Buffer.from(compact, "base64");
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes).toString("utf8");
  const text = bytes.toString("utf8");
  // Not text after decoding (a plain word that happens to be base64 alphabet): keep the input.
  return /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes("\ufffd") ? text : userData;
}

/**
 * `nitro-cli run-enclave` invocations that start a debug enclave: `--debug-mode` or
 * `--attach-console` (which needs debug mode) on the command line, or `"debug_mode": true` /
 * `"attach_console": true` in an enclave config JSON (the `--config` form), per
 * https://docs.aws.amazon.com/enclaves/latest/user/cmd-nitro-run-enclave.html.
 * Comments are dropped and backslash continuations joined, so a flag on the next line counts and
 * a flag in a comment does not. Returns the offending flags found.
 */
export function debugEnclaveFlags(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, " ");
  const found = new Set<string>();
  for (const rawLine of joined.split(/\r?\n/)) {
    const line = rawLine.replace(/(^|\s)#.*$/, "");
    for (const command of line.split(/;|&&|\|\||\|/)) {
      // YAML list form (runcmd: [nitro-cli, run-enclave, --debug-mode]) and quoting tokenise alike.
      const tokens = command.split(/[\s,[\]"']+/).filter((t) => t !== "");
      const cli = tokens.findIndex((t) => /(^|\/)nitro-cli$/.test(t));
      if (cli < 0 || !tokens.slice(cli + 1).includes("run-enclave")) continue;
      for (const t of tokens.slice(cli + 1)) {
        const flag = /^--(debug-mode|attach-console)(=.*)?$/.exec(t);
        if (flag && !/^=(false|0)$/i.test(flag[2] ?? "")) found.add(`--${flag[1]}`);
      }
    }
  }
  for (const m of joined.matchAll(/"(debug_mode|attach_console)"\s*:\s*true/g)) found.add(`"${m[1]}": true`);
  return [...found];
}

/** Does the text run enclaves at all (the rule's applicability)? */
export function runsEnclaves(text: string): boolean {
  return /nitro-cli|aws-nitro-enclaves-cli|nitro_enclaves/.test(text);
}
