import { bash } from "./cloud-init";

/**
 * The host agents' look at the local proof server, shared by the Nitro parent's agent
 * (nitro-scripts.ts, CloudWatch) and the Azure VM's agent (azure-agent.ts, Azure Monitor): what
 * counts as alive, when a booting host starts to publish, the job counts and the served
 * certificate's expiry are the same on every cloud; only where the numbers go differs.
 *
 * The functions expect, from the script that includes them: `log`, `request` (HTTP_REQUEST_FN),
 * `base_url` and the array `curl_options`.
 */
export const HOST_AGENT_PROBE_FNS = bash`# "name value unit" per metric, turned into the cloud's request by one jq at the end (a jq per
# metric cost a process start each, every minute on every host).
metric_lines=()
add_metric() {
  metric_lines+=("$1 $2 $3")
}

# True once shutdown has begun (the platform removes this host): the server is stopped on purpose.
host_stopping() {
  [[ "$(systemctl is-system-running 2>/dev/null || true)" == "stopping" ]]
}

# Sets availability: 1 when /health answers 200, or 429 (the server's rate limiter, which counts
# /health too, refused the probe: busy, not down), else 0.
probe_health() {
  request "$base_url/health" "\${curl_options[@]}"
  availability=0
  if [[ "$response_status" == "200" || "$response_status" == "429" ]]; then
    availability=1
  fi
}

# first_answer_or_exit MARKER: a freshly started server needs a moment before it listens, so boot
# ends with its first answer; until then this sample publishes nothing (exit 0). From then on (this
# boot: MARKER lives on a tmpfs) a silent server is reported, not skipped.
first_answer_or_exit() {
  local marker="$1"
  [[ ! -e "$marker" ]] || return 0
  if ((availability == 0)); then
    log "the server has not answered yet this boot; publishing nothing"
    exit 0
  fi
  mkdir -p "$(dirname "$marker")"
  touch "$marker"
}

# Sets jobs_pending and jobs_processing from /ready; false (and logged) when /ready gives no counts.
read_job_counts() {
  local counts
  request "$base_url/ready" "\${curl_options[@]}"
  if [[ -n "\${response_body//[[:space:]]/}" ]] &&
    counts="$(jq -er 'if (.jobsPending | type == "number") and (.jobsProcessing | type == "number")
        then "\(.jobsPending) \(.jobsProcessing)" else false end' 2>/dev/null <<<"$response_body")"; then
    read -r jobs_pending jobs_processing <<<"$counts"
    return 0
  fi
  log "/ready gave no job counts (HTTP $response_status); JobsPending and JobsProcessing not published"
  return 1
}

# tls_days_left PORT: prints the whole days until the certificate served on 127.0.0.1:PORT expires;
# false when no certificate could be read.
tls_days_left() {
  local end_date expires_at
  end_date="$(timeout 10 openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
    openssl x509 -noout -enddate 2>/dev/null)" || return 1
  expires_at="$(date -d "\${end_date#notAfter=}" +%s 2>/dev/null)" || return 1
  echo "$(((expires_at - $(date +%s)) / 86400))"
}
`;
