import { constants, createHash, generateKeyPairSync, privateDecrypt } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAzureCloudInit, type AzureBootstrapInput } from "../../src/bootstrap/azure";
import { AZURE_SECRETS_PATHS } from "../../src/bootstrap/azure-skr";
import { extractNitroArtifacts } from "../../src/bootstrap/nitro";
import { wrapSecret, type SecretEnvelope } from "../../src/azure-secrets/envelope";
import { main as wrapMain } from "../../src/azure-secrets/wrap-cli";
import { removeDir, requireTool, run, runAsync, scratchDirs, scriptEnv, writeExecutable } from "./helpers";

/**
 * The guest side of Secure Key Release, for real: envelopes made by the operator's wrap command,
 * the host script exactly as rendered run by bash with the real curl, jq, sha256sum, tar and the
 * real unwrap script (python3-cryptography). A server in this process plays IMDS, Key Vault and
 * the download of the AzureAttestSKR bundle; the bundle holds a fake AzureAttestSKR that behaves as
 * the real one documents (getopt flags, IMDS_CLIENT_ID, `-B` JSON in and out, per-key "error"
 * entries, exit 4 and an "SKR HTTP request failed: HTTP 403" line when the release is refused).
 */

const { scratch } = scratchDirs();
/** tmpfs scratch directories (the script refuses anything else for plaintext), removed after the file. */
const shm: string[] = [];
const shmDir = (prefix: string): string => {
  const dir = mkdtempSync(`/dev/shm/tee-prover-${prefix}-`);
  shm.push(dir);
  return dir;
};
afterAll(() => shm.forEach(removeDir));
const CLIENT_ID = "0b0c4f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
const VAULT = "https://prover-dev-a1b2c3.vault.azure.net/";
const KEY_NAME = "prover-dev-release-0123abcd";
const VERSION = "5".repeat(32);
const AUTHORITY = "https://sharedeus.eus.attest.azure.net";
const TOOL_URL = "https://releases.example.com/azure-attest-skr-1.2.tgz";
const TOKEN = "eyJ0eXAiOiJKV1QifQ.vault-token";
const PLAIN = { apiKey: "api-key-Zq8v3Xw2LmR7", cert: "-----BEGIN CERTIFICATE-----\ncert-body-Kd93\n-----END CERTIFICATE-----\n", key: "-----BEGIN PRIVATE KEY-----\nkey-body-Qp71\n-----END PRIVATE KEY-----\n" };
const SECRET_NAMES = { apiKey: "prover-api-key", cert: "prover-tls-cert", key: "prover-tls-key" };

// The fake AzureAttestSKR: the same flags (getopt "a:n:k:c:s:uwrB:H:G:"), -B taking a file, stdout
// only the JSON result, a per-key "error" entry when a key does not unwrap, exit 4 when the release
// is refused. The RSA-OAEP unwrap a released key would do is precomputed by the test with the
// fleet's private key (node's privateDecrypt, OAEP SHA-256) into $FAKE_SKR_STATE/unwrap.json, so
// the fake is bash and one jq; the OAEP parameters are checked against OpenSSL separately below.
const FAKE_SKR = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"$FAKE_SKR_STATE/calls"
while getopts "a:n:k:c:s:uwrB:H:G:" opt; do
  case "$opt" in a) authority="$OPTARG" ;; k) kek="$OPTARG" ;; c) cred="$OPTARG" ;; B) batch="$OPTARG" ;; H) oaep="$OPTARG" ;; G) mgf1="$OPTARG" ;; *) exit 1 ;; esac
done
[[ "$cred" == imds && "$authority" == "$FAKE_SKR_AUTHORITY" && "$oaep/$mgf1" == sha256/sha256 && "$PWD" == "\${0%/*}" ]] || { echo "usage" >&2; exit 1; }
[[ "\${IMDS_CLIENT_ID:-}" == "$FAKE_SKR_CLIENT_ID" ]] || { echo "AAD: IMDS token request failed: identity not found" >&2; exit 3; }
if [[ -f "$FAKE_SKR_STATE/refuse" ]]; then
  echo 'SKR HTTP request failed: HTTP 403: {"error":{"code":"Forbidden","message":"Target environment attestation statement cannot be verified."}}' >&2
  exit 4
