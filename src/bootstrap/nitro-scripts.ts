import { bash, HTTP_REQUEST_FN } from "./cloud-init";
import { HOST_AGENT_PROBE_FNS } from "./host-agent-probes";

/**
 * The parent-instance scripts of the Nitro bootstrap. They are constant text: every value they
 * need comes from /etc/tee-prover/release.env, which the renderer writes as data. So nothing from
 * config is ever spliced into shell code, and the scripts can be shellchecked and executed in
 * tests exactly as they ship.
 *
 * Environment overrides (TEE_PROVER_RELEASE_ENV, TEE_PROVER_STATE_DIR, ...) exist only so tests
 * can run the scripts against stub `aws`/`nitro-cli` binaries; on the host the defaults apply.
 */

export const NITRO_LIBEXEC_DIR = "/usr/local/libexec/tee-prover";
export const RELEASE_ENV_PATH = "/etc/tee-prover/release.env";
export const STATE_DIR = "/var/lib/tee-prover";
export const LOG_DIR = "/var/log/tee-prover";
/** Per-boot state (tmpfs): cleared at every boot. */
export const RUNTIME_DIR = "/run/tee-prover";
/**
 * Written by run-enclave.sh once this boot's verified enclave first runs; the host agent publishes
 * nothing before it exists, so a booting host never reads as an outage. It survives enclave
 * restarts (a crash after that is reported), not a reboot.
 */
export const ENCLAVE_STARTED_MARKER = `${RUNTIME_DIR}/enclave-started`;
/** Written by host-agent.sh at the server's first answer (200 or 429) after that; it publishes from then on. */
export const SERVER_ANSWERED_MARKER = `${RUNTIME_DIR}/server-answered`;
/** Our allow-list, outside /etc/nitro_enclaves so the package's own vsock-proxy.yaml never matters. */
export const VSOCK_PROXY_CONFIG_PATH = "/etc/tee-prover/vsock-proxy.yaml";

export const NITRO_SCRIPT_PATHS = {
  fetchAndVerifyEif: `${NITRO_LIBEXEC_DIR}/fetch-and-verify-eif.sh`,
  runEnclave: `${NITRO_LIBEXEC_DIR}/run-enclave.sh`,
  forwarder: `${NITRO_LIBEXEC_DIR}/forwarder.sh`,
  kmsProxy: `${NITRO_LIBEXEC_DIR}/kms-proxy.sh`,
  hostAgent: `${NITRO_LIBEXEC_DIR}/host-agent.sh`,
  /** Python, not shell: see nitro-attestation-verifier.ts. */
  verifyAttestation: `${NITRO_LIBEXEC_DIR}/verify-attestation.py`,
} as const;

