import { renderCloudConfig, shellQuote, type CloudInitFile, type RunCommand } from "./cloud-init";
import type { GcpProberInput } from "./gcp-prober-input";
import { GCP_PROBER_ENV_PATH, GCP_PROBER_NAMESPACE, GCP_PROBER_SCRIPT_PATH, GCP_PROBER_SH } from "./gcp-prober-script";
import { extractNitroArtifacts, type NitroArtifacts } from "./nitro";
import { systemdUnitFile, type SystemdUnit } from "./systemd";

export { GCP_PROBER_ENV_PATH, GCP_PROBER_NAMESPACE, GCP_PROBER_SCRIPT_PATH } from "./gcp-prober-script";

/**
 * The custom metrics the fleet prober writes, as `<metricPrefix>/<name>`: the GCP counterpart of
 * the host agent's metrics (availability, queue depth, jobs processing), sampled from outside the TEE. Every series is
 * an INT64 GAUGE on the monitored resource {@link GCP_PROBER_MONITORED_RESOURCE} with the metric
 * label `fleet`. The alert policies are built on these exact names; the script must write exactly
 * these (the tests run it and compare).
 */
export const GCP_PROBER_METRICS = {
  /** RUNNING instances whose `/health` answered 200. Always written, 0 included. */
  healthy_instances: { metricKind: "GAUGE", valueType: "INT64" },
  /** RUNNING instances in the group, each probed (one whose address cannot be read counts as unhealthy). Always written. */
  probed_instances: { metricKind: "GAUGE", valueType: "INT64" },
  /** Largest `jobsPending` from `/ready` over the instances; not written when none reported it. */
  jobs_pending_max: { metricKind: "GAUGE", valueType: "INT64" },
  /** Sum of `jobsProcessing` from `/ready` over the instances that reported it; not written when none did. */
  jobs_processing_total: { metricKind: "GAUGE", valueType: "INT64" },
} as const;

export type GcpProberMetricName = keyof typeof GCP_PROBER_METRICS;

export const GCP_PROBER_METRIC_NAMES = Object.keys(GCP_PROBER_METRICS) as GcpProberMetricName[];

/** The full metric type, e.g. `custom.googleapis.com/tee_prover/jobs_pending_max`. */
export function gcpProberMetricType(metricPrefix: string, name: GcpProberMetricName): string {
  return `${metricPrefix}/${name}`;
}

/**
 * `generic_node` with labels project_id, location (the region), namespace and node_id (the fleet
 * name): one prober per fleet, so the fleet is the node.
 */
export const GCP_PROBER_MONITORED_RESOURCE = { type: "generic_node", namespace: GCP_PROBER_NAMESPACE } as const;

/** The only metric label: alerts aggregate over the fleet, and instances come and go. */
export const GCP_PROBER_METRIC_LABEL = "fleet";

export const GCP_PROBER_PACKAGES = ["jq", "curl"] as const;

export const GCP_PROBER_UNIT_NAMES = {
  service: "tee-prover-prober.service",
  timer: "tee-prover-prober.timer",
} as const;

const USER_DATA_COMMENT = [
  " tee-prover fleet prober bootstrap (GCP, Ubuntu 24.04). Rendered by tee-prover-infra.",
  " Nothing secret belongs here: user-data is instance metadata, readable by anyone allowed to get",
  " the instance and by every process on it. The prober needs no secret: it reads public status",
  " from the proof servers and authenticates to Google APIs with the VM's service account.",
].join("\n");

/** Refuses input the prober could not run with or that would break a file it is written into. */
export function assertValidGcpProberInput(input: GcpProberInput): void {
  const problems: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  check(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(input.fleetName), `fleetName "${input.fleetName}" must be 1-63 letters, digits, ".", "_" or "-"`);
  check(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(input.project), `project "${input.project}" is not a GCP project id (6-30 lowercase letters, digits, "-")`);
  check(/^[a-z]+-[a-z]+\d+$/.test(input.region), `region "${input.region}" is not a GCP region name such as us-central1`);
  check(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(input.instanceGroupManager),
    `instanceGroupManager "${input.instanceGroupManager}" is not a GCP resource name`,
  );
  check(Number.isInteger(input.port) && input.port >= 1 && input.port <= 65535, `port ${input.port} must be an integer 1-65535`);
  check(typeof input.serverTls === "boolean", "serverTls must be a boolean");
  check(
    /^custom\.googleapis\.com(\/[A-Za-z0-9_]+)+$/.test(input.metricPrefix),
    `metricPrefix "${input.metricPrefix}" must be custom.googleapis.com/<path> (letters, digits, "_", "/"; no trailing "/")`,
  );
  // Cloud Monitoring accepts at most one point per series every 5 s.
  check(
    Number.isInteger(input.intervalSeconds) && input.intervalSeconds >= 10 && input.intervalSeconds <= 3600,
    `intervalSeconds ${input.intervalSeconds} must be an integer 10-3600`,
  );
  if (problems.length > 0) {
    throw new Error(`invalid GCP prober input:\n- ${problems.join("\n- ")}`);
  }
}

