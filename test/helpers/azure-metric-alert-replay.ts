/**
 * A replay of Azure Monitor static-threshold metric alerts, for checking what the rules the
 * component declares do with a metric stream (a dead host, a booting one). Test-only, small.
 *
 * What it models (docs/azure-monitoring.md has the sources):
 * - The rule is evaluated every `evaluationFrequency`; each evaluation aggregates every data point
 *   of the metric in the last `windowSize` (the lookback) with `timeAggregation`, across all
 *   dimension values (no dimension split), and compares the one result with the threshold.
 * - One window, one comparison: a static threshold has no "N of M periods" (only dynamic thresholds
 *   have failingPeriods in the API).
 *
 * ASSUMPTIONS (not stated by the documentation we found), chosen so a replay errs towards firing:
 * - A window with only some data is judged on the data it has.
 * - A window with no data at all is not evaluated: the rule neither fires nor resolves.
 * - Evaluations happen at whole multiples of the frequency.
 * Resolution (autoMitigate) is not modelled: the tests ask only whether and when a rule fires.
 */

export type StaticOperator = "GreaterThan" | "GreaterThanOrEqual" | "LessThan" | "LessThanOrEqual";
export type TimeAggregation = "Average" | "Minimum" | "Maximum" | "Total" | "Count";

export interface MetricAlertRule {
  readonly name: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly timeAggregation: TimeAggregation;
  readonly operator: StaticOperator;
  readonly threshold: number;
  readonly windowSeconds: number;
  readonly frequencySeconds: number;
}

/** One data point of one time series (e.g. one backend's minute value), at `t` seconds. */
export interface Sample {
  readonly t: number;
  readonly value: number;
  readonly series?: string;
}

const OPERATORS: readonly StaticOperator[] = ["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"];
const AGGREGATIONS: readonly TimeAggregation[] = ["Average", "Minimum", "Maximum", "Total", "Count"];