export const FETCH_AND_VERIFY_EIF_SH = bash`#!/usr/bin/env bash
# Downloads the release's EIF and admits it only if the measurements nitro-cli computes equal the
# pinned PCRs. The EIF reaches its final path only after the check, so run-enclave.sh can never
# start an unverified image.
set -euo pipefail

release_env="\${TEE_PROVER_RELEASE_ENV:-/etc/tee-prover/release.env}"
# shellcheck source=/dev/null
. "$release_env"
state_dir="\${TEE_PROVER_STATE_DIR:-/var/lib/tee-prover}"
: "\${TEE_PROVER_RELEASE_VERSION:?missing from release.env}" "\${TEE_PROVER_EIF_S3_URI:?missing from release.env}"
: "\${TEE_PROVER_PINNED_PCRS:?missing from release.env}" "\${TEE_PROVER_REGION:?missing from release.env}"

log() {
  printf '%s\n' "$*" >&2
  logger -t tee-prover-eif -- "$*" 2>/dev/null || true
}
fail() {
  log "ERROR: $*"
  exit 1
}

eif_path="$state_dir/$TEE_PROVER_RELEASE_VERSION.eif"
download="$eif_path.download"
install -d -m 0700 "$state_dir"
rm -f "$download"
trap 'rm -f "$download"' EXIT

attempt=1
until aws s3 cp --only-show-errors --region "$TEE_PROVER_REGION" "$TEE_PROVER_EIF_S3_URI" "$download"; do
  if ((attempt >= 5)); then
    fail "could not download $TEE_PROVER_EIF_S3_URI after $attempt attempts"
  fi
  log "download attempt $attempt of $TEE_PROVER_EIF_S3_URI failed; retrying"
  sleep "$((attempt * 5))"
  attempt=$((attempt + 1))
done

if ! description="$(nitro-cli describe-eif --eif-path "$download")"; then
  fail "nitro-cli describe-eif failed for $download"
fi
# One jq reads every measurement ("PCRn<TAB>value", lowercased; @tsv escapes a tab, newline or
# backslash in a value, so no value can forge another line: jq manual, "Format strings and
# escaping", https://jqlang.github.io/jq/manual/v1.6/); it fails unless Measurements is an object. The blank check first: jq reads no input at
# all from blank text, and succeeds.
# shellcheck disable=SC2016 # $m is a jq variable
if [[ -z "\${description//[[:space:]]/}" ]] || ! measurements="$(jq -r '.Measurements as $m
    | if ($m | type) == "object" then $m else error("no Measurements object") end
    | to_entries[] | select(.key | test("^PCR[0-9]+$")) | [.key, ((.value // "") | tostring | ascii_downcase)] | @tsv' 2>/dev/null <<<"$description")"; then
  fail "nitro-cli describe-eif printed no Measurements object"
fi
declare -A actual_pcrs=()
while IFS=$'\t' read -r key value; do
  [[ -z "$key" ]] || actual_pcrs["$key"]="$value"
done <<<"$measurements"

# All zeros is what a debug-mode enclave reports: never accepted, not even for a warnOnly PCR.
printf -v all_zero '%096d' 0
failures=0
for index in $TEE_PROVER_PINNED_PCRS; do
  expected_var="TEE_PROVER_PCR\${index}_EXPECTED"
  warn_only_var="TEE_PROVER_PCR\${index}_WARN_ONLY"
  expected="\${!expected_var:?missing from release.env}"
  expected="\${expected,,}"
  warn_only="\${!warn_only_var:-false}"
  actual="\${actual_pcrs["PCR$index"]:-}"
  if [[ "$actual" == "$all_zero" || "$expected" == "$all_zero" ]]; then
    log "ERROR: PCR$index is all zeros (a debug-mode measurement); refusing the EIF"
    failures=$((failures + 1))
  elif [[ "$actual" == "$expected" ]]; then
    log "PCR$index matches the pin"
  elif [[ "$warn_only" == "true" ]]; then
    log "WARNING: PCR$index mismatch (warnOnly, not enforced): expected $expected, actual \${actual:-<missing>}"
  else
    log "ERROR: PCR$index mismatch: expected $expected, actual \${actual:-<missing>}"
    failures=$((failures + 1))
  fi
done
if ((failures > 0)); then
  fail "$failures PCR check(s) failed; refusing to run release $TEE_PROVER_RELEASE_VERSION"
fi

mv -f "$download" "$eif_path"
trap - EXIT
# Older releases' images only take disk space once this one is verified.
find "$state_dir" -maxdepth 1 -name '*.eif' ! -name "$TEE_PROVER_RELEASE_VERSION.eif" -delete
log "verified $eif_path against the pins of release $TEE_PROVER_RELEASE_VERSION"
`;

