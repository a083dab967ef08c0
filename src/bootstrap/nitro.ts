import {
  ALL_ZERO_SHA384,
  AWS_NITRO_ROOT_G1_SHA256,
  NITRO_DOCUMENT_MAX_SKEW_MS,
  SHA384_HEX,
  enforcedPcrs,
  pinnedPcrIndices,
  warnOnlyPcrs,
} from "../attestation/pins";
import {
  gzipUserData,
  parseCloudConfig,
  renderCloudConfig,
  renderYamlFile,
  shellQuote,
  type CloudInitFile,
  type FileMode,
  type RunCommand,
} from "./cloud-init";
import type { NitroBootstrapInput } from "./nitro-input";
import { VERIFY_ATTESTATION_PY } from "./nitro-attestation-verifier";
import {
  FETCH_AND_VERIFY_EIF_SH,
  FORWARDER_SH,
  HOST_AGENT_SH,
  KMS_PROXY_SH,
  LOG_DIR,
  NITRO_SCRIPT_PATHS,
  RELEASE_ENV_PATH,
  RUN_ENCLAVE_SH,
  RUNTIME_DIR,
  STATE_DIR,
  VSOCK_PROXY_CONFIG_PATH,
} from "./nitro-scripts";
import { SYSTEMD_SYSTEM_DIR, appendLogDirectives, systemdDropInFile, systemdUnitFile, type SystemdDropIn, type SystemdUnit } from "./systemd";

export { NITRO_SCRIPT_PATHS, RELEASE_ENV_PATH } from "./nitro-scripts";

/**
 * Amazon Linux 2023 packages the parent needs (AWS CLI v2 and python3 are preinstalled).
 * python3-cryptography (36.0.1 on AL2023, a dependency of the AWS CLI that even the minimal AMI
 * ships: https://docs.aws.amazon.com/linux/al2023/release-notes/relnotes-2023.3.20231211.html)
 * is the host agent's attestation verifier's one library; named so that it is there whatever the AMI.
 */
export const NITRO_PACKAGES = [
  "aws-nitro-enclaves-cli",
  "aws-nitro-enclaves-cli-devel",
  "socat",
  "jq",
  "amazon-cloudwatch-agent",
  "python3-cryptography",
] as const;

export const NITRO_UNIT_NAMES = {
  eif: "tee-prover-eif.service",
  enclave: "tee-prover-enclave.service",
  forwarder: "tee-prover-forwarder.service",
  kmsProxy: "tee-prover-kms-proxy.service",
  agent: "tee-prover-agent.service",
  agentTimer: "tee-prover-agent.timer",
} as const;

/** Units of the aws-nitro-enclaves-cli package that ours refer to. */
export const NITRO_PACKAGE_UNITS = {
  allocator: "nitro-enclaves-allocator.service",
  /** The package's own KMS proxy; it would take the same vsock port, so ours conflicts with it. */
  packagedVsockProxy: "nitro-enclaves-vsock-proxy.service",
} as const;

/** Where nitro-enclaves-allocator reads its sizing (a fixed path in the package's script). */
export const ALLOCATOR_CONFIG_PATH = "/etc/nitro_enclaves/allocator.yaml";
/** Our copy of the sizing, in a directory no package owns; installed over the package's at every allocator start. */
export const ALLOCATOR_SOURCE_PATH = "/etc/tee-prover/allocator.yaml";
/** The drop-in that installs our sizing before the allocator reads it. */
export const ALLOCATOR_DROP_IN_PATH = `${SYSTEMD_SYSTEM_DIR}/nitro-enclaves-allocator.service.d/tee-prover.conf`;
export const CLOUDWATCH_AGENT_CONFIG_PATH = "/opt/aws/amazon-cloudwatch-agent/etc/tee-prover.json";
export const CLOUDWATCH_AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl";
export const TMPFILES_CONFIG_PATH = "/etc/tmpfiles.d/tee-prover.conf";
export const LOGROTATE_CONFIG_PATH = "/etc/logrotate.d/tee-prover";
/** EC2 rejects user-data above 16 KiB (raw, before base64). */
export const EC2_USER_DATA_LIMIT_BYTES = 16 * 1024;

const USER_DATA_COMMENT = [
  " tee-prover parent-instance bootstrap (AWS Nitro Enclaves). Rendered by tee-prover-infra.",
  " Nothing secret belongs here: user-data is readable by anyone allowed to describe the instance",
  " and by every process on it through IMDS. The parent only ever relays KMS ciphertext that",
  " the attested enclave alone can decrypt, and this bootstrap needs none.",
].join("\n");

