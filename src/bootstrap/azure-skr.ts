import { bash, shellQuote, type CloudInitFile } from "./cloud-init";
import type { SystemdUnit } from "./systemd";

/**
 * The guest side of Azure Secure Key Release (docs/azure-key-release.md): a systemd oneshot,
 * ordered before the proof-server container, that fetches Microsoft's AzureAttestSKR (pinned by
 * sha256, verified before it runs), reads the wrapped secrets from Key Vault as the scale set's
 * identity, has AzureAttestSKR attest the VM (MAA), release the key and unwrap each secret's data
 * key, then decrypts the secrets (AES-256-GCM, the host's own script) straight into tmpfs for the
 * container. Retries with backoff; when it gives up the unit fails and the container never starts.
 * Only rendered when the stack configures `azure.secrets`.
 */

export interface AzureSecretsBootstrapInput {
  /** The attestation-bound vault, `https://<vault>.vault.azure.net/`. */
  readonly vaultUri: string;
  /** The release key's name: an envelope naming another key is refused. */
  readonly releaseKeyName: string;
  /** The MAA endpoint AzureAttestSKR attests with (the one the release policy names). */
  readonly attestationAuthority: string;
  /** Client id of the scale set's user-assigned identity (IMDS tokens for the vault, IMDS_CLIENT_ID for the tool). */
  readonly identityClientId: string;
  /** The AzureAttestSKR bundle: a tar.gz holding `AzureAttestSKR` and `libazguestattestation.so.1` at its top level. */
  readonly releaseTool: { readonly url: string; readonly sha256: string };
  /** Key Vault secret holding the API key's envelope. */
  readonly apiKeySecret?: string;
  /** Key Vault secret holding the TLS certificate chain's envelope (with tlsKeySecret). */
  readonly tlsCertificateSecret?: string;
  /** Key Vault secret holding the TLS private key's envelope (with tlsCertificateSecret). */
  readonly tlsKeySecret?: string;
  /** The container's user (the TEE image's `proofserver`, uid 1000): owns the TLS files. */
  readonly containerUid: number;
}

export const AZURE_SECRETS_PATHS = {
  env: "/etc/tee-prover/secrets.env",
  script: "/usr/local/lib/tee-prover/release-secrets.sh",
  unwrap: "/usr/local/lib/tee-prover/unwrap-secrets.py",
  /** tmpfs (/run): the TLS files, owned by the container's user, bind-mounted read-only at the same path. */
  dir: "/run/prover-secrets",
  /** tmpfs, root only: what podman reads with --env-file (the API key, the TLS file paths). */
  serverEnv: "/run/tee-prover/proof-server-secrets.env",
} as const;
export const AZURE_SECRETS_UNIT = "tee-prover-secrets.service";
/** Beyond podman and jq: the unwrap script's AES-GCM, and AzureAttestSKR's runtime libraries on Ubuntu 22.04 (its README's "Runtime Dependencies"). */
export const AZURE_SECRETS_PACKAGES = ["python3-cryptography", "libtss2-esys-3.0.2-0", "libcurl4", "libssl3"] as const;

