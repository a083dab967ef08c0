import { gunzipSync } from "node:zlib";
import { secretLikeEnv } from "../../src/config/resolve";

// Finds key material in user data and instance metadata, which anyone able to describe the
// instance or template can read (EC2 DescribeInstanceAttribute, compute.viewer, Azure Reader on
// the scale set), and which lands in Pulumi state. The value checks (private PEM blocks, JSON Web
// Tokens) and the name words are src/config/resolve.ts's secretLikeEnv; user data legitimately
// carries key ids, ARNs and measurement hashes, so assignments count only when the name says
// secret, the name is not a reference (…_ARN, …_ID, …_FILE, …) and the value is a literal.

const PUBLIC_PEM = new Set(["CERTIFICATE", "TRUSTED CERTIFICATE", "PUBLIC KEY", "X509 CRL"]);
const REFERENCE_NAME = /_(ARN|ID|IDS|ALIAS|NAME|NAMES|FILE|PATH|DIR|URL|URI|REF|REGION|SECRET_NAME|PARAMETER|PARAM|VERSION|HASH|SHA256|SHA384|DIGEST)$/;
const NOT_LITERAL = /^(\$|\/|arn:|https?:|s3:|projects\/|\{\{|<|%|`)/;

/** User data as the instance sees it: base64 (as launch templates take it), possibly gzipped. */
export function decodeUserData(value: string, base64: boolean): string {
  let bytes: Buffer = base64 && /^[A-Za-z0-9+/\s]+=*\s*$/.test(value) ? Buffer.from(value, "base64") : Buffer.from(value, "utf8");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      // Not gzip after all: judge the bytes as they are.
    }
  }
  return bytes.toString("utf8");
}

/** Why the text holds a secret, one reason per finding (deduplicated). */
export function secretsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]*)-----/g)) if (!PUBLIC_PEM.has(m[1]!)) found.add(`a PEM "${m[1]}" block`);
  if (/\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*/.test(text)) found.add("a JSON Web Token");
  const awsKey = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/.exec(text);
  if (awsKey) found.add(`an AWS access key id (${awsKey[0].slice(0, 8)}…)`);
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+|-\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*["']?([^\s"'#]+)/.exec(line);
    if (!m) continue;
    const name = m[1]!.toUpperCase().replace(/[.-]/g, "_");
    const value = m[2]!;
    // A literal is a token, not an expression of the script (`key = issuer.public_key()`).
    if (REFERENCE_NAME.test(name) || name.includes("PUBLIC") || NOT_LITERAL.test(value) || !/^[A-Za-z0-9+/=_~@!.-]+$/.test(value) || value.length < 8 || /^(true|false|null|none|required|optional)$/i.test(value)) continue;
    const why = secretLikeEnv(name, "");
    if (why) found.add(`an assignment to ${m[1]} (${why})`);
  }
  return [...found];
}

/** A `tee-env-NAME` metadata entry sets the workload's environment: judged as the config check does. */
export function secretInEnvEntry(key: string, value: string): string | undefined {
  const name = key.replace(/^tee-env-/, "");
  return secretLikeEnv(name, value);
}
