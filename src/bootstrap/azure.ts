import { bash, HTTP_REQUEST_FN, renderCloudConfig, shellQuote } from "./cloud-init";
import { AZURE_AGENT_SH } from "./azure-agent";
import { AZURE_SECRETS_PACKAGES, AZURE_SECRETS_PATHS, AZURE_SECRETS_UNIT, azureSecretsFiles, azureSecretsProblems, azureSecretsUnit, SECRET_FILES, type AzureSecretsBootstrapInput } from "./azure-skr";
import { systemdUnitFile, type SystemdUnit } from "./systemd";

/**
 * The Azure confidential VM's workload, as cloud-init custom data: podman runs the proof-server
 * container pinned by digest under systemd (restart on failure, port 6300, a parameters cache on
 * the OS disk), and a drain service holds a scheduled deletion (terminate notification) until the
 * server is idle or the drain time is up. Rendered with the shared helpers (cloud-init.ts,
 * systemd.ts) and judged by cloud-init schema, shellcheck and systemd-analyze in
 * test/bootstrap/azure-validators.test.ts.
 */

export interface AzureBootstrapInput {
  /** `<registry>/<path>@sha256:<hex>`. */
  readonly image: string;
  /** Whether the server serves TLS (the drain script reads /ready with https then). */
  readonly servesTls: boolean;
  readonly port: number;
  /** `MIDNIGHT_PROOF_SERVER_*` settings (checked for secrets in config). */
  readonly env: Readonly<Record<string, string>>;
  /** How long a scheduled deletion waits for running proofs, seconds (below the notification's notBeforeTimeout). */
  readonly drainSeconds: number;
  /** Whether the load balancer probes come from 168.63.129.16 (passthrough): blocked first while draining. */
  readonly blockLoadBalancerProbes: boolean;
  /** The host agent (azure-agent.ts): what it posts to Azure Monitor, as whom, how often. */
  readonly agent: AzureAgentInput;
  /**
   * Secure Key Release on the host (azure-skr.ts): the API key / TLS files unwrapped into tmpfs
   * before the container starts. Absent: the server gets no secrets (the reference build needs none).
   */
  readonly secrets?: AzureSecretsBootstrapInput;
}

export interface AzureAgentInput {
  /** The Fleet dimension's value. */
  readonly fleetName: string;
  /** Custom metrics namespace (`TeeProver/<fleet>`, what the alerts read). */
  readonly metricNamespace: string;
  /** Client id of the VMs' user-assigned identity (holds Monitoring Metrics Publisher on the scale set). */
  readonly identityClientId: string;
  /** Seconds between samples. */
  readonly intervalSeconds: number;
}

/** Custom data is at most 64 KiB once decoded (docs/azure-facts.md). */
export const AZURE_CUSTOM_DATA_MAX_BYTES = 65536;

export const AZURE_PATHS = {
  serverEnv: "/etc/tee-prover/proof-server.env",
  drainEnv: "/etc/tee-prover/drain.env",
  drainScript: "/usr/local/lib/tee-prover/drain-on-terminate.sh",
  agentEnv: "/etc/tee-prover/agent.env",
  agentScript: "/usr/local/lib/tee-prover/host-agent.sh",
  /** Per boot (tmpfs): the agent's mark of the server's first answer. */
  answeredMarker: "/run/tee-prover/server-answered",
  /** Per boot (tmpfs): written by the drain script once a scheduled deletion drains this VM; the agent goes silent. */
  drainingMarker: "/run/tee-prover/draining",
  /** Proving parameters, kept on the OS disk across container restarts. */
  paramsHost: "/var/lib/tee-prover/zk-params",
  /** Where the container reads them: the server takes MIDNIGHT_PP before its default ~/.cache path. */
  paramsContainer: "/var/cache/midnight/zk-params",
} as const;

export const AZURE_UNIT_NAMES = {
  server: "tee-prover-proof-server.service",
  drain: "tee-prover-drain.service",
  agent: "tee-prover-agent.service",
  agentTimer: "tee-prover-agent.timer",
} as const;
export const AZURE_CONTAINER_NAME = "tee-prover-proof-server";
export const AZURE_PACKAGES = ["podman", "jq"] as const;