/** `kms.<region>.amazonaws.com`, the only host the enclave may reach through the vsock-proxy. */
export function kmsEndpoint(region: string): string {
  return `kms.${region}.amazonaws.com`;
}

/** Refuses input the host could not run or that would break a file it is written into. */
export function assertValidNitroInput(input: NitroBootstrapInput): void {
  const problems: string[] = [];
  const check = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;

  check(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(input.fleetName), `fleetName "${input.fleetName}" must be 1-63 letters, digits, ".", "_" or "-"`);
  check(/^[a-z]{2}(-[a-z]+)+-\d+$/.test(input.region), `region "${input.region}" is not an AWS region name such as us-east-1`);
  check(isPort(input.hostPort), `hostPort ${input.hostPort} must be an integer 1-65535`);
  check(isPort(input.enclaveVsockPort), `enclaveVsockPort ${input.enclaveVsockPort} must be an integer 1-65535`);
  check(isPort(input.kmsProxyVsockPort), `kmsProxyVsockPort ${input.kmsProxyVsockPort} must be an integer 1-65535`);
  // CIDs 0-2 are reserved and 3 is the parent instance.
  check(
    Number.isInteger(input.enclaveCid) && input.enclaveCid >= 4 && input.enclaveCid < 2 ** 32 - 1,
    `enclaveCid ${input.enclaveCid} must be an integer >= 4 (0-3 are reserved for the hypervisor and the parent)`,
  );
  check(Number.isInteger(input.enclave.cpuCount) && input.enclave.cpuCount >= 1, `enclave.cpuCount ${input.enclave.cpuCount} must be a positive integer`);
  check(Number.isInteger(input.enclave.memoryMiB) && input.enclave.memoryMiB >= 64, `enclave.memoryMiB ${input.enclave.memoryMiB} must be an integer >= 64`);
  // The version names the EIF file on disk.
  check(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(input.release.version), `release.version "${input.release.version}" must be a plain file-name-safe version such as v6.3.1`);
  check(
    input.release.version === input.release.pins.version,
    `release.version "${input.release.version}" differs from the pins' version "${input.release.pins.version}": the pins must describe the EIF that boots`,
  );
  check(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^\s'"\\]+$/.test(input.release.eifS3Uri), `release.eifS3Uri "${input.release.eifS3Uri}" must be s3://bucket/key`);
  for (const index of pinnedPcrIndices(input.release.pins)) {
    const expected = input.release.pins.pcrs[index]?.expected ?? "";
    check(SHA384_HEX.test(expected), `PCR${index} pin must be 96 lowercase hex characters (SHA-384)`);
    check(expected !== ALL_ZERO_SHA384, `PCR${index} pin is all zeros, which is what a debug-mode enclave reports`);
  }
  // The agent's verifier compares the running enclave with these: the booted release must be one.
  const booted = input.acceptedReleases.find((r) => r.version === input.release.version);
  check(
    booted !== undefined && JSON.stringify(booted) === JSON.stringify(input.release.pins),
    `acceptedReleases must hold release ${input.release.version} with the same pins, or the host agent would report every host's attestation as failed`,
  );
  for (const release of input.acceptedReleases) {
    for (const index of pinnedPcrIndices(release)) {
      const expected = release.pcrs[index]?.expected ?? "";
      check(SHA384_HEX.test(expected) && expected !== ALL_ZERO_SHA384, `acceptedReleases ${release.version}: PCR${index} pin must be 96 lowercase hex characters, not all zeros`);
    }
  }
  check(
    input.parentRolePcr3 === null || (SHA384_HEX.test(input.parentRolePcr3) && input.parentRolePcr3 !== ALL_ZERO_SHA384),
    "parentRolePcr3 must be null or 96 lowercase hex characters, not all zeros (a parent without a role)",
  );
  check(
    /^[A-Za-z0-9.\-_/#: ]{1,255}$/.test(input.metricNamespace) && !input.metricNamespace.startsWith("AWS/"),
    `metricNamespace "${input.metricNamespace}" must be a custom CloudWatch namespace (not AWS/...)`,
  );
  check(/^[A-Za-z0-9._\-/#]{1,512}$/.test(input.logGroupName), `logGroupName "${input.logGroupName}" is not a CloudWatch Logs group name`);
  check(
    Number.isInteger(input.agentIntervalSeconds) && input.agentIntervalSeconds >= 10 && input.agentIntervalSeconds <= 3600,
    `agentIntervalSeconds ${input.agentIntervalSeconds} must be an integer 10-3600`,
  );
  if (problems.length > 0) {
    throw new Error(`invalid Nitro bootstrap input:\n- ${problems.join("\n- ")}`);
  }
}

/** The data file every script sources: all values the host runs with, and nothing secret. */
export function renderReleaseEnv(input: NitroBootstrapInput): string {
  const pins = input.release.pins;
  const entries: Array<[string, string | number | boolean]> = [
    ["TEE_PROVER_FLEET_NAME", input.fleetName],
    ["TEE_PROVER_REGION", input.region],
    ["TEE_PROVER_RELEASE_VERSION", input.release.version],
    ["TEE_PROVER_EIF_S3_URI", input.release.eifS3Uri],
    ["TEE_PROVER_PINNED_PCRS", pinnedPcrIndices(pins).join(" ")],
    // For the reader; the scripts derive both from the per-PCR WARN_ONLY flags.
    ["TEE_PROVER_ENFORCED_PCRS", enforcedPcrs(pins).map((p) => p.index).join(" ")],
    ["TEE_PROVER_WARN_ONLY_PCRS", warnOnlyPcrs(pins).join(" ")],
    ...pinnedPcrIndices(pins).flatMap((index): Array<[string, string | boolean]> => {
      const pin = pins.pcrs[index];
      return pin === undefined
        ? []
        : [
            [`TEE_PROVER_PCR${index}_EXPECTED`, pin.expected],
            [`TEE_PROVER_PCR${index}_WARN_ONLY`, pin.warnOnly],
          ];
    }),
    // The host agent's verify-attestation.py: what `npm run verify` pins, and the KMS condition's PCR3.
    ["TEE_PROVER_ACCEPTED_RELEASES", JSON.stringify(input.acceptedReleases)],
    ["TEE_PROVER_PCR3_EXPECTED", input.parentRolePcr3 ?? ""],
    ["TEE_PROVER_NITRO_ROOT_SHA256", AWS_NITRO_ROOT_G1_SHA256],
    ["TEE_PROVER_ATTESTATION_MAX_SKEW_SECONDS", NITRO_DOCUMENT_MAX_SKEW_MS / 1000],
    ["TEE_PROVER_ENCLAVE_CPU_COUNT", input.enclave.cpuCount],
    ["TEE_PROVER_ENCLAVE_MEMORY_MIB", input.enclave.memoryMiB],
    ["TEE_PROVER_ENCLAVE_CID", input.enclaveCid],
    ["TEE_PROVER_ENCLAVE_VSOCK_PORT", input.enclaveVsockPort],
    ["TEE_PROVER_HOST_PORT", input.hostPort],
    ["TEE_PROVER_EIF_SERVES_TLS", input.eifServesTls],
    ["TEE_PROVER_KMS_PROXY_VSOCK_PORT", input.kmsProxyVsockPort],
    ["TEE_PROVER_KMS_ENDPOINT", kmsEndpoint(input.region)],
    ["TEE_PROVER_METRIC_NAMESPACE", input.metricNamespace],
    ["TEE_PROVER_LOG_GROUP", input.logGroupName],
  ];
  const lines = entries.map(([key, value]) => `${key}=${shellQuote(String(value))}`);
  return `# Sourced by ${NITRO_SCRIPT_PATHS.fetchAndVerifyEif} and its sibling scripts. No secrets.\n${lines.join("\n")}\n`;
}

function nitroUnits(input: NitroBootstrapInput): SystemdUnit[] {
  const { eif, enclave, forwarder, kmsProxy, agent, agentTimer } = NITRO_UNIT_NAMES;
  const fleet = input.fleetName;
  const networkOnline = { Wants: "network-online.target", After: "network-online.target" };
  return [
    {
      name: eif,
      comment: "Downloads the release's EIF and refuses it unless its PCRs match the pins.",
      unit: { Description: `tee-prover ${fleet}: fetch and verify EIF ${input.release.version}`, ...networkOnline },
      service: {
        Type: "oneshot",
        RemainAfterExit: "yes",
        ExecStart: NITRO_SCRIPT_PATHS.fetchAndVerifyEif,
        // A oneshot has no start timeout by default; a hung download must not hold boot forever.
        TimeoutStartSec: "20min",
        ...appendLogDirectives(LOG_DIR, eif),
      },
      install: { WantedBy: "multi-user.target" },
    },
    {
      name: enclave,
      comment: "Runs the verified EIF in production mode and restarts it when it stops.",
      unit: {
        Description: `tee-prover ${fleet}: Nitro enclave (release ${input.release.version})`,
        Requires: `${eif} ${NITRO_PACKAGE_UNITS.allocator}`,
        After: `${eif} ${NITRO_PACKAGE_UNITS.allocator}`,
        // Keep trying forever; the load balancer's health check replaces a host that never recovers.
        StartLimitIntervalSec: 0,
      },
      service: {
        Type: "simple",
        ExecStart: NITRO_SCRIPT_PATHS.runEnclave,
        ExecStop: `${NITRO_SCRIPT_PATHS.runEnclave} stop`,
        Restart: "always",
        RestartSec: 5,
        RuntimeDirectory: "tee-prover-enclave",
        ...appendLogDirectives(LOG_DIR, enclave),
      },
      install: { WantedBy: "multi-user.target" },
    },
    {
      name: forwarder,
      comment: `Forwards TCP ${input.hostPort} to vsock ${input.enclaveCid}:${input.enclaveVsockPort}; bytes only, never TLS termination.`,
      unit: { Description: `tee-prover ${fleet}: TCP to enclave vsock forwarder`, After: `network.target ${enclave}` },
      service: {
        Type: "simple",
        ExecStart: NITRO_SCRIPT_PATHS.forwarder,
        Restart: "always",
        RestartSec: 2,
        ...appendLogDirectives(LOG_DIR, forwarder),
      },
      install: { WantedBy: "multi-user.target" },
    },
    {
      name: kmsProxy,
      comment: `Relays the enclave's KMS calls to ${kmsEndpoint(input.region)}:443 only.`,
      unit: {
        Description: `tee-prover ${fleet}: KMS vsock-proxy`,
        ...networkOnline,
        Conflicts: NITRO_PACKAGE_UNITS.packagedVsockProxy,
      },
      service: {
        Type: "simple",
        ExecStart: NITRO_SCRIPT_PATHS.kmsProxy,
        Restart: "always",
        RestartSec: 2,
        ...appendLogDirectives(LOG_DIR, kmsProxy),
      },
      install: { WantedBy: "multi-user.target" },
    },
    {
      name: agent,
      comment: [
        `One host-agent sample, published to CloudWatch namespace ${input.metricNamespace}.`,
        "Publishes only once this boot's enclave ran. Ordered after the enclave so that on shutdown",
        "it is stopped before the enclave is.",
      ].join("\n"),
      unit: { Description: `tee-prover ${fleet}: host agent sample`, Wants: "network-online.target", After: `network-online.target ${enclave}` },
      service: {
        Type: "oneshot",
        ExecStart: NITRO_SCRIPT_PATHS.hostAgent,
        // Each probe has its own timeout; this bounds the sum.
        TimeoutStartSec: "60s",
        ...appendLogDirectives(LOG_DIR, agent),
      },
    },
    {
      name: agentTimer,
      comment: `Samples every ${input.agentIntervalSeconds} s.`,
      unit: { Description: `tee-prover ${fleet}: host agent every ${input.agentIntervalSeconds} s` },
      timer: {
        OnBootSec: `${input.agentIntervalSeconds}s`,
        OnUnitActiveSec: `${input.agentIntervalSeconds}s`,
        AccuracySec: "1s",
        Unit: agent,
      },
      install: { WantedBy: "timers.target" },
    },
  ];
}

function cloudWatchAgentConfig(input: NitroBootstrapInput): string {
  const collect = (filePath: string, stream: string) => ({
    file_path: filePath,
    log_group_name: input.logGroupName,
    log_stream_name: `{instance_id}/${stream}`,
    timezone: "UTC",
  });
  const config = {
    agent: { region: input.region, run_as_user: "root" },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            collect(`${LOG_DIR}/*.log`, "tee-prover"),
            collect("/var/log/nitro_enclaves/*.log", "nitro_enclaves"),
            collect("/var/log/cloud-init-output.log", "cloud-init-output"),
          ],
        },
      },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function file(path: string, content: string, permissions: FileMode): CloudInitFile {
  return { path, content, permissions, owner: "root:root" };
}

/**
 * The allocator reads only /etc/nitro_enclaves/allocator.yaml, which the aws-nitro-enclaves-cli
 * RPM ships as %config(noreplace). Writing that path from cloud-init races the package install
 * (write_files runs before packages:), and `defer: true` needs the optional write_files_deferred
 * module in the distro's cloud.cfg. Instead our sizing lives at ALLOCATOR_SOURCE_PATH (plain
 * write_files, no package owns it) and this drop-in installs it over the package's file before
 * every allocator start: on the first boot and on every later one, whatever rpm left there.
 * Sources: docs/aws-boot-rollout-and-alarms.md ("Enclave sizing").
 */
function allocatorDropIn(): SystemdDropIn {
  return {
    unitName: NITRO_PACKAGE_UNITS.allocator,
    name: "tee-prover.conf",
    comment: `Installs ${ALLOCATOR_SOURCE_PATH} (the fleet's enclave sizing) as ${ALLOCATOR_CONFIG_PATH} before the allocator reads it.`,
    service: { ExecStartPre: `/usr/bin/install -D -m 0644 ${ALLOCATOR_SOURCE_PATH} ${ALLOCATOR_CONFIG_PATH}` },
  };
}

function nitroFiles(input: NitroBootstrapInput): CloudInitFile[] {
  return [
    // Neither is deferred: both paths belong to us, so they can be written before packages install.
    file(
      ALLOCATOR_SOURCE_PATH,
      renderYamlFile({ memory_mib: input.enclave.memoryMiB, cpu_count: input.enclave.cpuCount }, { documentStart: true }),
      "0644",
    ),
    systemdDropInFile(allocatorDropIn()),
    // kms-proxy.sh passes this path to vsock-proxy --config, so the package's default is never read.
    file(
      VSOCK_PROXY_CONFIG_PATH,
      renderYamlFile({ allowlist: [{ address: kmsEndpoint(input.region), port: 443 }] }, { flowMappingsInLists: true }),
      "0644",
    ),
    file(RELEASE_ENV_PATH, renderReleaseEnv(input), "0644"),
    // systemd opens StandardOutput=append: files before it would create LogsDirectory=, so the
    // directories must exist first: tmpfiles.d creates them on every boot, runcmd on the first.
    file(TMPFILES_CONFIG_PATH, `d ${STATE_DIR} 0700 root root -\nd ${LOG_DIR} 0750 root root -\nd ${RUNTIME_DIR} 0755 root root -\n`, "0644"),
    // append: keeps the file open, so rotate by copy and truncate.
    file(
      LOGROTATE_CONFIG_PATH,
      `${LOG_DIR}/*.log {\n  daily\n  rotate 7\n  maxsize 50M\n  missingok\n  notifempty\n  compress\n  copytruncate\n}\n`,
      "0644",
    ),
    file(NITRO_SCRIPT_PATHS.fetchAndVerifyEif, FETCH_AND_VERIFY_EIF_SH, "0755"),
    file(NITRO_SCRIPT_PATHS.runEnclave, RUN_ENCLAVE_SH, "0755"),
    file(NITRO_SCRIPT_PATHS.forwarder, FORWARDER_SH, "0755"),
    file(NITRO_SCRIPT_PATHS.kmsProxy, KMS_PROXY_SH, "0755"),
    file(NITRO_SCRIPT_PATHS.hostAgent, HOST_AGENT_SH, "0755"),
    file(NITRO_SCRIPT_PATHS.verifyAttestation, VERIFY_ATTESTATION_PY, "0755"),
    ...nitroUnits(input).map(systemdUnitFile),
    file(CLOUDWATCH_AGENT_CONFIG_PATH, cloudWatchAgentConfig(input), "0644"),
  ];
}

function nitroRunCommands(): RunCommand[] {
  const { eif, enclave, forwarder, kmsProxy, agentTimer } = NITRO_UNIT_NAMES;
  return [
    ["systemd-tmpfiles", "--create", TMPFILES_CONFIG_PATH],
    ["systemctl", "daemon-reload"],
    // Reserves the enclave's CPUs and hugepages, now and at every boot; the drop-in (loaded by the
    // daemon-reload above) installs our allocator.yaml first each time.
    ["systemctl", "enable", "--now", NITRO_PACKAGE_UNITS.allocator],
    [CLOUDWATCH_AGENT_CTL, "-a", "fetch-config", "-m", "ec2", "-s", "-c", `file:${CLOUDWATCH_AGENT_CONFIG_PATH}`],
    // Plumbing and the agent's timer first; the agent stays silent until the enclave first runs,
    // so a booting host (or one whose EIF is refused) never counts against the fleet alarms: the
    // load balancer's health check and the boot grace deal with it.
    ["systemctl", "enable", "--now", kmsProxy, forwarder, agentTimer],
    // Blocks until the EIF is verified (or refused); then the enclave starts.
    ["systemctl", "enable", "--now", eif, enclave],
  ];
}

/**
 * Renders the parent instance's user-data: a plain `#cloud-config` document for Amazon Linux 2023
 * that installs the Nitro tooling, writes the scripts/units/configs above, and starts them.
 * Pure: the same input always gives the same text.
 */
export function renderNitroCloudInit(input: NitroBootstrapInput): string {
  assertValidNitroInput(input);
  return renderCloudConfig(
    {
      package_update: false,
      packages: [...NITRO_PACKAGES],
      write_files: nitroFiles(input),
      runcmd: nitroRunCommands(),
    },
    USER_DATA_COMMENT,
  );
}

/**
 * What a launch template's `userData` takes: base64 of the gzip-compressed document. The plain
 * document is larger than EC2's 16 KiB user-data limit; cloud-init decompresses it on boot.
 * Note: the compressed bytes come from Node's bundled zlib, so a different Node build may
 * compress the same document differently (and show a userData diff); the document is the truth.
 */
export function encodeNitroUserData(cloudInit: string): string {
  const compressed = gzipUserData(cloudInit);
  if (compressed.length > EC2_USER_DATA_LIMIT_BYTES) {
    throw new Error(`Nitro user-data is ${compressed.length} bytes compressed; EC2 accepts at most ${EC2_USER_DATA_LIMIT_BYTES}`);
  }
  return compressed.toString("base64");
}

export interface ExtractedScript {
  readonly path: string;
  readonly content: string;
  /** The interpreter named in the shebang (`bash`, `sh`), for shellcheck's `-s`. */
  readonly shell: string;
}

/** Shells shellcheck reads; other executables (the Python verifier) are files, not scripts. */
const SHELLS = new Set(["sh", "bash"]);

export interface ExtractedUnit {
  readonly name: string;
  readonly content: string;
}

export interface ExtractedFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: string;
  readonly owner: string;
  /** Written in cloud-init's final stage, after packages are installed. */
  readonly defer: boolean;
}

export interface NitroArtifacts {
  readonly packages: readonly string[];
  readonly files: readonly ExtractedFile[];
  readonly scripts: readonly ExtractedScript[];
  readonly units: readonly ExtractedUnit[];
  /** Drop-ins for units other packages ship, named `<unit>.d/<file>.conf`. */
  readonly dropIns: readonly ExtractedUnit[];
  readonly runcmd: readonly RunCommand[];
}

const SHEBANG = /^#!\s*(?:\/usr\/bin\/env\s+(\S+)|\/(?:usr\/)?bin\/(\S+))/;

/** Parses a rendered document back into its artifacts, for the validators and tests. */
export function extractNitroArtifacts(cloudInit: string): NitroArtifacts {
  const config = parseCloudConfig(cloudInit);
  const files: ExtractedFile[] = (config.write_files ?? []).map((f) => ({
    path: f.path,
    content: f.content,
    permissions: String(f.permissions),
    owner: f.owner,
    defer: f.defer === true,
  }));
  const scripts = files.flatMap((f): ExtractedScript[] => {
    const match = SHEBANG.exec(f.content);
    const shell = match?.[1] ?? match?.[2];
    return shell === undefined || !SHELLS.has(shell) ? [] : [{ path: f.path, content: f.content, shell }];
  });
  const underSystemd = files
    .filter((f) => f.path.startsWith(`${SYSTEMD_SYSTEM_DIR}/`))
    .map((f) => ({ name: f.path.slice(SYSTEMD_SYSTEM_DIR.length + 1), content: f.content }));
  const units = underSystemd.filter((u) => !u.name.includes("/"));
  const dropIns = underSystemd.filter((u) => u.name.includes("/"));
  return { packages: config.packages ?? [], files, scripts, units, dropIns, runcmd: config.runcmd ?? [] };
}
