import { bash, HTTP_REQUEST_FN } from "./cloud-init";

/**
 * The GCP fleet prober's script. Constant text, like the Nitro host scripts: every value it needs
 * comes from /etc/tee-prover/prober.env, which the renderer writes as data, so nothing from config
 * is spliced into shell code and the tests run exactly the script that ships.
 *
 * Environment overrides (TEE_PROVER_PROBER_ENV and the three API base URLs) exist only so tests
 * can point the script at a local fake; on the VM the defaults (the real endpoints) apply.
 */

export const GCP_PROBER_LIBEXEC_DIR = "/usr/local/libexec/tee-prover";
export const GCP_PROBER_ENV_PATH = "/etc/tee-prover/prober.env";
export const GCP_PROBER_SCRIPT_PATH = `${GCP_PROBER_LIBEXEC_DIR}/gcp-prober.sh`;

/** The generic_node `namespace` label of every series the prober writes. */
export const GCP_PROBER_NAMESPACE = "tee-prover";

export const GCP_PROBER_SH = bash`#!/usr/bin/env bash
# One sample of a Confidential Space fleet, published as Cloud Monitoring custom metrics
# (README "Alarms"). Confidential Space runs only the workload container, so no agent can run
# beside the proof server: this VM lists the managed instance group's RUNNING instances and asks
# each one's /health and /ready, which need no key. The instances get no credential from it; the
# VM's access token goes only to the metadata server, Compute Engine and Cloud Monitoring.
# An instance that does not answer counts as unhealthy and never stops the sample; one whose rate
# limiter answers 429 is alive (busy) and counts as healthy.
# The VM's service account needs roles/compute.viewer and roles/monitoring.metricWriter.
set -euo pipefail

prober_env="\${TEE_PROVER_PROBER_ENV:-/etc/tee-prover/prober.env}"
# shellcheck source=/dev/null
. "$prober_env"
# Base URLs (scheme and host); the API paths are appended below.
metadata_url="\${TEE_PROVER_METADATA_URL:-http://metadata.google.internal}"
compute_url="\${TEE_PROVER_COMPUTE_URL:-https://compute.googleapis.com}"
monitoring_url="\${TEE_PROVER_MONITORING_URL:-https://monitoring.googleapis.com}"
: "\${TEE_PROVER_FLEET_NAME:?missing from prober.env}" "\${TEE_PROVER_PROJECT:?missing from prober.env}"
: "\${TEE_PROVER_REGION:?missing from prober.env}" "\${TEE_PROVER_INSTANCE_GROUP_MANAGER:?missing from prober.env}"
: "\${TEE_PROVER_PORT:?missing from prober.env}" "\${TEE_PROVER_SERVER_TLS:?missing from prober.env}"
: "\${TEE_PROVER_METRIC_PREFIX:?missing from prober.env}"

# Under systemd, stderr is the journal, tagged tee-prover-prober by the unit's SyslogIdentifier=:
# no logger process per line (it only wrote each line a second time).
log() {
  printf '%s\n' "$*" >&2
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

`+HTTP_REQUEST_FN+bash`
# google_api URL [curl options...]: a request with the access token, read from a file in our
# private directory so the token never appears on a command line (visible to every process).
google_api() {
  local url="$1"
  shift
  request "$url" --max-time 15 --header "@$work/auth-header" "$@"
}

# Sets the caller's pending and processing from the /ready body $1, each when it is a
# non-negative integer, else "-" (not counted). One jq for both, none for an empty body.
job_counts() {
  local counts=""
  if [[ -n "\${1//[[:space:]]/}" ]]; then
    counts="$(jq -r '[.jobsPending, .jobsProcessing] | map(if type == "number" and . >= 0 and . == floor then tostring else "-" end) | join(" ")' <<<"$1" 2>/dev/null)" || counts=""
  fi
  read -r pending processing <<<"$counts" || true
  [[ "\${pending:-}" =~ ^[0-9]+$ ]] || pending="-"
  [[ "\${processing:-}" =~ ^[0-9]+$ ]] || processing="-"
}

request "$metadata_url/computeMetadata/v1/instance/service-accounts/default/token" --max-time 5 --header 'Metadata-Flavor: Google'
token=""
if [[ "$response_status" == "200" ]]; then
  token="$(jq -r '.access_token // empty' <<<"$response_body" 2>/dev/null)" || token=""
fi
if [[ "$response_status" != "200" || ! "$token" =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then
  log "ERROR: no access token from the metadata server (HTTP $response_status)"
  exit 1
fi
printf 'Authorization: Bearer %s\n' "$token" >"$work/auth-header"

# The RUNNING instances' URLs, one per line, over every page of the listing.
list_url="$compute_url/compute/v1/projects/$TEE_PROVER_PROJECT/regions/$TEE_PROVER_REGION/instanceGroupManagers/$TEE_PROVER_INSTANCE_GROUP_MANAGER/listManagedInstances"
: >"$work/instances"
page_token=""
pages=0
while true; do
  url="$list_url"
  if [[ -n "$page_token" ]]; then
    url+="?pageToken=$page_token"
  fi
  google_api "$url" --request POST --data ''
  # One jq per page: the next page's token (URL-encoded, "" on the last page) on the first line,
  # then the RUNNING instances' URLs; it fails when the page holds no list.
  # The blank check first: jq 1.6 -e exits 0 when it reads no input at all.
  if [[ "$response_status" != "200" || -z "\${response_body//[[:space:]]/}" ]] ||
    ! page="$(jq -er '(.managedInstances // []) as $list
        | if ($list | type) != "array" then error("managedInstances is not a list") else
          (.nextPageToken // "" | @uri), ($list[] | select(.instanceStatus == "RUNNING") | .instance // empty) end' 2>/dev/null <<<"$response_body")"; then
    # Without the list the fleet's state is unknown: publishing 0 healthy would be a false page.
    log "ERROR: listManagedInstances failed (HTTP $response_status): \${response_body:0:500}"
    exit 1
  fi
  page_token="\${page%%$'\n'*}"
  if [[ "$page" == *$'\n'* ]]; then
    printf '%s\n' "\${page#*$'\n'}" >>"$work/instances"
  fi
  pages=$((pages + 1))
  if [[ -z "$page_token" ]]; then
    break
  fi
  if ((pages >= 100)); then
    log "WARNING: stopped listing after $pages pages"
    break
  fi
done

probe_options=(--max-time 5 --connect-timeout 3)
if [[ "$TEE_PROVER_SERVER_TLS" == "true" ]]; then
  scheme="https"
  # -k: the prober sends no secret and reads only public status (/health, /ready), so the
  # server's identity does not matter to it; the TEE's certificate is typically self-signed
  # (generated in the TEE). Clients establish identity through attestation, not through this.
  probe_options+=(-k)
else
  scheme="http"
fi

# probe_instance URL RESULT_FILE: writes "<healthy 0|1> <jobsPending|-> <jobsProcessing|->".
probe_instance() {
  local instance_url="$1" result="$2" path ip out health_status ready_status ready_body healthy=0 pending="-" processing="-"
  # Only the path is taken from the listing: the token goes to $compute_url and nowhere else.
  path="\${instance_url#https://*/}"
  if [[ ! "$path" =~ ^compute/v1/projects/[a-z0-9.:-]+/zones/[a-z0-9-]+/instances/[a-z0-9-]+$ ]]; then
    log "unexpected instance URL $instance_url; counted as unhealthy"
  else
    google_api "$compute_url/$path"
    ip=""
    if [[ "$response_status" == "200" ]]; then
      ip="$(jq -r '.networkInterfaces[0].networkIP // empty' <<<"$response_body" 2>/dev/null)" || ip=""
    fi
    if [[ "$response_status" != "200" || ! "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
      log "no internal IP for $instance_url (HTTP $response_status); counted as unhealthy"
    else
      # /health, then /ready, with one curl (one process, and the connection kept for the second):
      # one -o per URL in order, --write-out after each transfer, and without --fail-early a
      # failed transfer does not stop the next (https://everything.curl.dev/cmdline/urls/options,
      # curl's docs/cmdline-opts/fail-early.d). Prints "\n<health status>\n<ready body>\n<ready
      # status>", 000 for a transfer that got no answer.
      out="$(curl --silent "\${probe_options[@]}" --write-out '\n%{http_code}\n' \
        --output /dev/null "$scheme://$ip:$TEE_PROVER_PORT/health" \
        --output - "$scheme://$ip:$TEE_PROVER_PORT/ready" 2>/dev/null)" || true
      out="\${out#$'\n'}"
      health_status="\${out%%$'\n'*}"
      out="\${out#*$'\n'}"
      ready_status="\${out##*$'\n'}"
      ready_body="\${out%$'\n'*}"
      [[ "$health_status" =~ ^[0-9]{3}$ ]] || health_status="000"
      [[ "$ready_status" =~ ^[0-9]{3}$ ]] || ready_status="000"
      # 429 is the server's rate limiter, which counts /health and /ready like any route: the
      # server is alive and busy, not down, and must not page as a lost host.
      if [[ "$health_status" == "200" ]]; then
        healthy=1
      elif [[ "$health_status" == "429" ]]; then
        healthy=1
        log "$ip: /health answered HTTP 429 (rate-limited); counted as alive and busy"
      else
        log "$ip: /health answered HTTP $health_status"
      fi
      if [[ "$ready_status" == "429" && "$healthy" == "0" ]]; then
        healthy=1
        log "$ip: /ready answered HTTP 429 (rate-limited); counted as alive and busy"
      fi
      # The body counts whatever the status: the reference build answers 503 while busy.
      job_counts "$ready_body"
      if [[ "$pending" == "-" || "$processing" == "-" ]]; then
        log "$ip: /ready gave no job counts (HTTP $ready_status)"
      fi
    fi
  fi
  printf '%s %s %s\n' "$healthy" "$pending" "$processing" >"$result"
}

# In parallel, 16 at a time: a silent instance costs seconds, and the sample should not.
probed=0
while IFS= read -r instance_url; do
  probed=$((probed + 1))
  probe_instance "$instance_url" "$work/probe.$probed" </dev/null &
  if ((probed % 16 == 0)); then
    wait
  fi
done <"$work/instances"
wait

healthy=0
pending_max="-"
processing_total="-"
for ((i = 1; i <= probed; i++)); do
  # A probe that died without a result counts as unhealthy.
  h=0 p="-" q="-"
  if [[ -s "$work/probe.$i" ]]; then
    read -r h p q <"$work/probe.$i"
  fi
  if [[ "$h" == "1" ]]; then
    healthy=$((healthy + 1))
  fi
  if [[ "$p" =~ ^[0-9]+$ ]] && { [[ "$pending_max" == "-" ]] || ((p > pending_max)); }; then
    pending_max="$p"
  fi
  if [[ "$q" =~ ^[0-9]+$ ]]; then
    if [[ "$processing_total" == "-" ]]; then
      processing_total=0
    fi
    processing_total=$((processing_total + q))
  fi
done

# printf's %(...)T is a builtin clock (bash 4.2+): no date process.
TZ=UTC printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
# "name value" per series; turned into the timeSeries.create body by one jq (one process, not one
# per series).
series_lines=()
# add_series NAME VALUE: one INT64 GAUGE point at $now on the fleet's generic_node.
add_series() {
  series_lines+=("$1 $2")
}

# Always published, 0 included: "nothing answers" is exactly what the P0 alert is for.
add_series healthy_instances "$healthy"
add_series probed_instances "$probed"
# Only when some instance reported them: a made-up 0 would hide that nobody did.
if [[ "$pending_max" != "-" ]]; then
  add_series jobs_pending_max "$pending_max"
fi
if [[ "$processing_total" != "-" ]]; then
  add_series jobs_processing_total "$processing_total"
fi

printf -v series_text '%s\n' "\${series_lines[@]}"
# shellcheck disable=SC2016 # $prefix, $now, $fleet, $project and $region are jq variables
jq -R -s -c --arg prefix "$TEE_PROVER_METRIC_PREFIX" --arg now "$now" \
  --arg fleet "$TEE_PROVER_FLEET_NAME" --arg project "$TEE_PROVER_PROJECT" --arg region "$TEE_PROVER_REGION" '
  {timeSeries: split("\n") | map(select(length > 0) | split(" ") | {
    metric: {type: "\($prefix)/\(.[0])", labels: {fleet: $fleet}},
    resource: {type: "generic_node", labels: {project_id: $project, location: $region, namespace: "tee-prover", node_id: $fleet}},
    metricKind: "GAUGE",
    valueType: "INT64",
    points: [{interval: {endTime: $now}, value: {int64Value: .[1]}}]
  })}' <<<"$series_text" >"$work/time-series.json"
google_api "$monitoring_url/v3/projects/$TEE_PROVER_PROJECT/timeSeries" --request POST \
  --header 'Content-Type: application/json' --data-binary "@$work/time-series.json"
if [[ "$response_status" != "200" ]]; then
  log "ERROR: timeSeries.create failed (HTTP $response_status): \${response_body:0:500}"
  exit 1
fi
log "published healthy=$healthy probed=$probed jobs_pending_max=$pending_max jobs_processing_total=$processing_total"
`;