export function durationSeconds(iso: string): number {
  const m = /^PT(\d+)([MH])$/.exec(iso);
  if (!m) throw new Error(`duration ${iso} is not modelled (PTnM / PTnH only)`);
  return Number(m[1]) * (m[2] === "H" ? 3600 : 60);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The replay's view of a declared MetricAlert (its resolved inputs). Refuses what it does not model:
 * several criteria, dimension filters, dynamic thresholds.
 */
export function ruleFromInputs(name: string, inputs: Record<string, unknown>): MetricAlertRule {
  const criteria = inputs["criteria"];
  if (!isRecord(criteria) || criteria["odataType"] !== "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria") throw new Error(`${name}: only single-resource criteria are modelled`);
  const all = criteria["allOf"];
  if (!Array.isArray(all) || all.length !== 1 || !isRecord(all[0])) throw new Error(`${name}: exactly one criterion is modelled`);
  const c = all[0];
  if (c["criterionType"] !== "StaticThresholdCriterion") throw new Error(`${name}: only static thresholds are modelled`);
  if (c["dimensions"] !== undefined) throw new Error(`${name}: dimension filters are not modelled`);
  const operator = c["operator"];
  const timeAggregation = c["timeAggregation"];
  if (!OPERATORS.includes(operator as StaticOperator)) throw new Error(`${name}: operator ${String(operator)} is not a static-threshold operator`);
  if (!AGGREGATIONS.includes(timeAggregation as TimeAggregation)) throw new Error(`${name}: aggregation ${String(timeAggregation)} is not modelled`);
  if (typeof c["threshold"] !== "number" || typeof c["metricName"] !== "string") throw new Error(`${name}: threshold and metric name are required`);
  const windowSeconds = durationSeconds(String(inputs["windowSize"]));
  const frequencySeconds = durationSeconds(String(inputs["evaluationFrequency"]));
  // "windowSize >= evaluationFrequency": the service refuses the opposite.
  if (windowSeconds < frequencySeconds) throw new Error(`${name}: window shorter than the frequency`);
  return {
    name,
    metricNamespace: String(c["metricNamespace"] ?? ""),
    metricName: c["metricName"],
    timeAggregation: timeAggregation as TimeAggregation,
    operator: operator as StaticOperator,
    threshold: c["threshold"],
    windowSeconds,
    frequencySeconds,
  };
}

export function aggregate(aggregation: TimeAggregation, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (aggregation) {
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "Total":
      return values.reduce((a, b) => a + b, 0);
    case "Count":
      return values.length;
  }
}

export function meets(operator: StaticOperator, value: number, threshold: number): boolean {
  switch (operator) {
    case "GreaterThan":
      return value > threshold;
    case "GreaterThanOrEqual":
      return value >= threshold;
    case "LessThan":
      return value < threshold;
    case "LessThanOrEqual":
      return value <= threshold;
  }
}

export interface Evaluation {
  readonly t: number;
  /** The window's aggregate; undefined when the window held no data (not evaluated). */
  readonly value?: number;
  readonly met?: boolean;
}

/** One evaluation at `t`: the points with t - window < point.t <= t. */
export function evaluate(rule: MetricAlertRule, samples: readonly Sample[], t: number): Evaluation {
  const values = samples.filter((s) => s.t > t - rule.windowSeconds && s.t <= t).map((s) => s.value);
  const value = aggregate(rule.timeAggregation, values);
  return value === undefined ? { t } : { t, value, met: meets(rule.operator, value, rule.threshold) };
}

export interface ReplayResult {
  readonly evaluations: readonly Evaluation[];
  /** When the rule first fired (its first evaluation with the condition met), if it did. */
  readonly firedAt?: number;
}

/** Evaluates the rule at every multiple of its frequency in [from, to]. */
export function replay(rule: MetricAlertRule, samples: readonly Sample[], from: number, to: number): ReplayResult {
  const evaluations: Evaluation[] = [];
  const first = Math.ceil(from / rule.frequencySeconds) * rule.frequencySeconds;
  for (let t = first; t <= to; t += rule.frequencySeconds) evaluations.push(evaluate(rule, samples, t));
  const fired = evaluations.find((e) => e.met === true);
  return fired ? { evaluations, firedAt: fired.t } : { evaluations };
}

/** One value per minute for `series` from `from` (inclusive) to `to` (exclusive), by a function of time. */
export function perMinute(series: string, from: number, to: number, value: (t: number) => number): Sample[] {
  const out: Sample[] = [];
  for (let t = from; t < to; t += 60) out.push({ t, value: value(t), series });
  return out;
}

// ---- dynamic thresholds ------------------------------------------------------------------------
//
// A dynamic-threshold criterion ("Dynamic thresholds in metric alerts",
// https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-dynamic-thresholds): the metric is
// aggregated per `windowSize` bin (the aggregation granularity); the rule fires when at least
// minFailingPeriodsToAlert of the last numberOfEvaluationPeriods bins are outside the thresholds on
// the side the operator names. The thresholds themselves are LEARNED by Azure from the metric's
// history at the chosen sensitivity; the replay does not learn them. It is given a model of the
// learned band (lower, upper per bin), so it tests the rule's wiring (metric, aggregation, side,
// N of M, bin size), never the learning. ASSUMPTION: a bin without data is neither failing nor
// passing (not counted); Azure does not say.

export type DynamicOperator = "GreaterThan" | "LessThan" | "GreaterOrLessThan";
export type Sensitivity = "Low" | "Medium" | "High";

export interface DynamicAlertRule {
  readonly name: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly timeAggregation: TimeAggregation;
  readonly operator: DynamicOperator;
  readonly sensitivity: Sensitivity;
  readonly binSeconds: number;
  readonly frequencySeconds: number;
  readonly evaluationPeriods: number;
  readonly minFailingPeriods: number;
}

/** What Azure learned for one bin at the rule's sensitivity. */
export type LearnedBand = (binStart: number) => { readonly lower: number; readonly upper: number };

const DYNAMIC_OPERATORS: readonly DynamicOperator[] = ["GreaterThan", "LessThan", "GreaterOrLessThan"];
const SENSITIVITIES: readonly Sensitivity[] = ["Low", "Medium", "High"];

/** The replay's view of a declared dynamic-threshold MetricAlert; refuses what it does not model. */
export function dynamicRuleFromInputs(name: string, inputs: Record<string, unknown>): DynamicAlertRule {
  const criteria = inputs["criteria"];
  // Dynamic criteria exist only in the multiple-resource criteria type.
  if (!isRecord(criteria) || criteria["odataType"] !== "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria") throw new Error(`${name}: dynamic thresholds need the multiple-resource criteria type`);
  const all = criteria["allOf"];
  if (!Array.isArray(all) || all.length !== 1 || !isRecord(all[0])) throw new Error(`${name}: exactly one criterion is modelled`);
  const c = all[0];
  if (c["criterionType"] !== "DynamicThresholdCriterion") throw new Error(`${name}: not a dynamic threshold`);
  if (c["dimensions"] !== undefined) throw new Error(`${name}: dimension filters are not modelled`);
  if (!DYNAMIC_OPERATORS.includes(c["operator"] as DynamicOperator)) throw new Error(`${name}: operator ${String(c["operator"])} is not a dynamic-threshold operator`);
  if (!SENSITIVITIES.includes(c["alertSensitivity"] as Sensitivity)) throw new Error(`${name}: sensitivity ${String(c["alertSensitivity"])} is not Low, Medium or High`);
  if (!AGGREGATIONS.includes(c["timeAggregation"] as TimeAggregation)) throw new Error(`${name}: aggregation ${String(c["timeAggregation"])} is not modelled`);
  const failing = c["failingPeriods"];
  if (!isRecord(failing) || typeof failing["numberOfEvaluationPeriods"] !== "number" || typeof failing["minFailingPeriodsToAlert"] !== "number") throw new Error(`${name}: failingPeriods is required`);
  if (failing["minFailingPeriodsToAlert"] > failing["numberOfEvaluationPeriods"]) throw new Error(`${name}: more failing periods than evaluated ones`);
  const binSeconds = durationSeconds(String(inputs["windowSize"]));
  const frequencySeconds = durationSeconds(String(inputs["evaluationFrequency"]));
  if (binSeconds < frequencySeconds) throw new Error(`${name}: window shorter than the frequency`);
  if (typeof c["metricName"] !== "string") throw new Error(`${name}: metric name is required`);
  return {
    name,
    metricNamespace: String(c["metricNamespace"] ?? ""),
    metricName: c["metricName"],
    timeAggregation: c["timeAggregation"] as TimeAggregation,
    operator: c["operator"] as DynamicOperator,
    sensitivity: c["alertSensitivity"] as Sensitivity,
    binSeconds,
    frequencySeconds,
    evaluationPeriods: failing["numberOfEvaluationPeriods"],
    minFailingPeriods: failing["minFailingPeriodsToAlert"],
  };
}

export function outsideLearned(operator: DynamicOperator, value: number, lower: number, upper: number): boolean {
  switch (operator) {
    case "GreaterThan":
      return value > upper;
    case "LessThan":
      return value < lower;
    case "GreaterOrLessThan":
      return value > upper || value < lower;
  }
}

/** Evaluates the rule at every multiple of its frequency in [from, to]: the last N bins ending at t, at least M failing. */
export function replayDynamic(rule: DynamicAlertRule, samples: readonly Sample[], from: number, to: number, band: LearnedBand): { readonly firedAt?: number } {
  const first = Math.ceil(from / rule.frequencySeconds) * rule.frequencySeconds;
  for (let t = first; t <= to; t += rule.frequencySeconds) {
    let failing = 0;
    for (let i = 0; i < rule.evaluationPeriods; i++) {
      const end = t - i * rule.binSeconds;
      const value = aggregate(rule.timeAggregation, samples.filter((s) => s.t > end - rule.binSeconds && s.t <= end).map((s) => s.value));
      if (value === undefined) continue;
      const { lower, upper } = band(end - rule.binSeconds);
      if (outsideLearned(rule.operator, value, lower, upper)) failing += 1;
    }
    if (failing >= rule.minFailingPeriods) return { firedAt: t };
  }
  return {};
}