/** File name in the secrets directory (the api key goes to the env file only) and its environment variable. */
export const SECRET_FILES = {
  apiKey: { file: "api-key", env: "MIDNIGHT_PROOF_SERVER_API_KEY" },
  tlsCertificate: { file: "tls-cert.pem", env: "MIDNIGHT_PROOF_SERVER_TLS_CERT" },
  tlsKey: { file: "tls-key.pem", env: "MIDNIGHT_PROOF_SERVER_TLS_KEY" },
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

export function secretPairs(input: AzureSecretsBootstrapInput): [file: string, secret: string][] {
  const pairs: [string, string][] = [];
  if (input.apiKeySecret !== undefined) pairs.push([SECRET_FILES.apiKey.file, input.apiKeySecret]);
  if (input.tlsCertificateSecret !== undefined) pairs.push([SECRET_FILES.tlsCertificate.file, input.tlsCertificateSecret]);
  if (input.tlsKeySecret !== undefined) pairs.push([SECRET_FILES.tlsKey.file, input.tlsKeySecret]);
  return pairs;
}

/** Refuses input that would break the files it is written into (config has said why already). */
export function azureSecretsProblems(input: AzureSecretsBootstrapInput): string[] {
  const problems: string[] = [];
  if (!/^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/$/.test(input.vaultUri)) problems.push(`secrets.vaultUri "${input.vaultUri}" is not https://<vault>.vault.azure.net/`);
  if (!/^[A-Za-z0-9-]{1,127}$/.test(input.releaseKeyName)) problems.push(`secrets.releaseKeyName "${input.releaseKeyName}" is not a key name`);
  if (!/^https:\/\/[a-z0-9-]+(\.[a-z0-9-]+)+\/?$/.test(input.attestationAuthority)) problems.push(`secrets.attestationAuthority "${input.attestationAuthority}" is not an https:// MAA endpoint`);
  if (!GUID.test(input.identityClientId)) problems.push(`secrets.identityClientId "${input.identityClientId}" is not a client id (GUID)`);
  if (!/^https:\/\/[^\s'"\\]+$/.test(input.releaseTool.url)) problems.push(`secrets.releaseTool.url "${input.releaseTool.url}" is not an https:// URL`);
  if (!/^[0-9a-f]{64}$/.test(input.releaseTool.sha256)) problems.push(`secrets.releaseTool.sha256 must be 64 lower-case hex characters`);
  const pairs = secretPairs(input);
  if (pairs.length === 0) problems.push("secrets: name at least one of apiKeySecret, tlsCertificateSecret, tlsKeySecret");
  for (const [, name] of pairs) if (!SECRET_NAME.test(name)) problems.push(`secret name "${name}" is not a Key Vault secret name (1-127 letters, digits, -)`);
  if ((input.tlsKeySecret === undefined) !== (input.tlsCertificateSecret === undefined)) problems.push("secrets: the TLS key and certificate come together");
  if (!(Number.isInteger(input.containerUid) && input.containerUid >= 0 && input.containerUid <= 65535)) problems.push(`secrets.containerUid ${input.containerUid} is not a uid`);
  return problems;
}

/**
 * Decrypts the envelopes (src/azure-secrets/envelope.ts) with the data keys AzureAttestSKR printed
 * (its `-B` output on stdin) and writes the plaintext only where told (tmpfs, checked by the
 * caller), each file created 0400 and replaced atomically. Python's standard library plus
 * python3-cryptography (Ubuntu 22.04 ships 3.4.8; AESGCM exists since 2.0).
 */
export const AZURE_UNWRAP_PY = `#!/usr/bin/python3
# unwrap-secrets.py BATCH OUT_DIR SERVER_ENV CONTAINER_DIR UID < AzureAttestSKR -B output
# Rendered by tee-prover-infra (src/bootstrap/azure-skr.ts); the envelope: src/azure-secrets/envelope.ts.
import base64, binascii, json, os, sys

ENV = {"api-key": "MIDNIGHT_PROOF_SERVER_API_KEY", "tls-cert.pem": "MIDNIGHT_PROOF_SERVER_TLS_CERT", "tls-key.pem": "MIDNIGHT_PROOF_SERVER_TLS_KEY"}


def fail(message):
    print("unwrap-secrets: " + message, file=sys.stderr)
    sys.exit(1)


def b64(value, what, size=None):
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        fail(what + " is not base64")
    if size is not None and len(raw) != size:
        fail("%s is %d bytes, not %d" % (what, len(raw), size))
    return raw


def write(path, data, uid):
    tmp = path + ".new"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
    try:
        os.fchown(fd, uid, uid)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(tmp, path)


def main():
    envelopes_path, out_dir, server_env, container_dir, uid = sys.argv[1:6]
    with open(envelopes_path) as f:
        wanted = json.load(f)["files"]
    try:
        released = json.load(sys.stdin)
    except ValueError:
        released = None
    if not isinstance(released, dict):
        fail("AzureAttestSKR printed no result (its messages are above)")
    results = {r.get("id"): r for r in released.get("results", []) if isinstance(r, dict)}
    lines = []
    for item in wanted:
        fid, name, env = item["id"], item["secret"], item["envelope"]
        if fid not in ENV:
            fail("unexpected file " + fid)
        if env.get("v") != 1 or env.get("alg") != "RSA-OAEP-256" or env.get("enc") != "A256GCM":
            fail(name + ": not a v1 RSA-OAEP-256 / A256GCM envelope (npm run azure:wrap-secret)")
        result = results.get(fid)
        if result is None or not isinstance(result.get("unwrapped"), str):
            fail(name + ": the released key did not unwrap its data key: " + str((result or {}).get("error", "no result")))
        key = b64(result["unwrapped"], name + ": the unwrapped data key", 32)
        iv = b64(env.get("iv"), name + ": iv", 12)
        tag = b64(env.get("tag"), name + ": tag", 16)
        ciphertext = b64(env.get("ciphertext"), name + ": ciphertext")
        # Imported here: loading OpenSSL's bindings is the slow part, not needed to refuse early.
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        try:
            plain = AESGCM(key).decrypt(iv, ciphertext + tag, env["kid"].encode("utf-8"))
        except InvalidTag:
            fail(name + ": authentication failed: ciphertext, tag or kid altered, or wrapped for another key")
        if fid == "api-key":
            text = plain.decode("utf-8", "strict")
            text = text[:-1] if text.endswith("\\n") else text
            if not text or any(c in text for c in "\\r\\n\\0"):
                fail(name + ": the API key must be one non-empty line")
            lines.append(ENV[fid] + "=" + text)
        else:
            write(os.path.join(out_dir, fid), plain, int(uid))
            lines.append(ENV[fid] + "=" + container_dir + "/" + fid)
    write(server_env, ("\\n".join(lines) + "\\n").encode("utf-8"), 0)


main()
`;

const RELEASE_SH_HEAD = bash`#!/usr/bin/env bash
# Attest, release, unwrap: the proof server's secrets into tmpfs, before its container starts
# (docs/azure-key-release.md). Rendered by tee-prover-infra (src/bootstrap/azure-skr.ts).
set -euo pipefail
umask 077
# shellcheck source=/dev/null
source "\${TEE_PROVER_SECRETS_ENV:-/etc/tee-prover/secrets.env}"

imds="\${TEE_PROVER_IMDS:-http://169.254.169.254}"
out_dir="\${TEE_PROVER_SECRETS_DIR:-/run/prover-secrets}"
server_env="\${TEE_PROVER_SECRETS_SERVER_ENV:-/run/tee-prover/proof-server-secrets.env}"
work="\${TEE_PROVER_SKR_WORK:-/run/tee-prover/skr}"
unwrap="\${TEE_PROVER_UNWRAP:-/usr/local/lib/tee-prover/unwrap-secrets.py}"
python="\${TEE_PROVER_PYTHON:-/usr/bin/python3}"
backoff="\${TEE_PROVER_SKR_BACKOFF_SECONDS:-5}"
container_dir=/run/prover-secrets
`;

const RELEASE_SH_MAIN = bash`log() { printf 'tee-prover-secrets: %s\n' "$*" >&2; }

# AzureAttestSKR, checked against its pinned sha256 before anything in it runs. The bundle's files
# land in the work directory (tmpfs), which is also the tool's working directory.
fetch_tool() {
  [[ -x "$work/AzureAttestSKR" ]] && return 0
  curl --silent --show-error --fail --location --max-time 300 -o "$work/tool.tgz" "$TEE_PROVER_SKR_TOOL_URL" || { log "could not download $TEE_PROVER_SKR_TOOL_URL"; return 1; }
  if ! printf '%s  %s\n' "$TEE_PROVER_SKR_TOOL_SHA256" "$work/tool.tgz" | sha256sum --check --status; then
    log "$TEE_PROVER_SKR_TOOL_URL does not match its pinned sha256 $TEE_PROVER_SKR_TOOL_SHA256: not running it"
    return 1
  fi
  tar -xzf "$work/tool.tgz" -C "$work" --no-same-owner || { log "cannot unpack the AzureAttestSKR bundle"; return 1; }
  [[ -x "$work/AzureAttestSKR" ]] || { log "the bundle has no executable AzureAttestSKR at its top level"; return 1; }
}

# The wrapped secrets, read as the scale set's identity, into $work/batch.json: AzureAttestSKR's
# batch input ({keys: [{id, wrapped}]}) plus what the unwrap script needs (files, each envelope).
# Every envelope must name this fleet's key, all the same version; sets $kid.
read_envelopes() {
  local body token pair urls=() ids=() names=() out
  body="$(curl --silent --show-error --fail --max-time 30 -H Metadata:true "$imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net&client_id=$TEE_PROVER_IDENTITY_CLIENT_ID")" || { log "no token for Key Vault from IMDS"; return 1; }
  [[ "$body" =~ \"access_token\":\ *\"([^\"]+)\" ]] || { log "IMDS answered without an access_token"; return 1; }
  token="\${BASH_REMATCH[1]}"
  for pair in $TEE_PROVER_SECRET_NAMES; do
    ids+=("\${pair%%=*}")
    names+=("\${pair#*=}")
    urls+=(-o "$work/secret.\${#urls[@]}.json" "\${TEE_PROVER_VAULT_URI}secrets/\${pair#*=}?api-version=7.4")
  done
  # One curl for every secret; the token on stdin, not in argv where ps would show it.
  printf 'Authorization: Bearer %s\n' "$token" | curl --silent --show-error --fail --fail-early --max-time 60 -H @- "\${urls[@]}" || { log "cannot read the secrets \${names[*]} from $TEE_PROVER_VAULT_URI"; return 1; }
  out="$(jq -rs --arg ids "\${ids[*]}" --arg names "\${names[*]}" --arg prefix "\${TEE_PROVER_VAULT_URI}keys/$TEE_PROVER_RELEASE_KEY_NAME/" '
    ($ids | split(" ")) as $ids | ($names | split(" ")) as $names
    | [to_entries[] | {id: $ids[.key], secret: $names[.key], envelope: (.value.value | (try fromjson catch null))}] as $files
    | ($files[] | select(.envelope | type != "object") | error("secret \(.secret) does not hold an envelope (npm run azure:wrap-secret)")),
      ($files[] | select((.envelope.kid // "") as $k | ($k | startswith($prefix) | not) or ($k[($prefix | length):] | test("\\A[0-9a-f]{32}\\z") | not))
        | error("secret \(.secret) is wrapped for \(.envelope.kid), not for this fleet key \($prefix)<version>: wrap it again")),
      ($files | map(.envelope.kid) | unique | if length > 1 then error("the secrets are wrapped under different key versions \(.): wrap all under one") else .[0] end),
      ({keys: [$files[] | {id, wrapped: .envelope.wrappedKey}], files: $files} | tojson)
  ' "$work"/secret.*.json)" || { log "refusing the wrapped secrets (above)"; return 1; }
  kid="\${out%%$'\n'*}"
  printf '%s\n' "\${out#*$'\n'}" >"$work/batch.json"
}

kid=""
attempt() {
  fetch_tool || return 1
  read_envelopes || return 1
  # One release for all secrets (-B): AzureAttestSKR gets its IMDS token, attests with MAA, releases
  # the key to the vTPM, unwraps each data key (RSA-OAEP, SHA-256 for OAEP and MGF1) and prints
  # them as JSON, straight into the unwrap script. Its working directory is tmpfs: it may link a
  # CA bundle there.
  (cd "$work" && IMDS_CLIENT_ID="$TEE_PROVER_IDENTITY_CLIENT_ID" "$work/AzureAttestSKR" -a "$TEE_PROVER_ATTESTATION_AUTHORITY" -k "$kid" -c imds -H sha256 -G sha256 -B "$work/batch.json") \
    | "$python" "$unwrap" "$work/batch.json" "$out_dir" "$server_env" "$container_dir" "$TEE_PROVER_CONTAINER_UID" \
    || { log "key release or unwrap failed (AzureAttestSKR exits 2 attestation, 3 identity token, 4 release refused, 5 crypto, 6 network)"; return 1; }
}

install -d -m 0700 "$work" "\${server_env%/*}"
install -d -m 0500 -o "$TEE_PROVER_CONTAINER_UID" -g "$TEE_PROVER_CONTAINER_UID" "$out_dir"
# Plaintext goes to tmpfs only: refuse to write anywhere else.
dirs=("$out_dir" "\${server_env%/*}" "$work")
mapfile -t types < <(stat -f -c %T "\${dirs[@]}")
for i in "\${!dirs[@]}"; do
  [[ "\${types[i]:-}" == tmpfs ]] || { log "\${dirs[i]} is not on tmpfs: refusing to write secrets there"; exit 1; }
done
shopt -s nullglob
rm -f -- "$out_dir"/* "$server_env" "$work"/secret.*.json

attempts="$TEE_PROVER_SKR_ATTEMPTS"
for ((i = 1; i <= attempts; i++)); do
  if attempt; then
    log "secrets released and unwrapped into $out_dir (attempt $i)"
    exit 0
  fi
  if ((i < attempts)); then
    delay=$((backoff << (i - 1)))
    ((delay <= 300)) || delay=300
    log "attempt $i of $attempts failed; next in $delay s"
    sleep "$delay"
  fi
done
log "giving up after $attempts attempts: the proof server does not start without its secrets"
exit 1
`;

/** Attempts before the unit fails: with 5 s doubling up to 300 s, about 10 minutes of waiting. */
export const AZURE_SKR_ATTEMPTS = 8;

export function azureSecretsEnv(input: AzureSecretsBootstrapInput): string {
  return [
    `TEE_PROVER_VAULT_URI=${shellQuote(input.vaultUri)}`,
    `TEE_PROVER_RELEASE_KEY_NAME=${shellQuote(input.releaseKeyName)}`,
    `TEE_PROVER_ATTESTATION_AUTHORITY=${shellQuote(input.attestationAuthority)}`,
    `TEE_PROVER_IDENTITY_CLIENT_ID=${shellQuote(input.identityClientId)}`,
    `TEE_PROVER_SKR_TOOL_URL=${shellQuote(input.releaseTool.url)}`,
    `TEE_PROVER_SKR_TOOL_SHA256=${shellQuote(input.releaseTool.sha256)}`,
    `TEE_PROVER_SECRET_NAMES=${shellQuote(secretPairs(input).map(([file, secret]) => `${file}=${secret}`).join(" "))}`,
    `TEE_PROVER_CONTAINER_UID=${shellQuote(String(input.containerUid))}`,
    `TEE_PROVER_SKR_ATTEMPTS=${shellQuote(String(AZURE_SKR_ATTEMPTS))}`,
  ].join("\n") + "\n";
}

export const AZURE_RELEASE_SECRETS_SH = `${RELEASE_SH_HEAD}\n${RELEASE_SH_MAIN}`;

export function azureSecretsFiles(input: AzureSecretsBootstrapInput): CloudInitFile[] {
  return [
    { path: AZURE_SECRETS_PATHS.env, content: azureSecretsEnv(input), permissions: "0644", owner: "root:root" },
    { path: AZURE_SECRETS_PATHS.script, content: AZURE_RELEASE_SECRETS_SH, permissions: "0755", owner: "root:root" },
    { path: AZURE_SECRETS_PATHS.unwrap, content: AZURE_UNWRAP_PY, permissions: "0755", owner: "root:root" },
  ];
}

/**
 * Ordered before the server, which Requires= it: if it fails, systemd never starts the container
 * (a failed requirement fails the dependent job). RemainAfterExit keeps it active, so the server's
 * own restarts do not re-run it. Its start budget covers every attempt and backoff.
 */
export function azureSecretsUnit(serverUnit: string): SystemdUnit {
  return {
    name: AZURE_SECRETS_UNIT,
    comment: "Attest, release the key, unwrap the proof server's secrets into tmpfs. The server Requires= it.",
    unit: { Description: "Release the proof server's secrets (MAA attestation, Secure Key Release)", Wants: "network-online.target", After: "network-online.target", Before: serverUnit },
    service: { Type: "oneshot", RemainAfterExit: "yes", ExecStart: AZURE_SECRETS_PATHS.script, TimeoutStartSec: "25min" },
    install: { WantedBy: "multi-user.target" },
  };
}
