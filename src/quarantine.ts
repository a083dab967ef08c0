import { z } from "zod";
import type { ConfigProblem } from "./config/errors";

/**
 * Quarantine: the incident runbook's first two steps (stop accepting requests, keep the suspect
 * hosts for forensics) as one reviewed, reversible `pulumi up`. What it changes on each cloud, and
 * what it deliberately leaves alone, is in docs/operations.md; the per-cloud resource changes live
 * in components/<cloud>/ingress.ts and fleet.ts. Nothing that holds keys, disks, hosts or logs is
 * declared differently: test/quarantine/ compares a quarantined and a normal plan of each cloud.
 */

/** `tee-prover-infra:quarantine` in a stack file, `quarantine` in a component's arguments. */
export const quarantineSchema = z.strictObject({
  /** true closes the front door and suspends automatic replacement; false (or no section) resumes. */
  enabled: z.boolean({ error: "must be true (quarantined) or false (serving)" }),
  /** Why, for the plan, the review output and whoever resumes: an incident id and a sentence. */
  reason: z.string().min(10, "say why, in at least a sentence (an incident id helps)").optional(),
  /** When the quarantine began, ISO 8601 UTC (e.g. 2026-11-30T04:00:00Z). */
  since: z.iso.datetime({ error: "must be an ISO 8601 UTC time such as 2026-11-30T04:00:00Z" }).optional(),
});

export type RawQuarantine = z.infer<typeof quarantineSchema>;

/** A fleet in quarantine: present only while `enabled` is true. */
export interface QuarantineSettings {
  readonly reason: string;
  readonly since: string;
}

/** Cross-field rules: a quarantine says why and since when (both are printed by the plan). */
export function quarantineProblems(raw: RawQuarantine | undefined): ConfigProblem[] {
  if (!raw?.enabled) return [];
  const problems: ConfigProblem[] = [];
  if (raw.reason === undefined) {
    problems.push({ key: "quarantine.reason", message: "is required while quarantine.enabled is true", fix: "pulumi config set --path quarantine.reason \"INC-123: PCR mismatch on i-0abc...\"" });
  }
  if (raw.since === undefined) {
    problems.push({ key: "quarantine.since", message: "is required while quarantine.enabled is true", fix: "pulumi config set --path quarantine.since $(date -u +%Y-%m-%dT%H:%M:%SZ)" });
  }
  return problems;
}

/** The resolved setting: undefined when serving. Call after quarantineProblems found nothing. */
export function resolveQuarantine(raw: RawQuarantine | undefined): QuarantineSettings | undefined {
  if (!raw?.enabled || raw.reason === undefined || raw.since === undefined) return undefined;
  return { reason: raw.reason, since: raw.since };
}

/**
 * Auto Scaling processes suspended while quarantined: every process that would terminate or
 * replace a host on its own (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html):
 * - HealthCheck: the group stops marking instances unhealthy from EC2 / ELB checks;
 * - ReplaceUnhealthy: the group stops terminating (and replacing) instances marked unhealthy;
 * - AZRebalance: no launch-then-terminate to even out the zones;
 * - AlarmNotification: the target-tracking policies stop acting, so the idle fleet behind the closed
 *   door is not scaled in (which would terminate hosts);
 * - ScheduledActions: no scheduled scale-in.
 * Launch, Terminate, AddToLoadBalancer and InstanceRefresh stay active: the operator's own steps
 * (detach a suspect host and get a replacement, roll a known-good release onto the hosts still in
 * the group) need them, and suspending Launch or Terminate disturbs the other processes
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html).
 * `suspendedProcesses` is updated in place (no ForceNew in hashicorp/terraform-provider-aws
 * internal/service/autoscaling/group.go), so the group and its instances stay.
 */
export const ASG_QUARANTINE_SUSPENDED_PROCESSES = ["AZRebalance", "AlarmNotification", "HealthCheck", "ReplaceUnhealthy", "ScheduledActions"] as const;

/** Priority of the rule that refuses every client (ALB listener rule, Cloud Armor rule): before every other rule. */
export const QUARANTINE_RULE_PRIORITY = { albListenerRule: 1, cloudArmor: 0, azureWafCustomRule: 1 } as const;

/** What a quarantine changes, per cloud and ingress mode, for the plan's first line and the review output. */
export function quarantineChanges(cloud: "aws" | "gcp" | "azure", mode: "passthrough" | "terminate"): string[] {
  const keep = "hosts, disks, keys, secrets and logs are unchanged";
  if (cloud === "aws") {
    return [
      mode === "terminate"
        ? "front door closed: an ALB listener rule (priority 1) answers every request with 503; target groups and their health checks stay"
        : "front door closed: the NLB security group admits no new client connection (its client ingress rules are removed; connections already open stay until they close); health checks, which NLB security groups do not filter inbound, keep running",
      `Auto Scaling processes suspended: ${ASG_QUARANTINE_SUSPENDED_PROCESSES.join(", ")} (no host is replaced, rebalanced or scaled in on its own)`,
      keep,
    ];
  }
  if (cloud === "gcp") {
    return [
      mode === "terminate"
        ? "front door closed: a Cloud Armor rule (priority 0) answers every request with 502 (Cloud Armor denies with 403, 404 or 502 only); health checks, which Cloud Armor does not see, keep running"
        : "front door closed: a Cloud Armor policy on the backend service refuses every new client connection (connections already open stay until they close); health checks keep running",
      "MIG autohealing removed and autoscaler mode OFF (no instance is recreated or scaled in on its own)",
      keep,
    ];
  }
  return [
    mode === "terminate"
      ? "front door closed: a WAF custom rule (priority 1) blocks every request (403); the gateway's health probes keep running"
      : "front door closed: the hosts' NSG admits no new client connection on 6300 (its client rule is removed; connections already open stay until they close); the load balancer and its rule stay, so its probes, which the NSG still admits, keep running",
    "scale set automatic repairs off and autoscale disabled (no VM is repaired or scaled in on its own)",
    keep,
  ];
}

/** The review fact a component exports while quarantined (undefined when serving). */
export function quarantineReview(settings: QuarantineSettings | undefined, cloud: "aws" | "gcp" | "azure", mode: "passthrough" | "terminate"): { quarantine?: QuarantineSettings & { changes: string[] } } {
  return settings ? { quarantine: { ...settings, changes: quarantineChanges(cloud, mode) } } : {};
}