fi
[[ "$kek" == "$FAKE_SKR_KID" ]] || { echo "SKR HTTP request failed: HTTP 404: KeyNotFound" >&2; exit 4; }
jq --slurpfile unwrap "$FAKE_SKR_STATE/unwrap.json" '{results: [.keys[] | $unwrap[0][.wrapped] as $u | if $u then {id, unwrapped: $u} else {id, error: "error:02000079:rsa routines::oaep decoding error"} end]}' "$batch"
`;

const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
let fleetKey: ReturnType<typeof pair>;
let otherKey: ReturnType<typeof pair>;
let fixtures: string;
let bundle: Buffer;
let bundleSha: string;
/** The rendered cloud-init's files, rendered once for every run. */
let files: ReturnType<typeof extractNitroArtifacts>["files"];
let stubUrl: string;
/** The key id as the host sees it: the test's vault URI is the stub's. */
let KID: string;
let stubVault: string;
/** What Key Vault holds now (secret name -> value) and what the stub saw. */
let vault: Record<string, string> = {};
const seen: string[] = [];
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const url = new URL(request.url ?? "/", "http://stub");
  seen.push(`${request.method} ${url.pathname}`);
  const json = (status: number, value: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(value));
  };
  if (url.pathname === "/metadata/identity/oauth2/token") {
    const ok = request.headers["metadata"] === "true" && url.searchParams.get("client_id") === CLIENT_ID && url.searchParams.get("resource") === "https://vault.azure.net";
    return ok ? json(200, { access_token: TOKEN, resource: "https://vault.azure.net" }) : json(400, { error: "invalid_request" });
  }
  const secret = /^\/vault\/secrets\/([A-Za-z0-9-]+)$/.exec(url.pathname)?.[1];
  if (secret !== undefined) {
    if (request.headers["authorization"] !== `Bearer ${TOKEN}` || url.searchParams.get("api-version") !== "7.4") return json(401, { error: { code: "Unauthorized" } });
    const value = vault[secret];
    return value === undefined ? json(404, { error: { code: "SecretNotFound" } }) : json(200, { value, id: `${VAULT}secrets/${secret}/${"e".repeat(32)}` });
  }
  if (url.pathname === "/tool/azure-attest-skr-1.2.tgz") {
    response.writeHead(200, { "content-type": "application/gzip" });
    return response.end(bundle);
  }
  json(404, {});
});

beforeAll(async () => {
  for (const tool of ["bash", "jq", "openssl", "tar", "curl"]) requireTool(tool, tool);
  fleetKey = pair();
  otherKey = pair();
  fixtures = scratch("azure-skr");
  writeExecutable(join(fixtures, "bundle", "AzureAttestSKR"), FAKE_SKR);
  writeFileSync(join(fixtures, "bundle", "libazguestattestation.so.1"), "not a library");
  const tar = run("tar", ["-czf", join(fixtures, "bundle.tgz"), "-C", join(fixtures, "bundle"), "."]);
  expect(tar.code, tar.stderr).toBe(0);
  bundle = readFileSync(join(fixtures, "bundle.tgz"));
  bundleSha = createHash("sha256").update(bundle).digest("hex");
  files = extractNitroArtifacts(renderAzureCloudInit(input(bundleSha))).files;
  mkdirSync(join(fixtures, "bin"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stubVault = `${stubUrl}/vault/`;
  KID = `${stubVault}keys/${KEY_NAME}/${VERSION}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const input = (sha256: string): AzureBootstrapInput => ({
  image: `docker.io/midnightntwrk/proof-server@sha256:${"a".repeat(64)}`,
  servesTls: true,
  port: 6300,
  env: {},
  drainSeconds: 630,
  blockLoadBalancerProbes: true,
  agent: { fleetName: "prover-dev", metricNamespace: "TeeProver/prover-dev", identityClientId: CLIENT_ID, intervalSeconds: 60 },
  secrets: {
    vaultUri: VAULT,
    releaseKeyName: KEY_NAME,
    attestationAuthority: AUTHORITY,
    identityClientId: CLIENT_ID,
    releaseTool: { url: TOOL_URL, sha256 },
    apiKeySecret: SECRET_NAMES.apiKey,
    tlsCertificateSecret: SECRET_NAMES.cert,
    tlsKeySecret: SECRET_NAMES.key,
    containerUid: process.getuid?.() ?? 0,
  },
});