export const RUN_ENCLAVE_SH = bash`#!/usr/bin/env bash
# Starts the verified EIF in production mode and supervises it: the loop exits non-zero when the
# enclave is gone, so systemd (Restart=always) starts it again. Upstream ships no such unit.
# "run-enclave.sh stop" (ExecStop) terminates the enclave.
set -euo pipefail

release_env="\${TEE_PROVER_RELEASE_ENV:-/etc/tee-prover/release.env}"
# shellcheck source=/dev/null
. "$release_env"
state_dir="\${TEE_PROVER_STATE_DIR:-/var/lib/tee-prover}"
run_dir="\${TEE_PROVER_RUN_DIR:-/run/tee-prover-enclave}"
started_marker="\${TEE_PROVER_STARTED_MARKER:-/run/tee-prover/enclave-started}"
poll_seconds="\${TEE_PROVER_POLL_SECONDS:-10}"
: "\${TEE_PROVER_RELEASE_VERSION:?missing from release.env}" "\${TEE_PROVER_ENCLAVE_CID:?missing from release.env}"
: "\${TEE_PROVER_ENCLAVE_CPU_COUNT:?missing from release.env}" "\${TEE_PROVER_ENCLAVE_MEMORY_MIB:?missing from release.env}"

log() {
  printf '%s\n' "$*" >&2
  logger -t tee-prover-enclave -- "$*" 2>/dev/null || true
}

eif_path="$state_dir/$TEE_PROVER_RELEASE_VERSION.eif"
stop_marker="$run_dir/stopping"

terminate_enclaves() {
  if ! nitro-cli terminate-enclave --all >&2; then
    log "nitro-cli terminate-enclave --all failed"
  fi
}

# Returns 0 when our enclave (matched by CID) runs in production mode, 1 when it is absent or not
# running, 2 when describe-enclaves itself failed.
check_enclave() {
  local enclaves verdict
  if ! enclaves="$(nitro-cli describe-enclaves)"; then
    log "nitro-cli describe-enclaves failed"
    return 2
  fi
  # One jq per poll (every TEE_PROVER_POLL_SECONDS, 10 s, for the host's lifetime): "debug", "running",
  # "state <State>", or nothing when no enclave has our CID (or the output is not a list).
  # shellcheck disable=SC2016 # $cid is a jq variable
  verdict="$(jq -r --argjson cid "$TEE_PROVER_ENCLAVE_CID" 'map(select(.EnclaveCID == $cid)) | first // empty
    | if (.Flags | tostring | contains("DEBUG_MODE")) then "debug"
      elif .State == "RUNNING" then "running"
      else "state \(.State | tostring)" end' <<<"$enclaves")" || verdict=""
  case "$verdict" in
    running) return 0 ;;
    debug)
      log "ERROR: enclave CID $TEE_PROVER_ENCLAVE_CID runs in debug mode (its PCRs read as zeros); terminating it"
      terminate_enclaves
      return 1 ;;
    "")
      log "no enclave with CID $TEE_PROVER_ENCLAVE_CID is running"
      return 1 ;;
    *)
      log "enclave CID $TEE_PROVER_ENCLAVE_CID is in \${verdict}"
      return 1 ;;
  esac
}

if [[ "\${1:-}" == "stop" ]]; then
  mkdir -p "$run_dir"
  touch "$stop_marker"
  log "stop requested: terminating the enclave"
  terminate_enclaves
  exit 0
fi

if [[ ! -f "$eif_path" ]]; then
  log "ERROR: verified EIF $eif_path is missing; tee-prover-eif.service must succeed first"
  exit 1
fi
mkdir -p "$run_dir"
rm -f "$stop_marker"
# An enclave left over from a previous run holds the CPUs, the memory and the CID.
terminate_enclaves

log "starting release $TEE_PROVER_RELEASE_VERSION: $TEE_PROVER_ENCLAVE_CPU_COUNT vCPUs, $TEE_PROVER_ENCLAVE_MEMORY_MIB MiB, CID $TEE_PROVER_ENCLAVE_CID"
# Production mode only. Debug mode would zero the PCRs (so KMS refuses it anyway) and open a console.
nitro-cli run-enclave \
  --eif-path "$eif_path" \
  --cpu-count "$TEE_PROVER_ENCLAVE_CPU_COUNT" \
  --memory "$TEE_PROVER_ENCLAVE_MEMORY_MIB" \
  --enclave-cid "$TEE_PROVER_ENCLAVE_CID"

if ! check_enclave; then
  log "ERROR: the enclave did not come up in production mode"
  terminate_enclaves
  exit 1
fi
log "enclave CID $TEE_PROVER_ENCLAVE_CID is RUNNING; supervising every $poll_seconds s"
# From now on the host agent publishes (see host-agent.sh). Not under $run_dir, which systemd
# removes whenever this unit stops or restarts: a later crash must still be reported.
mkdir -p "$(dirname "$started_marker")"
touch "$started_marker"

# A failing nitro-cli call is tolerated a few times (restarting would kill running proofs); a
# missing enclave is not.
cli_failures=0
while true; do
  sleep "$poll_seconds"
  status=0
  check_enclave || status=$?
  if ((status == 0)); then
    cli_failures=0
    continue
  fi
  if [[ -e "$stop_marker" ]]; then
    log "enclave stopped on request"
    exit 0
  fi
  if ((status == 2)); then
    cli_failures=$((cli_failures + 1))
    if ((cli_failures < 3)); then
      continue
    fi
  fi
  log "ERROR: the enclave is gone or unhealthy; exiting so systemd restarts it"
  exit 1
done
`;

