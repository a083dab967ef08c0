/**
 * The alarm catalogue (docs/alarms.md: each entry, what to do, its source per cloud), cloud-neutral. Each cloud maps every entry's
 * `signal` to a real metric source for the chosen ingress mode, or reports it as not observable.
 */

export type Severity = "P0" | "P1" | "P2" | "P3";
export const SEVERITIES: readonly Severity[] = ["P0", "P1", "P2", "P3"];

/** What an alarm watches, independent of where the number comes from. */
export type Signal =
  | "healthy-hosts" // hosts passing the load balancer's health check
  | "attestation-failure-percent" // failed attestation checks / checks
  | "proofs-while-requests" // proof requests arriving but none completing
  | "tee-running" // enclave / confidential VM up
  | "http-5xx-percent" // server errors / requests
  | "proof-latency-p95-seconds"
  | "cpu-percent"
  | "memory-percent"
  | "queue-depth" // jobsPending from /ready
  | "tls-cert-days-left"
  | "request-count-anomaly" // requests per period outside the band the cloud learned from their history
  // Control-plane changes, counted from the cloud's audit trail (docs/tamper-detection.md):
  | "attestation-enforcement-change" // what decides who may read the secrets: key policy and grants / pool, provider, secret IAM
  | "host-role-change" // the parent instance's IAM role (AWS: PCR3 pins its ARN, not its policies)
  | "network-rule-change"; // security group / firewall rules of the fleet