/** Refuses input that would break a file it is written into. */
export function assertValidAzureBootstrapInput(input: AzureBootstrapInput): void {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9.-]*(:\d+)?\/[a-z0-9._\/-]+@sha256:[0-9a-f]{64}$/.test(input.image)) problems.push(`image "${input.image}" is not pinned by digest`);
  if (!(Number.isInteger(input.port) && input.port > 0 && input.port < 65536)) problems.push(`port ${input.port} is not a TCP port`);
  if (!(Number.isInteger(input.drainSeconds) && input.drainSeconds > 0)) problems.push(`drainSeconds ${input.drainSeconds} must be a positive integer`);
  const { agent } = input;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(agent.identityClientId)) problems.push(`agent.identityClientId "${agent.identityClientId}" is not a client id (GUID)`);
  // The metric post carries both as JSON strings; 256 characters is Azure's limit for namespaces and dimension values.
  for (const [key, value] of [["fleetName", agent.fleetName], ["metricNamespace", agent.metricNamespace]] as const) {
    if (!/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,255}$/.test(value)) problems.push(`agent.${key} "${value}" must be 1-256 letters, digits, / _ . -`);
  }
  if (!(Number.isInteger(agent.intervalSeconds) && agent.intervalSeconds >= 10 && agent.intervalSeconds <= 600)) problems.push(`agent.intervalSeconds ${agent.intervalSeconds} must be an integer 10-600`);
  for (const [name, value] of Object.entries(input.env)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) problems.push(`env name "${name}" is not a variable name`);
    // podman --env-file reads one KEY=value per line, unquoted.
    if (/[\r\n]/.test(value)) problems.push(`env ${name} must be a single line`);
  }
  if (input.secrets) {
    problems.push(...azureSecretsProblems(input.secrets));
    for (const { env } of Object.values(SECRET_FILES)) if (env in input.env) problems.push(`env ${env} is set by the secrets unit; remove it from env`);
  }
  if (problems.length > 0) throw new Error(`invalid Azure bootstrap input: ${problems.join("; ")}`);
}

const DRAIN_SH_HEAD = bash`#!/usr/bin/env bash
# Holds a scheduled deletion of this VM (the scale set's terminate notification, read from the
# Instance Metadata Service) until the proof server is idle or the drain time is up, then approves
# it. Passthrough: first makes the load balancer's probes (from 168.63.129.16) fail, so no new
# connection arrives while running proofs finish.
set -euo pipefail
# shellcheck source=/dev/null
source "\${TEE_PROVER_DRAIN_ENV:-/etc/tee-prover/drain.env}"

events_url="http://169.254.169.254/metadata/scheduledevents?api-version=2020-07-01"
draining_marker="\${TEE_PROVER_DRAINING_MARKER:-/run/tee-prover/draining}"
`;

const DRAIN_SH_MAIN = bash`# Under systemd, stderr is the journal, tagged tee-prover-drain by the unit's SyslogIdentifier=:
# no logger process per line.
log() { printf '%s\n' "$*" >&2; }

self="$(curl --silent --fail -H Metadata:true "http://169.254.169.254/metadata/instance/compute/name?api-version=2021-02-01&format=text")"

idle() {
  request "$TEE_PROVER_SCHEME://127.0.0.1:$TEE_PROVER_PORT/ready" --insecure --max-time 5
  [[ "$response_status" != "000" ]] || return 0
  local busy
  busy="$(jq -r '(.jobsPending // 0) + (.jobsProcessing // 0)' <<<"$response_body" 2>/dev/null || echo 1)"
  [[ "$busy" == "0" ]]
}

while true; do
  events="$(curl --silent --fail -H Metadata:true "$events_url" || echo '{}')"
  event_id="$(jq -r --arg self "$self" 'first(.Events[]? | select(.EventType == "Terminate" and ((.Resources // []) | index($self))) | .EventId) // empty' <<<"$events" 2>/dev/null || true)"
  if [[ -n "$event_id" ]]; then
    log "terminate event $event_id: draining for at most $TEE_PROVER_DRAIN_SECONDS s"
    # The host agent publishes nothing from now on: an emptied, soon deleted VM is not an outage.
    { mkdir -p "\${draining_marker%/*}" && touch "$draining_marker"; } || log "could not mark the VM as draining"
    if [[ "$TEE_PROVER_BLOCK_LB_PROBES" == "true" ]]; then
      # raw PREROUTING: before podman's DNAT, so the probe never reaches the container.
      iptables -t raw -I PREROUTING -s 168.63.129.16 -p tcp --dport "$TEE_PROVER_PORT" -j DROP || log "could not block the load balancer's probes"
    fi
    deadline=$((SECONDS + TEE_PROVER_DRAIN_SECONDS))
    until idle || ((SECONDS >= deadline)); do sleep 5; done
    log "approving terminate event $event_id"
    curl --silent --fail -H Metadata:true -X POST -d "{\"StartRequests\":[{\"EventId\":\"$event_id\"}]}" "$events_url" >/dev/null || log "approval failed; the platform approves at notBeforeTimeout"
    exit 0
  fi
  sleep 10
done
`;