const wrap = (plaintext: string, options: { kid?: string; publicKey?: string } = {}) =>
  JSON.stringify(wrapSecret({ publicKeyPem: options.publicKey ?? fleetKey.publicKey, kid: options.kid ?? KID, plaintext: Buffer.from(plaintext) }));
const wrapAll = (options: { kid?: string; publicKey?: string } = {}) => ({
  [SECRET_NAMES.apiKey]: wrap(`${PLAIN.apiKey}\n`, options),
  [SECRET_NAMES.cert]: wrap(PLAIN.cert, options),
  [SECRET_NAMES.key]: wrap(PLAIN.key, options),
});

interface HostRun { code: number; stderr: string; disk: string; tmpfs: string; toolCalls: string[] }

/** The rendered script and its files, with the plaintext's destinations in a tmpfs (/dev/shm) sandbox. */
async function runHost(options: { attempts?: number; sha256?: string; refuse?: boolean; outOnDisk?: boolean } = {}): Promise<HostRun> {
  const sha = bundleSha;
  const disk = scratch("azure-skr-run");
  const tmpfs = shmDir("skr");
  const state = join(disk, "state");
  mkdirSync(state);
  if (options.refuse === true) writeFileSync(join(state, "refuse"), "");
  // What releasing the fleet's key and unwrapping each envelope's data key yields (see FAKE_SKR).
  const unwrapped: Record<string, string | null> = {};
  for (const value of Object.values(vault)) {
    const { wrappedKey } = JSON.parse(value) as SecretEnvelope;
    try {
      unwrapped[wrappedKey] = privateDecrypt({ key: fleetKey.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(wrappedKey, "base64")).toString("latin1");
    } catch {
      unwrapped[wrappedKey] = null;
    }
  }
  writeFileSync(join(state, "unwrap.json"), JSON.stringify(unwrapped));
  // The rendered data file, pointed at the stub (Key Vault, the bundle's URL), with fewer attempts.
  let env = files.find((f) => f.path === AZURE_SECRETS_PATHS.env)!.content
    .replace("TEE_PROVER_SKR_ATTEMPTS='8'", `TEE_PROVER_SKR_ATTEMPTS='${options.attempts ?? 1}'`)
    .replace(`'${VAULT}'`, `'${stubVault}'`)
    .replace(`'${TOOL_URL}'`, `'${stubUrl}/tool/azure-attest-skr-1.2.tgz'`);
  expect(env).toContain(stubVault);
  if (options.sha256 !== undefined) env = env.replace(sha, options.sha256);
  writeFileSync(join(disk, "secrets.env"), env);
  writeFileSync(join(disk, "release-secrets.sh"), files.find((f) => f.path === AZURE_SECRETS_PATHS.script)!.content);
  writeFileSync(join(disk, "unwrap-secrets.py"), files.find((f) => f.path === AZURE_SECRETS_PATHS.unwrap)!.content);
  const result = await runAsync("bash", [join(disk, "release-secrets.sh")], scriptEnv(join(fixtures, "bin"), {
    TEE_PROVER_IMDS: stubUrl,
    FAKE_SKR_STATE: state,
    FAKE_SKR_KID: KID,
    FAKE_SKR_AUTHORITY: AUTHORITY,
    FAKE_SKR_CLIENT_ID: CLIENT_ID,
    TEE_PROVER_SECRETS_ENV: join(disk, "secrets.env"),
    TEE_PROVER_SECRETS_DIR: options.outOnDisk === true ? join(disk, "prover-secrets") : join(tmpfs, "prover-secrets"),
    TEE_PROVER_SECRETS_SERVER_ENV: join(tmpfs, "tee-prover", "proof-server-secrets.env"),
    TEE_PROVER_SKR_WORK: join(tmpfs, "tee-prover", "skr"),
    TEE_PROVER_UNWRAP: join(disk, "unwrap-secrets.py"),
    TEE_PROVER_SKR_BACKOFF_SECONDS: "0",
  }));
  const read = (f: string) => (existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8") : "");
  return { code: result.code, stderr: result.stderr, disk, tmpfs, toolCalls: read("calls").split("\n").filter(Boolean) };
}

/** Every regular file under dir whose bytes contain one of the plaintexts. */
function filesHolding(dir: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const text = readFileSync(path, "latin1");
        if ([PLAIN.apiKey, "cert-body-Kd93", "key-body-Qp71"].some((p) => text.includes(p))) hits.push(path.slice(dir.length + 1));
      }
    }
  };
  walk(dir);
  return hits.sort();
}

