import { bash, HTTP_REQUEST_FN } from "./cloud-init";
import { HOST_AGENT_PROBE_FNS } from "./host-agent-probes";

/**
 * The Azure VM's host agent: one sample per run (a systemd timer), posted to Azure Monitor as
 * custom metrics. Constant text like the Nitro scripts: every value comes from agent.env (data),
 * or from the Instance Metadata Service at run time. Sources of every Azure behaviour it relies on:
 * docs/azure-monitoring.md ("The host agent").
 *
 * Environment overrides (TEE_PROVER_AGENT_ENV, TEE_PROVER_ANSWERED_MARKER,
 * TEE_PROVER_DRAINING_MARKER) exist only so tests can run it; on the VM the defaults apply.
 */

const HEAD = bash`#!/usr/bin/env bash
# One sample of this VM's view of the proof server, posted to Azure Monitor as custom metrics
# against the scale set (the alerts' scope) with the Fleet dimension only. The rules are the Nitro
# agent's (host-agent-probes.ts): nothing before the server first answered this boot, a 429 is
# alive, nothing while this VM drains for a scheduled deletion or shuts down.
set -euo pipefail

# shellcheck source=/dev/null
source "\${TEE_PROVER_AGENT_ENV:-/etc/tee-prover/agent.env}"
answered_marker="\${TEE_PROVER_ANSWERED_MARKER:-/run/tee-prover/server-answered}"
draining_marker="\${TEE_PROVER_DRAINING_MARKER:-/run/tee-prover/draining}"
: "\${TEE_PROVER_PORT:?missing from agent.env}" "\${TEE_PROVER_SERVES_TLS:?missing from agent.env}"
: "\${TEE_PROVER_FLEET_NAME:?missing from agent.env}" "\${TEE_PROVER_METRIC_NAMESPACE:?missing from agent.env}"
: "\${TEE_PROVER_IDENTITY_CLIENT_ID:?missing from agent.env}"
imds="http://169.254.169.254/metadata"

# Under systemd, stderr is the journal, tagged tee-prover-agent by the unit's SyslogIdentifier=:
# no logger process per line (it only wrote each line a second time).
log() {
  printf '%s\n' "$*" >&2
}

# The drain service marks a scheduled deletion: the server is being emptied on purpose.
if [[ -e "$draining_marker" ]]; then
  log "draining for a scheduled deletion; publishing nothing"
  exit 0
fi

curl_options=(--silent --max-time 5)
if [[ "$TEE_PROVER_SERVES_TLS" == "true" ]]; then
  base_url="https://127.0.0.1:$TEE_PROVER_PORT"
  # -k: a liveness probe of the local server, not a check of its identity (the certificate names
  # the public endpoint).
  curl_options+=(-k)
else
  base_url="http://127.0.0.1:$TEE_PROVER_PORT"
fi

`;

const MAIN = bash`
if host_stopping; then
  log "the VM is shutting down; publishing nothing"
  exit 0
fi

probe_health
first_answer_or_exit "$answered_marker"
add_metric Availability "$availability" None
if read_job_counts; then
  add_metric JobsPending "$jobs_pending" Count
  add_metric JobsProcessing "$jobs_processing" Count
fi
if [[ "$TEE_PROVER_SERVES_TLS" == "true" ]]; then
  if days_left="$(tls_days_left "$TEE_PROVER_PORT")"; then
    add_metric TlsCertDaysToExpiry "$days_left" None
  else
    log "could not read the served TLS certificate"
  fi
fi

# Where to post: this VM's scale set, in its region. Read from IMDS, because the custom data that
# carries this script is part of the scale set and cannot name the scale set's id.
if ! compute="$(curl --silent --fail --max-time 5 -H Metadata:true "$imds/instance/compute?api-version=2021-02-01")" ||
  ! target="$(jq -er 'select((.vmScaleSetName // "") != "" and (.location // "") != "")
      | "\(.location) /subscriptions/\(.subscriptionId)/resourceGroups/\(.resourceGroupName)/providers/Microsoft.Compute/virtualMachineScaleSets/\(.vmScaleSetName)"' 2>/dev/null <<<"$compute")"; then
  log "ERROR: IMDS gave no scale set for this VM; nothing published"
  exit 1
fi
read -r region scale_set_id <<<"$target"

# A token for Azure Monitor as the VM's user-assigned identity (named by client id: the VM may
# carry more than one identity).
token_url="$imds/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmonitoring.azure.com%2F&client_id=$TEE_PROVER_IDENTITY_CLIENT_ID"
# The token is read with a bash regex, as the secrets unit reads its Key Vault token: IMDS answers
# one flat JSON object, and a jq process per sample bought nothing.
if ! token_body="$(curl --silent --fail --max-time 10 -H Metadata:true "$token_url")" ||
  [[ ! "$token_body" =~ \"access_token\":\ *\"([^\"]+)\" ]]; then
  log "ERROR: no token for https://monitoring.azure.com/ from IMDS; nothing published"
  exit 1
fi
token="\${BASH_REMATCH[1]}"

# One document per metric (the API takes one metric per document): the value as a single
# measurement (min = max = sum, count 1), so Azure's per-minute aggregation averages the fleet.
# printf's %(...)T is a builtin clock (bash 4.2+): no date process.
TZ=UTC printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1
# shellcheck disable=SC2016 # $time, $namespace and $fleet are jq variables
bodies="$(printf '%s\n' "\${metric_lines[@]}" | jq -R -c --arg time "$now" --arg namespace "$TEE_PROVER_METRIC_NAMESPACE" --arg fleet "$TEE_PROVER_FLEET_NAME" '
  select(length > 0) | split(" ") | (.[1] | tonumber) as $value
  | {time: $time, data: {baseData: {metric: .[0], namespace: $namespace, dimNames: ["Fleet"],
      series: [{dimValues: [$fleet], min: $value, max: $value, sum: $value, count: 1}]}}}')"
failed=0
while IFS= read -r body; do
  # The token goes in through a file descriptor, not argv (which any local user can read).
  if ! curl --silent --fail --max-time 10 -X POST -H "Content-Type: application/json" \
    -H @<(printf 'Authorization: Bearer %s\n' "$token") --data-binary "$body" \
    "https://$region.monitoring.azure.com$scale_set_id/metrics" >/dev/null; then
    log "ERROR: posting \${body:0:120}... failed"
    failed=$((failed + 1))
  fi
done <<<"$bodies"
if ((failed > 0)); then
  exit 1
fi
log "published availability=$availability to $scale_set_id"
`;

export const AZURE_AGENT_SH = `${HEAD}${HTTP_REQUEST_FN}\n${HOST_AGENT_PROBE_FNS}${MAIN}`;