export interface AlarmSpec {
  /** Stable identifier, used in resource names and the plan. */
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly signal: Signal;
  /**
   * Fires when the signal is `comparison` the threshold. `outside-band`: below the lower or above
   * the upper edge of a band the cloud learns from the signal's own history (anomaly detection);
   * `threshold` is then the band's width in standard deviations (AWS), mapped per cloud.
   */
  readonly comparison: "above" | "below" | "outside-band";
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

const minute = 60;

export const ALARM_CATALOGUE: readonly AlarmSpec[] = [
  { id: "no-healthy-host", severity: "P0", description: "No healthy host behind the load balancer", signal: "healthy-hosts", comparison: "below", threshold: 1, periodSeconds: minute, evaluationPeriods: 3 },
  { id: "attestation-failures", severity: "P0", description: "Attestation failure rate above 1%", signal: "attestation-failure-percent", comparison: "above", threshold: 1, periodSeconds: 5 * minute, evaluationPeriods: 2 },
  { id: "no-proofs", severity: "P0", description: "No proof generated in 5 minutes while requests arrive", signal: "proofs-while-requests", comparison: "above", threshold: 0, periodSeconds: 5 * minute, evaluationPeriods: 1 },
  { id: "tee-down", severity: "P0", description: "Enclave / confidential VM down", signal: "tee-running", comparison: "below", threshold: 1, periodSeconds: minute, evaluationPeriods: 2 },
  { id: "error-rate-high", severity: "P1", description: "5xx rate above 1%", signal: "http-5xx-percent", comparison: "above", threshold: 1, periodSeconds: 5 * minute, evaluationPeriods: 3 },
  { id: "latency-p95-high", severity: "P1", description: "p95 proof latency above 60 s", signal: "proof-latency-p95-seconds", comparison: "above", threshold: 60, periodSeconds: 5 * minute, evaluationPeriods: 3 },
  { id: "cpu-high", severity: "P1", description: "CPU above 90% for 10 minutes", signal: "cpu-percent", comparison: "above", threshold: 90, periodSeconds: 5 * minute, evaluationPeriods: 2 },
  { id: "memory-high", severity: "P1", description: "Memory above 95% for 5 minutes", signal: "memory-percent", comparison: "above", threshold: 95, periodSeconds: 5 * minute, evaluationPeriods: 1 },
  { id: "queue-deep", severity: "P1", description: "Queue depth (jobsPending) above 100 for 5 minutes", signal: "queue-depth", comparison: "above", threshold: 100, periodSeconds: 5 * minute, evaluationPeriods: 1 },
  { id: "error-rate-elevated", severity: "P2", description: "5xx rate above 0.5%", signal: "http-5xx-percent", comparison: "above", threshold: 0.5, periodSeconds: 5 * minute, evaluationPeriods: 3 },
  { id: "latency-p95-elevated", severity: "P2", description: "p95 proof latency above 45 s", signal: "proof-latency-p95-seconds", comparison: "above", threshold: 45, periodSeconds: 5 * minute, evaluationPeriods: 3 },
  { id: "cpu-elevated", severity: "P2", description: "CPU above 85% for 30 minutes", signal: "cpu-percent", comparison: "above", threshold: 85, periodSeconds: 5 * minute, evaluationPeriods: 6 },
  { id: "tls-cert-expiring", severity: "P2", description: "TLS certificate expires in less than 14 days", signal: "tls-cert-days-left", comparison: "below", threshold: 14, periodSeconds: 60 * minute, evaluationPeriods: 1 },
  // Audit-trail events: one matching change is enough (> 0 in a 5-minute window); see docs/tamper-detection.md.
  { id: "attestation-enforcement-changed", severity: "P0", description: "Attestation enforcement changed (key policy, grants, key deletion / pool, provider, secret IAM)", signal: "attestation-enforcement-change", comparison: "above", threshold: 0, periodSeconds: 5 * minute, evaluationPeriods: 1 },
  { id: "host-role-changed", severity: "P0", description: "Host IAM role's policies or trust policy changed", signal: "host-role-change", comparison: "above", threshold: 0, periodSeconds: 5 * minute, evaluationPeriods: 1 },
  { id: "network-rules-changed", severity: "P3", description: "Security group / firewall rules changed (configuration drift, review the change)", signal: "network-rule-change", comparison: "above", threshold: 0, periodSeconds: 5 * minute, evaluationPeriods: 1 },
  // A learned band, not a fixed number: docs/alarms.md ("Traffic anomalies") says what each cloud learns.
  { id: "traffic-anomaly", severity: "P3", description: "Requests dropped or spiked against their usual pattern", signal: "request-count-anomaly", comparison: "outside-band", threshold: 3, periodSeconds: 5 * minute, evaluationPeriods: 3 },
  { id: "cpu-sustained", severity: "P3", description: "CPU above 80% for 1 hour", signal: "cpu-percent", comparison: "above", threshold: 80, periodSeconds: 5 * minute, evaluationPeriods: 12 },
];

/** Signals counted from audit-trail events (one change fires) rather than from a metric. */
export const AUDIT_SIGNALS: ReadonlySet<Signal> = new Set<Signal>(["attestation-enforcement-change", "host-role-change", "network-rule-change"]);

/** Scale-out targets shared by every cloud: defined once with the environment profile. */
export { SCALE_OUT_CPU_PERCENT, SCALE_OUT_QUEUE_DEPTH } from "../config/environments";


/**
 * The monthly cost budget's notifications (docs/budgets.md), as percentages of the expected monthly
 * cost, each routed to one severity's subscribers like an alarm. Actual spend, not forecast: a
 * forecast needs weeks of history the clouds do not have for a new stack, and an actual crossing is
 * a fact the on-call can check on the bill.
 * - 80 % -> P3 (review): normal in the last week of a month; earlier, the month is running hot.
 * - 100 % -> P2 (early warning): the expected cost is spent; the rest of the month is overrun.
 * - 110 % -> P1: the operations guide's weekly-review line ("alert if > 10 % over expected"):
 *   something costs more than planned (a fleet at its maximum, a forgotten resource, egress), to
 *   be looked at the same day. Never P0: spending does not stop the service.
 */
export const BUDGET_NOTIFICATIONS: ReadonlyArray<{ readonly percent: number; readonly severity: Severity }> = [
  { percent: 80, severity: "P3" },
  { percent: 100, severity: "P2" },
  { percent: 110, severity: "P1" },
];

/** An alarm the chosen mode cannot observe: listed by the plan, never faked. */
export interface UnobservableAlarm {
  readonly alarm: AlarmSpec;
  readonly reason: string;
}

/** A cloud's answer for one signal: a metric source of its own shape, or why it cannot see it. */
export type SourceFor<S> = S | { readonly kind: "unobservable"; readonly reason: string };

/**
 * Map every catalogue entry onto a cloud's metric sources, splitting the ones the ingress mode
 * cannot observe from those that become alarms. Catalogue order is kept in both lists.
 */
export function mapCatalogue<S extends { readonly kind: string }>(sourceOf: (signal: Signal) => SourceFor<S>): {
  observable: Array<{ spec: AlarmSpec; source: Exclude<S, { kind: "unobservable" }> }>;
  unobservable: UnobservableAlarm[];
} {
  const observable: Array<{ spec: AlarmSpec; source: Exclude<S, { kind: "unobservable" }> }> = [];
  const unobservable: UnobservableAlarm[] = [];
  for (const spec of ALARM_CATALOGUE) {
    const source = sourceOf(spec.signal);
    if (source.kind === "unobservable") unobservable.push({ alarm: spec, reason: (source as { reason: string }).reason });
    else observable.push({ spec, source: source as Exclude<S, { kind: "unobservable" }> });
  }
  return { observable, unobservable };
}
