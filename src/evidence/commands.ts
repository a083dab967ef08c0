// What `npm run evidence` asks the cloud for, as data: every command is a read, checked against
// READ_ONLY_COMMANDS before it runs (and by test/evidence/). docs/operations.md lists them with
// the permissions they need.

export type EvidenceCloud = "aws" | "gcp" | "azure";

/** Where one host lives, from the stack's config or from flags. */
export type EvidenceTarget =
  | { readonly cloud: "aws"; readonly fleet: string; readonly instance: string; readonly region: string }
  | { readonly cloud: "gcp"; readonly fleet: string; readonly instance: string; readonly project: string; readonly zone: string }
  | { readonly cloud: "azure"; readonly fleet: string; readonly instance: string; readonly resourceGroup: string; readonly subscription?: string };

export interface EvidenceCommand {
  /** File in the archive that receives the command's standard output. */
  readonly file: string;
  /** The executable (aws, gcloud, az) and its arguments; no shell is involved. */
  readonly argv: readonly [string, ...string[]];
  /** What it preserves. */
  readonly what: string;
  /** The IAM action / permission it needs (all reads). */
  readonly permission: string;
}

/**
 * The read-only commands, by CLI: the words before the first flag (service and operation). A
 * command whose words are not listed here is refused before anything runs. Each is a read in its
 * CLI's reference: AWS `describe-*` / `get-*` / `filter-*` operations, gcloud `describe`, `read`,
 * `get-serial-port-output`, `get-shielded-identity`, az `show`, `get-instance-view`, `list`,
 * `get-boot-log`.
 */
export const READ_ONLY_COMMANDS: Readonly<Record<EvidenceCloud, readonly string[]>> = {
  aws: ["ec2 describe-instances", "ec2 get-console-output", "autoscaling describe-auto-scaling-instances", "logs filter-log-events"],
  gcp: ["compute instances describe", "compute instances get-serial-port-output", "compute instances get-shielded-identity", "logging read"],
  azure: ["vm show", "vm get-instance-view", "vm boot-diagnostics get-boot-log", "monitor activity-log list"],
};

/** Verbs that mean a change on any of the three CLIs; none may appear among a command's words. */
export const MUTATING_VERBS = /^(create|delete|remove|update|set|put|modify|start|stop|reboot|restart|reset|terminate|detach|attach|abandon|recreate|reimage|redeploy|deallocate|send|run|invoke|enter|exit|suspend|resume|resize|apply|add|patch|import|register|deregister|tag|untag|enable|disable|complete|cancel|execute|rotate|purge|scale)(-|$)/;

const CLI: Record<EvidenceCloud, string> = { aws: "aws", gcp: "gcloud", azure: "az" };

/** The words of a command before its first flag, e.g. "ec2 describe-instances". */
export function commandWords(argv: readonly string[]): string {
  const words: string[] = [];
  for (const a of argv.slice(1)) {
    if (a.startsWith("-")) break;
    words.push(a);
  }
  return words.join(" ");
}

/**
 * Why a command is not a read we allow, or undefined when it is. Its leading words must be an
 * allow-listed command (positional arguments such as an instance name or a log filter may follow)
 * and that command may hold no mutating verb.
 */
export function notReadOnly(cloud: EvidenceCloud, argv: readonly string[]): string | undefined {
  if (argv[0] !== CLI[cloud]) return `runs ${argv[0] ?? "nothing"}, not ${CLI[cloud]}`;
  const words = commandWords(argv);
  const allowed = READ_ONLY_COMMANDS[cloud].find((c) => words === c || words.startsWith(`${c} `));
  if (!allowed) return `"${words}" is not on the read-only allow-list`;
  const verb = allowed.split(" ").find((w) => MUTATING_VERBS.test(w));
  return verb ? `"${allowed}" contains the mutating verb ${verb}` : undefined;
}

/** Minutes of logs collected by default. */
export const DEFAULT_LOG_MINUTES = 120;