/** The data file the script sources: all values it runs with, and nothing secret. */
export function renderGcpProberEnv(input: GcpProberInput): string {
  const entries: Array<[string, string | number | boolean]> = [
    ["TEE_PROVER_FLEET_NAME", input.fleetName],
    ["TEE_PROVER_PROJECT", input.project],
    ["TEE_PROVER_REGION", input.region],
    ["TEE_PROVER_INSTANCE_GROUP_MANAGER", input.instanceGroupManager],
    ["TEE_PROVER_PORT", input.port],
    ["TEE_PROVER_SERVER_TLS", input.serverTls],
    ["TEE_PROVER_METRIC_PREFIX", input.metricPrefix],
  ];
  const lines = entries.map(([key, value]) => `${key}=${shellQuote(String(value))}`);
  return `# Sourced by ${GCP_PROBER_SCRIPT_PATH}. No secrets.\n${lines.join("\n")}\n`;
}

function proberUnits(input: GcpProberInput): SystemdUnit[] {
  const { service, timer } = GCP_PROBER_UNIT_NAMES;
  const interval = `${input.intervalSeconds}s`;
  return [
    {
      name: service,
      comment: [
        `One sample of fleet ${input.fleetName}: probes the instances of ${input.instanceGroupManager}`,
        `and writes ${input.metricPrefix}/* to Cloud Monitoring. Needs no privileges on this VM.`,
      ].join("\n"),
      unit: {
        Description: `tee-prover ${input.fleetName}: fleet prober sample`,
        Wants: "network-online.target",
        After: "network-online.target",
      },
      service: {
        Type: "oneshot",
        ExecStart: GCP_PROBER_SCRIPT_PATH,
        // Probes run 16 at a time, each bounded by curl's timeouts; this bounds the whole sample.
        TimeoutStartSec: "5min",
        // It reads a world-readable file and speaks HTTP: a transient unprivileged user suffices.
        DynamicUser: "yes",
        // The script logs to stderr, which systemd sends to the journal; this tags its lines as
        // \`logger -t\` did (systemd.exec(5) SyslogIdentifier=, StandardError= defaults to the
        // journal; systemd/systemd#8687), without a logger process per line.
        SyslogIdentifier: "tee-prover-prober",
      },
    },
    {
      name: timer,
      comment: `Samples every ${interval}.`,
      unit: { Description: `tee-prover ${input.fleetName}: fleet prober every ${interval}` },
      timer: {
        OnBootSec: interval,
        OnUnitActiveSec: interval,
        AccuracySec: "5s",
        Unit: service,
      },
      install: { WantedBy: "timers.target" },
    },
  ];
}

function proberFiles(input: GcpProberInput): CloudInitFile[] {
  return [
    { path: GCP_PROBER_ENV_PATH, content: renderGcpProberEnv(input), permissions: "0644", owner: "root:root" },
    { path: GCP_PROBER_SCRIPT_PATH, content: GCP_PROBER_SH, permissions: "0755", owner: "root:root" },
    ...proberUnits(input).map(systemdUnitFile),
  ];
}

function proberRunCommands(): RunCommand[] {
  return [
    ["systemctl", "daemon-reload"],
    ["systemctl", "enable", "--now", GCP_PROBER_UNIT_NAMES.timer],
  ];
}

/**
 * Renders the prober VM's user-data (the `user-data` metadata key, read by cloud-init on an
 * Ubuntu 24.04 minimal image): a plain `#cloud-config` document that installs jq and curl, writes
 * the env file, the script and the units, and starts the timer. Pure: the same input always gives
 * the same text.
 */
export function renderGcpProberCloudInit(input: GcpProberInput): string {
  assertValidGcpProberInput(input);
  return renderCloudConfig(
    {
      package_update: true,
      packages: [...GCP_PROBER_PACKAGES],
      write_files: proberFiles(input),
      runcmd: proberRunCommands(),
    },
    USER_DATA_COMMENT,
  );
}

export type GcpProberArtifacts = NitroArtifacts;

/**
 * Parses a rendered document back into its files, scripts, units and commands, for the validators
 * and tests. The parsing is not Nitro-specific; it is the one in nitro.ts, reused rather than copied.
 */
export function extractGcpProberArtifacts(cloudInit: string): GcpProberArtifacts {
  return extractNitroArtifacts(cloudInit);
}