function serverUnit(input: AzureBootstrapInput): SystemdUnit {
  const publish = `--publish ${input.port}:${input.port}`;
  // With secrets: their env file (the API key, the TLS paths) after ours, and the tmpfs directory
  // read-only at the same path. Requires= + After=: no container unless the secrets unit succeeded.
  const secrets = input.secrets
    ? ` --env-file ${AZURE_SECRETS_PATHS.serverEnv} --volume ${AZURE_SECRETS_PATHS.dir}:${AZURE_SECRETS_PATHS.dir}:ro`
    : "";
  const after = input.secrets ? `network-online.target ${AZURE_SECRETS_UNIT}` : "network-online.target";
  return {
    name: AZURE_UNIT_NAMES.server,
    comment: input.secrets
      ? "The Midnight proof server, pinned by digest; restarted whenever it exits; only after its secrets are released."
      : "The Midnight proof server, pinned by digest; restarted whenever it exits.",
    unit: { Description: "Midnight proof server (container pinned by digest)", Wants: "network-online.target", After: after, ...(input.secrets ? { Requires: AZURE_SECRETS_UNIT } : {}) },
    service: {
      Type: "simple",
      ExecStartPre: [`-/usr/bin/podman rm --force ${AZURE_CONTAINER_NAME}`, `/usr/bin/podman pull --quiet ${input.image}`],
      ExecStart: `/usr/bin/podman run --rm --name ${AZURE_CONTAINER_NAME} ${publish} --env-file ${AZURE_PATHS.serverEnv}${secrets} --volume ${AZURE_PATHS.paramsHost}:${AZURE_PATHS.paramsContainer} ${input.image}`,
      ExecStop: `/usr/bin/podman stop --time 30 ${AZURE_CONTAINER_NAME}`,
      Restart: "always",
      RestartSec: 5,
      // The first start pulls the image; a slow registry must not fail the unit.
      TimeoutStartSec: 900,
    },
    install: { WantedBy: "multi-user.target" },
  };
}

const DRAIN_UNIT: SystemdUnit = {
  name: AZURE_UNIT_NAMES.drain,
  comment: "Holds the scale set's terminate notification until running proofs finish.",
  unit: { Description: "Drain the proof server before a scheduled deletion", Wants: "network-online.target", After: `network-online.target ${AZURE_UNIT_NAMES.server}` },
  // SyslogIdentifier: the scripts log to stderr, which systemd sends to the journal, tagged as
  // \`logger -t\` did (systemd.exec(5): StandardError= defaults to the journal; systemd/systemd#8687).
  service: { Type: "simple", ExecStart: AZURE_PATHS.drainScript, Restart: "on-failure", RestartSec: 10, SyslogIdentifier: "tee-prover-drain" },
  install: { WantedBy: "multi-user.target" },
};

const AGENT_UNIT: SystemdUnit = {
  name: AZURE_UNIT_NAMES.agent,
  comment: "One host-agent sample, posted to Azure Monitor. Ordered after the server so that on shutdown it stops first.",
  unit: { Description: "tee-prover host agent sample", Wants: "network-online.target", After: `network-online.target ${AZURE_UNIT_NAMES.server}` },
  // Each request has its own timeout; this bounds the sum.
  service: { Type: "oneshot", ExecStart: AZURE_PATHS.agentScript, TimeoutStartSec: "60s", SyslogIdentifier: "tee-prover-agent" },
};