export const FORWARDER_SH = bash`#!/usr/bin/env bash
# Forwards the load balancer's TCP connections to the enclave's vsock port. A byte forwarder
# only: it never terminates TLS, so with a TLS-serving EIF the parent only ever sees ciphertext.
set -euo pipefail

release_env="\${TEE_PROVER_RELEASE_ENV:-/etc/tee-prover/release.env}"
# shellcheck source=/dev/null
. "$release_env"
: "\${TEE_PROVER_HOST_PORT:?missing from release.env}" "\${TEE_PROVER_ENCLAVE_CID:?missing from release.env}"
: "\${TEE_PROVER_ENCLAVE_VSOCK_PORT:?missing from release.env}"

exec socat "TCP-LISTEN:$TEE_PROVER_HOST_PORT,fork,reuseaddr" "VSOCK-CONNECT:$TEE_PROVER_ENCLAVE_CID:$TEE_PROVER_ENCLAVE_VSOCK_PORT"
`;

export const KMS_PROXY_SH = bash`#!/usr/bin/env bash
# Lets the enclave reach the region's KMS endpoint, and nothing else (vsock-proxy.yaml allow-list).
# The enclave sends its attestation document with each KMS request; the parent relays TLS it
# cannot read.
set -euo pipefail

release_env="\${TEE_PROVER_RELEASE_ENV:-/etc/tee-prover/release.env}"
# shellcheck source=/dev/null
. "$release_env"
: "\${TEE_PROVER_KMS_PROXY_VSOCK_PORT:?missing from release.env}" "\${TEE_PROVER_KMS_ENDPOINT:?missing from release.env}"

exec vsock-proxy "$TEE_PROVER_KMS_PROXY_VSOCK_PORT" "$TEE_PROVER_KMS_ENDPOINT" 443 --config /etc/tee-prover/vsock-proxy.yaml
`;

