import type { PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { configOf, dependsOn } from "./baseline-props";
import { proofServerHosts } from "./baseline-hosts";

// The shared shape of the three "P0 alarms routed somewhere" stack rules: find the proof-server
// hosts; if there are any, every P0 alarm must reach a target that exists (declared in the stack
// and delivering somewhere, or named in externalTargets), and there must be at least one.

export const P0_CONFIG: PolicyConfigSchema = {
  properties: {
    externalTargets: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description: "Alarm targets managed outside this stack (SNS topic ARNs, notification channel names, action group ids) that count as routed.",
    },
  },
};

export interface P0Alarm {
  readonly resource: PolicyResource;
  /** The action / channel / action group references it notifies. */
  readonly targets: readonly string[];
}

export interface AlarmCloud {
  readonly cloud: "aws" | "gcp" | "azure";
  /** How the rule recognises a P0 alarm, for the message. */
  readonly p0Text: string;
  readonly targetsName: string;
  p0Alarms(resources: readonly PolicyResource[]): P0Alarm[];
  /** The stack's resources a reference names, linked by dependency or by name. */
  targetFor(ref: string, alarm: PolicyResource, resources: readonly PolicyResource[]): PolicyResource | undefined;
  /** Why a declared target delivers nowhere, or undefined when it delivers. */
  deliversNowhere(target: PolicyResource, resources: readonly PolicyResource[]): string | undefined;
}

export function validateP0Alarms(cloud: AlarmCloud): (args: StackValidationArgs, report: ReportViolation) => void {
  return (args, report) => {
    const hosts = proofServerHosts(args.resources, cloud.cloud);
    if (hosts.length === 0) return;
    const { externalTargets } = configOf(args, { externalTargets: [] as readonly string[] });
    const alarms = cloud.p0Alarms(args.resources);
    if (alarms.length === 0) {
      report(`the stack runs proof-server hosts (${hosts.map((h) => h.name).join(", ")}) but declares no P0 alarm (${cloud.p0Text}); add the P0 alarms and route them to on-call`, hosts[0]!.urn);
      return;
    }
    for (const alarm of alarms) {
      if (alarm.targets.length === 0) {
        report(`P0 alarm ${alarm.resource.name} has no ${cloud.targetsName}: it fires into nothing`, alarm.resource.urn);
        continue;
      }
      for (const ref of alarm.targets) {
        if (externalTargets.includes(ref)) continue;
        const target = cloud.targetFor(ref, alarm.resource, args.resources);
        if (!target) report(`P0 alarm ${alarm.resource.name} notifies ${ref}, which is neither declared in this stack nor listed in externalTargets`, alarm.resource.urn);
        else {
          const why = cloud.deliversNowhere(target, args.resources);
          if (why) report(`P0 alarm ${alarm.resource.name} notifies ${target.name}, which ${why}`, alarm.resource.urn);
        }
      }
    }
  };
}

/** The declared resource a reference names: a dependency of the alarm first, then by name. */
export function linked(alarm: PolicyResource, candidates: readonly PolicyResource[], byName: (r: PolicyResource) => boolean): PolicyResource | undefined {
  return candidates.find((c) => dependsOn(alarm, c) && byName(c)) ?? candidates.find(byName);
}