function agentTimer(intervalSeconds: number): SystemdUnit {
  return {
    name: AZURE_UNIT_NAMES.agentTimer,
    comment: `Samples every ${intervalSeconds} s.`,
    unit: { Description: `tee-prover host agent every ${intervalSeconds} s` },
    timer: { OnBootSec: `${intervalSeconds}s`, OnUnitActiveSec: `${intervalSeconds}s`, AccuracySec: "1s", Unit: AZURE_UNIT_NAMES.agent },
    install: { WantedBy: "timers.target" },
  };
}

const COMMENT = [
  " tee-prover Azure confidential VM bootstrap (Ubuntu CVM image). Rendered by tee-prover-infra.",
  " Nothing secret belongs here: custom data sits in Pulumi state and on the VM's disk. Keys reach",
  " the VM only through Secure Key Release, after attestation.",
].join("\n");

/** The `#cloud-config` document. */
export function renderAzureCloudInit(input: AzureBootstrapInput): string {
  assertValidAzureBootstrapInput(input);
  const env = [`MIDNIGHT_PP=${AZURE_PATHS.paramsContainer}`, ...Object.entries(input.env).map(([k, v]) => `${k}=${v}`)].join("\n");
  const drainEnv = [
    `TEE_PROVER_PORT=${shellQuote(String(input.port))}`,
    `TEE_PROVER_SCHEME=${shellQuote(input.servesTls ? "https" : "http")}`,
    `TEE_PROVER_DRAIN_SECONDS=${shellQuote(String(input.drainSeconds))}`,
    `TEE_PROVER_BLOCK_LB_PROBES=${shellQuote(String(input.blockLoadBalancerProbes))}`,
  ].join("\n");
  const agentEnv = [
    `TEE_PROVER_PORT=${shellQuote(String(input.port))}`,
    `TEE_PROVER_SERVES_TLS=${shellQuote(String(input.servesTls))}`,
    `TEE_PROVER_FLEET_NAME=${shellQuote(input.agent.fleetName)}`,
    `TEE_PROVER_METRIC_NAMESPACE=${shellQuote(input.agent.metricNamespace)}`,
    `TEE_PROVER_IDENTITY_CLIENT_ID=${shellQuote(input.agent.identityClientId)}`,
  ].join("\n");
  return renderCloudConfig(
    {
      package_update: true,
      packages: [...AZURE_PACKAGES, ...(input.secrets ? AZURE_SECRETS_PACKAGES : [])],
      write_files: [
        { path: AZURE_PATHS.serverEnv, content: `${env}\n`, permissions: "0600", owner: "root:root" },
        { path: AZURE_PATHS.drainEnv, content: `${drainEnv}\n`, permissions: "0644", owner: "root:root" },
        { path: AZURE_PATHS.drainScript, content: `${DRAIN_SH_HEAD}\n${HTTP_REQUEST_FN}\n${DRAIN_SH_MAIN}`, permissions: "0755", owner: "root:root" },
        { path: AZURE_PATHS.agentEnv, content: `${agentEnv}\n`, permissions: "0644", owner: "root:root" },
        { path: AZURE_PATHS.agentScript, content: AZURE_AGENT_SH, permissions: "0755", owner: "root:root" },
        systemdUnitFile(serverUnit(input)),
        systemdUnitFile(DRAIN_UNIT),
        systemdUnitFile(AGENT_UNIT),
        systemdUnitFile(agentTimer(input.agent.intervalSeconds)),
        ...(input.secrets ? [...azureSecretsFiles(input.secrets), systemdUnitFile(azureSecretsUnit(AZURE_UNIT_NAMES.server))] : []),
      ],
      runcmd: [
        ["install", "-d", "-m", "0700", AZURE_PATHS.paramsHost],
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", ...(input.secrets ? [AZURE_SECRETS_UNIT] : []), AZURE_UNIT_NAMES.server, AZURE_UNIT_NAMES.drain, AZURE_UNIT_NAMES.agentTimer],
      ],
    },
    COMMENT,
  );
}

/** Custom data as the scale set takes it: base64, refused above 64 KiB decoded. */
export function encodeAzureCustomData(document: string): string {
  const bytes = Buffer.byteLength(document, "utf8");
  if (bytes > AZURE_CUSTOM_DATA_MAX_BYTES) throw new Error(`Azure custom data is ${bytes} bytes; the limit is ${AZURE_CUSTOM_DATA_MAX_BYTES} once decoded`);
  return Buffer.from(document, "utf8").toString("base64");
}