describe("the host's attest / release / unwrap unit, run for real", () => {
  it("releases once for all secrets, writes them only to tmpfs (0400, the container's user) and tells the server where", async () => {
    vault = wrapAll();
    const r = await runHost();
    expect(r.code, r.stderr).toBe(0);
    // One release (-B), with the kid of the envelopes, the configured authority, SHA-256 for OAEP and MGF1.
    expect(r.toolCalls).toEqual([`-a ${AUTHORITY} -k ${KID} -c imds -H sha256 -G sha256 -B ${join(r.tmpfs, "tee-prover", "skr", "batch.json")}`]);
    const out = join(r.tmpfs, "prover-secrets");
    expect(readFileSync(join(out, "tls-cert.pem"), "utf8")).toBe(PLAIN.cert);
    expect(readFileSync(join(out, "tls-key.pem"), "utf8")).toBe(PLAIN.key);
    expect(readdirSync(out).sort()).toEqual(["tls-cert.pem", "tls-key.pem"]);
    for (const f of ["tls-cert.pem", "tls-key.pem"]) {
      const st = statSync(join(out, f));
      expect([st.mode & 0o777, st.uid]).toEqual([0o400, process.getuid?.()]);
    }
    expect(statSync(out).mode & 0o777).toBe(0o500);
    const serverEnv = join(r.tmpfs, "tee-prover", "proof-server-secrets.env");
    expect(readFileSync(serverEnv, "utf8")).toBe(
      `MIDNIGHT_PROOF_SERVER_API_KEY=${PLAIN.apiKey}\nMIDNIGHT_PROOF_SERVER_TLS_CERT=/run/prover-secrets/tls-cert.pem\nMIDNIGHT_PROOF_SERVER_TLS_KEY=/run/prover-secrets/tls-key.pem\n`,
    );
    expect(statSync(serverEnv).mode & 0o777).toBe(0o400);
    // Plaintext nowhere but those three files; not on disk, not in the work directory, not in argv.
    expect(filesHolding(r.tmpfs)).toEqual(["prover-secrets/tls-cert.pem", "prover-secrets/tls-key.pem", "tee-prover/proof-server-secrets.env"]);
    expect(filesHolding(r.disk)).toEqual([]);
  });

  it("release refused (403): retries, then fails without writing anything (the server unit Requires= it)", async () => {
    vault = wrapAll();
    const r = await runHost({ attempts: 2, refuse: true });
    expect(r.code).toBe(1);
    expect(r.toolCalls).toHaveLength(2);
    expect(r.stderr).toContain("HTTP 403");
    expect(r.stderr).toMatch(/attempt 1 of 2 failed; next in 0 s[\s\S]*giving up after 2 attempts/);
    expect(readdirSync(join(r.tmpfs, "prover-secrets"))).toEqual([]);
    expect(existsSync(join(r.tmpfs, "tee-prover", "proof-server-secrets.env"))).toBe(false);
    expect([...filesHolding(r.tmpfs), ...filesHolding(r.disk)]).toEqual([]);
  });

  it("refuses an envelope for another key (or a kid with more after the version) before releasing anything", async () => {
    for (const kid of [`${stubVault}keys/someone-elses-key/${VERSION}`, `${stubVault}keys/${KEY_NAME}/${VERSION}\n-k x`]) {
      vault = { ...wrapAll(), [SECRET_NAMES.key]: wrap(PLAIN.key, { kid }) };
      const r = await runHost();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`secret ${SECRET_NAMES.key} is wrapped for ${kid}, not for this fleet key ${stubVault}keys/${KEY_NAME}/<version>`);
      expect(r.toolCalls).toEqual([]);
    }
  });

  it("secrets wrapped under another public key: the release works, the unwrap fails, nothing is written", async () => {
    vault = wrapAll({ publicKey: otherKey.publicKey });
    const r = await runHost();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${SECRET_NAMES.apiKey}: the released key did not unwrap its data key: error:02000079:rsa routines::oaep decoding error`);
    expect(readdirSync(join(r.tmpfs, "prover-secrets"))).toEqual([]);
  });

  it("never runs a bundle that does not match its pinned sha256", async () => {
    vault = wrapAll();
    const r = await runHost({ sha256: "0".repeat(64) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`/tool/azure-attest-skr-1.2.tgz does not match its pinned sha256 ${"0".repeat(64)}: not running it`);
    expect(r.toolCalls).toEqual([]);
    expect(existsSync(join(r.tmpfs, "tee-prover", "skr", "AzureAttestSKR"))).toBe(false);
  });

  it("refuses to write secrets to a directory that is not tmpfs, before asking anyone for anything", async () => {
    vault = wrapAll();
    const before = seen.length;
    const r = await runHost({ outOnDisk: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(r.disk, "prover-secrets")} is not on tmpfs: refusing to write secrets there`);
    // Refused first: no token, no secret read, no download, no release, nothing written.
    expect(seen.length).toBe(before);
    expect(r.toolCalls).toEqual([]);
    expect([...filesHolding(r.tmpfs), ...filesHolding(r.disk)]).toEqual([]);
  });
});