/** The commands for one host, in the order they run. */
export function evidenceCommands(target: EvidenceTarget, now: Date, logMinutes = DEFAULT_LOG_MINUTES): EvidenceCommand[] {
  const from = new Date(now.getTime() - logMinutes * 60_000);
  switch (target.cloud) {
    case "aws": {
      const r = ["--region", target.region, "--output", "json"];
      return [
        { file: "instance.json", argv: ["aws", "ec2", "describe-instances", "--instance-ids", target.instance, ...r], what: "the instance: state, launch template version, AMI, IAM profile, network, enclave option", permission: "ec2:DescribeInstances" },
        { file: "auto-scaling.json", argv: ["aws", "autoscaling", "describe-auto-scaling-instances", "--instance-ids", target.instance, ...r], what: "its Auto Scaling state (InService, Standby, detached: absent), health, protection", permission: "autoscaling:DescribeAutoScalingInstances" },
        { file: "console-output.json", argv: ["aws", "ec2", "get-console-output", "--instance-id", target.instance, "--latest", ...r], what: "the serial console: boot and cloud-init output", permission: "ec2:GetConsoleOutput" },
        {
          file: "host-logs.json",
          // Streams {instance_id}/tee-prover (bootstrap, forwarder, host agent with enclave state) and {instance_id}/nitro_enclaves (nitro-cli).
          argv: ["aws", "logs", "filter-log-events", "--log-group-name", `/tee-prover/${target.fleet}/host`, "--log-stream-name-prefix", `${target.instance}/`, "--start-time", String(from.getTime()), "--end-time", String(now.getTime()), ...r],
          what: "the host's CloudWatch logs: bootstrap, enclave state (nitro-cli), forwarder and host agent",
          permission: "logs:FilterLogEvents",
        },
      ];
    }
    case "gcp": {
      const where = ["--zone", target.zone, "--project", target.project];
      const filter = `resource.type="gce_instance" AND labels."compute.googleapis.com/resource_name"="${target.instance}" AND timestamp>="${from.toISOString()}"`;
      return [
        { file: "instance.json", argv: ["gcloud", "compute", "instances", "describe", target.instance, ...where, "--format", "json"], what: "the instance: status, template, metadata (tee-* launcher settings), confidential and shielded config", permission: "compute.instances.get" },
        { file: "serial-port.txt", argv: ["gcloud", "compute", "instances", "get-serial-port-output", target.instance, ...where], what: "the serial console: the Confidential Space launcher's log, the container's state", permission: "compute.instances.getSerialPortOutput" },
        { file: "shielded-identity.json", argv: ["gcloud", "compute", "instances", "get-shielded-identity", target.instance, ...where, "--format", "json"], what: "the vTPM's endorsement and signing keys", permission: "compute.instances.getShieldedInstanceIdentity" },
        { file: "logs.json", argv: ["gcloud", "logging", "read", filter, "--project", target.project, "--order", "asc", "--format", "json"], what: "Cloud Logging entries of the instance (launcher, container when log redirect is on)", permission: "logging.logEntries.list" },
      ];
    }
    case "azure": {
      const vm = ["--resource-group", target.resourceGroup, "--name", target.instance, ...(target.subscription ? ["--subscription", target.subscription] : [])];
      return [
        { file: "vm.json", argv: ["az", "vm", "show", ...vm, "--output", "json"], what: "the VM: model, image, security profile, identity, scale set membership", permission: "Microsoft.Compute/virtualMachines/read" },
        { file: "instance-view.json", argv: ["az", "vm", "get-instance-view", ...vm, "--output", "json"], what: "power state, Application Health extension status, boot diagnostics", permission: "Microsoft.Compute/virtualMachines/instanceView/read" },
        { file: "boot-log.txt", argv: ["az", "vm", "boot-diagnostics", "get-boot-log", ...vm], what: "the serial log: cloud-init and the container's start", permission: "Microsoft.Compute/virtualMachines/retrieveBootDiagnosticsData/action (a POST that changes nothing, but not in Reader)" },
        {
          file: "activity-log.json",
          argv: ["az", "monitor", "activity-log", "list", "--resource-group", target.resourceGroup, "--start-time", from.toISOString(), "--end-time", now.toISOString(), ...(target.subscription ? ["--subscription", target.subscription] : []), "--output", "json"],
          what: "control-plane operations in the fleet's resource group (repairs, scaling, key access changes)",
          permission: "Microsoft.Insights/eventtypes/values/read",
        },
      ];
    }
  }
}