export const HOST_AGENT_SH = bash`#!/usr/bin/env bash
# One sample of the host's view of the prover, published as CloudWatch custom metrics with the
# Fleet dimension only. Every probe tolerates failure: an unreachable server is published as
# Availability 0, never as a script that died before publishing. Its three requests per sample
# count against the server's own rate limit, which covers every route: a 429 means busy, not down.
# The fleet alarms aggregate every host's samples, so a host publishes only while its numbers mean
# something: not before this boot's verified enclave first ran and its server first answered, not
# while the host shuts down.
set -euo pipefail

release_env="\${TEE_PROVER_RELEASE_ENV:-/etc/tee-prover/release.env}"
# shellcheck source=/dev/null
. "$release_env"
meminfo="\${TEE_PROVER_MEMINFO:-/proc/meminfo}"
started_marker="\${TEE_PROVER_STARTED_MARKER:-/run/tee-prover/enclave-started}"
answered_marker="\${TEE_PROVER_ANSWERED_MARKER:-/run/tee-prover/server-answered}"
verifier="\${TEE_PROVER_ATTESTATION_VERIFIER:-/usr/local/libexec/tee-prover/verify-attestation.py}"
: "\${TEE_PROVER_HOST_PORT:?missing from release.env}" "\${TEE_PROVER_EIF_SERVES_TLS:?missing from release.env}"
: "\${TEE_PROVER_ENCLAVE_CID:?missing from release.env}" "\${TEE_PROVER_PCR0_EXPECTED:?missing from release.env}"
: "\${TEE_PROVER_PCR0_WARN_ONLY:?missing from release.env}" "\${TEE_PROVER_FLEET_NAME:?missing from release.env}"
: "\${TEE_PROVER_METRIC_NAMESPACE:?missing from release.env}" "\${TEE_PROVER_REGION:?missing from release.env}"
: "\${TEE_PROVER_ACCEPTED_RELEASES:?missing from release.env}" "\${TEE_PROVER_NITRO_ROOT_SHA256:?missing from release.env}"
: "\${TEE_PROVER_ATTESTATION_MAX_SKEW_SECONDS:?missing from release.env}"

log() {
  printf '%s\n' "$*" >&2
  logger -t tee-prover-agent -- "$*" 2>/dev/null || true
}

if [[ ! -e "$started_marker" ]]; then
  log "this host's enclave has not been verified and started yet this boot; publishing nothing"
  exit 0
fi

curl_options=(--silent --max-time 5)
if [[ "$TEE_PROVER_EIF_SERVES_TLS" == "true" ]]; then
  base_url="https://127.0.0.1:$TEE_PROVER_HOST_PORT"
  # -k: this probe checks liveness through the local forwarder, not the server's identity; the
  # certificate names the public endpoint (or is generated in the enclave). Attestation and the
  # KMS key policy establish identity.
  curl_options+=(-k)
else
  base_url="http://127.0.0.1:$TEE_PROVER_HOST_PORT"
fi

`+HTTP_REQUEST_FN+HOST_AGENT_PROBE_FNS+bash`
# "stopping": shutdown has begun (e.g. the Auto Scaling group terminates this host after draining);
# the enclave is being stopped on purpose.
if host_stopping; then
  log "the host is shutting down; publishing nothing"
  exit 0
fi

probe_health
# The server inside a freshly started enclave needs a moment before it listens.
first_answer_or_exit "$answered_marker"
add_metric Availability "$availability" None

if read_job_counts; then
  add_metric JobsPending "$jobs_pending" Count
  add_metric JobsProcessing "$jobs_processing" Count
fi

# What the enclaves are now (empty when nitro-cli fails). The value is judged by the jq that builds
# the request (below), which saves a jq process per sample.
enclaves="$(nitro-cli describe-enclaves 2>/dev/null)" || enclaves=""
add_metric EnclaveRunning @enclave_running None

# A fresh document, verified as npm run verify verifies it (verify-attestation.py): ES384 signature
# by a certificate chain to the pinned AWS root, our nonce inside the signed document, the PCRs of
# an accepted release (and the parent role's PCR3 when pinned), not a debug enclave, made just now.
# od's spaces and newlines are dropped by bash itself (a tr would be one more process every minute).
nonce="$(od -An -N16 -tx1 /dev/urandom)"
nonce="\${nonce//[[:space:]]/}"
request "$base_url/attestation?nonce=$nonce" "\${curl_options[@]}"
attestation_failures=1
if [[ "$response_status" == "429" ]]; then
  # Rate-limited: no check was made, so it counts neither as a check nor as a failure.
  attestation_failures=skipped
  log "attestation not checked: rate-limited (HTTP 429)"
elif [[ "$response_status" != "200" ]]; then
  log "attestation check failed (HTTP $response_status)"
else
  verdict=0
  report="$("$verifier" --nonce "$nonce" --releases "$TEE_PROVER_ACCEPTED_RELEASES" \
    --root-sha256 "$TEE_PROVER_NITRO_ROOT_SHA256" --pcr3 "\${TEE_PROVER_PCR3_EXPECTED:-}" \
    --max-skew-seconds "$TEE_PROVER_ATTESTATION_MAX_SKEW_SECONDS" <<<"$response_body" 2>&1)" || verdict=$?
  if ((verdict == 0)); then
    attestation_failures=0
  elif ((verdict == 1)); then
    log "attestation NOT verified: \${report//$'\n'/; }"
  else
    # The verifier itself could not run (a broken install, not the enclave): no check was made.
    attestation_failures=skipped
    log "ERROR: attestation not checked: the verifier failed (exit $verdict): \${report//$'\n'/; }"
  fi
fi
if [[ "$attestation_failures" != "skipped" ]]; then
  add_metric AttestationChecks 1 Count
  add_metric AttestationFailures "$attestation_failures" Count
fi

# The allocator reserves the enclave's memory as hugepages: count only what the parent can use.
if memory_percent="$(awk '
  /^MemTotal:/ { total = $2 }
  /^MemAvailable:/ { available = $2; seen = 1 }
  /^Hugetlb:/ { hugetlb = $2 }
  END {
    usable = total - hugetlb
    if (!seen || usable <= 0) exit 1
    printf "%.1f", (usable - available) * 100 / usable
  }' "$meminfo")"; then
  add_metric MemoryUtilization "$memory_percent" Percent
else
  log "could not read memory usage from $meminfo"
fi

if [[ "$TEE_PROVER_EIF_SERVES_TLS" == "true" ]]; then
  if days_left="$(tls_days_left "$TEE_PROVER_HOST_PORT")"; then
    add_metric TlsCertDaysToExpiry "$days_left" None
  else
    log "could not read the served TLS certificate"
  fi
fi

# One jq for the request: every "name value unit" line becomes a datum with the Fleet dimension,
# and EnclaveRunning (@enclave_running) is judged from describe-enclaves' output: 1 when an enclave
# with our CID is RUNNING, not in debug mode, and (when PCR0 is enforced and reported) runs the
# pinned image; 0 for anything else, blank or unparsable output included. It prints
# EnclaveRunning's value, then the request on one line.
# shellcheck disable=SC2016 # $fleet, $enclaves, $cid, $pcr0 and $warn_only are jq variables
if ! request_lines="$(printf '%s\n' "\${metric_lines[@]}" | jq -R -s -r \
  --arg fleet "$TEE_PROVER_FLEET_NAME" --arg enclaves "$enclaves" --argjson cid "$TEE_PROVER_ENCLAVE_CID" \
  --arg pcr0 "\${TEE_PROVER_PCR0_EXPECTED,,}" --arg warn_only "$TEE_PROVER_PCR0_WARN_ONLY" '
  [try ($enclaves | fromjson | any(.[]; .EnclaveCID == $cid and .State == "RUNNING"
      and ((.Flags // "") | tostring | contains("DEBUG_MODE") | not)
      and ($warn_only == "true" or ((.Measurements.PCR0 // $pcr0) | ascii_downcase) == $pcr0)))
    catch false] as $verdicts
  | (if ($verdicts | any) then 1 else 0 end) as $enclave_running
  | ($enclave_running, (split("\n") | map(select(length > 0) | split(" ")
      | {MetricName: .[0], Value: (if .[1] == "@enclave_running" then $enclave_running else (.[1] | tonumber) end),
         Unit: .[2], Dimensions: [{Name: "Fleet", Value: $fleet}]}) | tojson))')"; then
  log "ERROR: could not build the put-metric-data request"
  exit 1
fi
enclave_running="\${request_lines%%$'\n'*}"
metrics="\${request_lines#*$'\n'}"
if ! aws cloudwatch put-metric-data --cli-connect-timeout 5 --cli-read-timeout 10 \
  --namespace "$TEE_PROVER_METRIC_NAMESPACE" --region "$TEE_PROVER_REGION" --metric-data "$metrics"; then
  log "ERROR: put-metric-data failed"
  exit 1
fi
log "published availability=$availability enclave_running=$enclave_running attestation_failures=$attestation_failures"
`;