describe("wrap (operator) against unwrap (host), directly", () => {
  interface UnwrapRun { code: number; stderr: string; dir: string }
  interface UnwrapCase { dir: string; script: string; args: string[]; stdin: string }
  /** The unwrap script as rendered, and what AzureAttestSKR would print for these envelopes. */
  function unwrapCase(envelopes: Record<string, SecretEnvelope>, results?: unknown): UnwrapCase {
    const dir = shmDir("unwrap");
    const py = join(dir, "unwrap.py");
    writeFileSync(py, files.find((f) => f.path === AZURE_SECRETS_PATHS.unwrap)!.content);
    writeFileSync(join(dir, "batch.json"), JSON.stringify({ files: Object.entries(envelopes).map(([id, envelope]) => ({ id, secret: `s-${id}`, envelope })) }));
    const released = results ?? {
      results: Object.entries(envelopes).map(([id, e]) => ({ id, unwrapped: privateDecrypt({ key: fleetKey.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(e.wrappedKey, "base64")).toString("ascii") })),
    };
    mkdirSync(join(dir, "out"));
    return { dir, script: py, args: [join(dir, "batch.json"), join(dir, "out"), join(dir, "server.env"), "/run/prover-secrets", String(process.getuid?.() ?? 0)], stdin: JSON.stringify(released) };
  }
  // Runs each case's script as `python3 SCRIPT ARGS < STDIN` would (runpy as __main__, its own argv,
  // stdin, stdout and stderr, its exit status), all in one interpreter: a python3 start with
  // cryptography's bindings is most of a case's CPU.
  const UNWRAP_MANY = `
import contextlib, io, json, runpy, sys, traceback
results = []
for case in json.load(open(sys.argv[1])):
    sys.argv = [case["script"]] + case["args"]
    sys.stdin = io.StringIO(case["stdin"])
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(case["script"], run_name="__main__")
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception:
            traceback.print_exc()
            code = 1
    results.append({"code": code, "stderr": err.getvalue()})
sys.stdout = sys.__stdout__
print(json.dumps(results))
`;
  const envelope = (plaintext: string) => JSON.parse(wrap(plaintext)) as SecretEnvelope;
  let unwrapRuns: Record<"tamperedCiphertext" | "tamperedKid" | "multiLineKey" | "unwrapError" | "noResult", UnwrapRun> | undefined;
  /** Every case of the tests below, run once, whichever test asks first. */
  function unwraps(): NonNullable<typeof unwrapRuns> {
    if (unwrapRuns !== undefined) return unwrapRuns;
    const good = envelope(PLAIN.key);
    const flip = (b64: string) => { const b = Buffer.from(b64, "base64"); b[0]! ^= 1; return b.toString("base64"); };
    const cases = {
      tamperedCiphertext: unwrapCase({ "tls-key.pem": { ...good, ciphertext: flip(good.ciphertext) } }),
      tamperedKid: unwrapCase({ "tls-key.pem": { ...good, kid: `${VAULT}keys/${KEY_NAME}/${"6".repeat(32)}` } }),
      multiLineKey: unwrapCase({ "api-key": envelope("a\nb") }),
      unwrapError: unwrapCase({ "api-key": envelope("k") }, { results: [{ id: "api-key", error: "oaep decoding error" }] }),
      noResult: unwrapCase({ "api-key": envelope("k") }, ""),
    };
    const list = Object.values(cases);
    const file = join(shmDir("unwrap-cases"), "cases.json");
    writeFileSync(file, JSON.stringify(list));
    const r = run("/usr/bin/python3", ["-c", UNWRAP_MANY, file]);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as Array<{ code: number; stderr: string }>;
    expect(results).toHaveLength(list.length);
    const keys = Object.keys(cases) as Array<keyof typeof cases>;
    unwrapRuns = Object.fromEntries(keys.map((k, i) => [k, { ...results[i]!, dir: cases[k].dir }])) as NonNullable<typeof unwrapRuns>;
    return unwrapRuns;
  }

  it("tampered ciphertext or kid fails authentication; nothing is written", () => {
    const runs = unwraps();
    for (const r of [runs.tamperedCiphertext, runs.tamperedKid]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("s-tls-key.pem: authentication failed");
      expect(readdirSync(join(r.dir, "out"))).toEqual([]);
      expect(existsSync(join(r.dir, "server.env"))).toBe(false);
    }
  });

  it("a multi-line API key is refused; a missing unwrap result names the secret", () => {
    const runs = unwraps();
    expect(runs.multiLineKey.stderr).toContain("s-api-key: the API key must be one non-empty line");
    expect(runs.unwrapError.stderr).toContain("s-api-key: the released key did not unwrap its data key: oaep decoding error");
    expect(runs.noResult.stderr).toContain("AzureAttestSKR printed no result");
  });

  it("the data key is wrapped as base64 text with RSA-OAEP SHA-256/MGF1 SHA-256 (what AzureAttestSKR -H sha256 -G sha256 unwraps), the kid is the AAD", () => {
    const e = envelope("x");
    expect(Object.keys(e)).toEqual(["v", "kid", "alg", "wrappedKey", "enc", "iv", "ciphertext", "tag"]);
    expect([Buffer.from(e.iv, "base64").length, Buffer.from(e.tag, "base64").length]).toEqual([12, 16]);
    const dir = shmDir("oaep");
    writeFileSync(join(dir, "wrapped"), Buffer.from(e.wrappedKey, "base64"));
    writeFileSync(join(dir, "key.pem"), fleetKey.privateKey);
    const r = run("openssl", ["pkeyutl", "-decrypt", "-inkey", join(dir, "key.pem"), "-in", join(dir, "wrapped"), "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.from(r.stdout, "base64")).toHaveLength(32);
    expect(r.stdout).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe("npm run azure:wrap-secret", () => {
  const call = (argv: string[], stdin = "") => {
    let stdout = "";
    let stderr = "";
    const code = wrapMain(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), readStdin: () => Buffer.from(stdin) });
    return { code, stdout, stderr };
  };

  it("prints the envelope for a file or stdin; refuses a kid without version, a non-RSA key, missing arguments", () => {
    const KID = `${VAULT}keys/${KEY_NAME}/${VERSION}`;
    const dir = scratch("wrap-cli");
    writeFileSync(join(dir, "key.pem"), fleetKey.publicKey);
    writeFileSync(join(dir, "secret.txt"), "s3cret");
    const ok = call(["--public-key", join(dir, "key.pem"), "--kid", KID, "--in", join(dir, "secret.txt")]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as SecretEnvelope).kid).toBe(KID);
    expect(ok.stdout).not.toContain("s3cret");
    expect(call(["--public-key", join(dir, "key.pem"), "--kid", KID, "--in", "-"], "from stdin").code).toBe(0);
    const noVersion = call(["--public-key", join(dir, "key.pem"), "--kid", `${VAULT}keys/${KEY_NAME}`, "--in", join(dir, "secret.txt")]);
    expect([noVersion.code, noVersion.stderr]).toEqual([2, expect.stringContaining("az keyvault key show")]);
    writeFileSync(join(dir, "ec.pem"), generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } }).publicKey);
    expect(call(["--public-key", join(dir, "ec.pem"), "--kid", KID, "--in", join(dir, "secret.txt")]).stderr).toContain("must be an RSA key");
    expect(call(["--kid", KID]).stderr).toContain("missing --public-key, --in");
    expect(call(["--public-key", join(dir, "nope.pem"), "--kid", KID, "--in", join(dir, "secret.txt")]).code).toBe(2);
  });
});
