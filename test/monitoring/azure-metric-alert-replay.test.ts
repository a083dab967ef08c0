import { describe, expect, test } from "vitest";
import { aggregate, durationSeconds, evaluate, meets, perMinute, replay, ruleFromInputs, type MetricAlertRule } from "../helpers/azure-metric-alert-replay";

const inputs = (criterion: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  windowSize: "PT5M",
  evaluationFrequency: "PT1M",
  criteria: {
    odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
    allOf: [{ criterionType: "StaticThresholdCriterion", name: "c", metricNamespace: "ns", metricName: "m", operator: "LessThan", threshold: 1, timeAggregation: "Maximum", ...criterion }],
  },
  ...extra,
});

const rule = (over: Partial<MetricAlertRule> = {}): MetricAlertRule => ({ name: "r", metricNamespace: "ns", metricName: "m", timeAggregation: "Maximum", operator: "LessThan", threshold: 1, windowSeconds: 300, frequencySeconds: 60, ...over });

describe("reading a declared rule", () => {
  test("a static single criterion", () => {
    expect(ruleFromInputs("r", inputs({}))).toEqual(rule());
    expect(durationSeconds("PT1H")).toBe(3600);
  });
  test.each([
    ["dynamic threshold", inputs({ criterionType: "DynamicThresholdCriterion" }), /only static thresholds/],
    ["dimension filter", inputs({ dimensions: [{ name: "d", operator: "Include", values: ["x"] }] }), /dimension filters/],
    ["log alert operator", inputs({ operator: "gt" }), /operator gt is not a static-threshold operator/],
    ["unknown aggregation", inputs({ timeAggregation: "P95" }), /aggregation P95/],
    ["window below frequency", inputs({}, { windowSize: "PT1M", evaluationFrequency: "PT5M" }), /window shorter than the frequency/],
    ["a day as P1D", inputs({}, { windowSize: "P1D" }), /not modelled/],
    ["two criteria", { ...inputs({}), criteria: { odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", allOf: [{}, {}] } }, /exactly one criterion/],
  ])("refuses a %s", (_what, given, error) => {
    expect(() => ruleFromInputs("r", given)).toThrow(error);
  });
});

describe("aggregation and comparison", () => {
  test.each([
    ["Average", 2],
    ["Minimum", 0],
    ["Maximum", 5],
    ["Total", 8],
    ["Count", 4],
  ] as const)("%s of 0, 1, 2, 5 is %d", (agg, want) => {
    expect(aggregate(agg, [0, 1, 2, 5])).toBe(want);
  });
  test("no values, no aggregate", () => expect(aggregate("Count", [])).toBeUndefined());
  test("operators are strict or not as named", () => {
    expect([meets("GreaterThan", 1, 1), meets("GreaterThanOrEqual", 1, 1), meets("LessThan", 1, 1), meets("LessThanOrEqual", 1, 1)]).toEqual([false, true, false, true]);
  });
});

describe("evaluation", () => {
  test("the window is (t - window, t]: a point exactly one window old is out", () => {
    const samples = [{ t: 0, value: 100 }, ...perMinute("a", 60, 600, () => 0)];
    expect(evaluate(rule(), samples, 300)).toEqual({ t: 300, value: 0, met: true });
    expect(evaluate(rule(), samples, 299)).toEqual({ t: 299, value: 100, met: false });
  });
  test("all series of the metric are aggregated together (no dimension split)", () => {
    const samples = [...perMinute("a", 0, 600, () => 0), ...perMinute("b", 0, 600, () => 100)];
    expect(evaluate(rule(), samples, 300)).toMatchObject({ value: 100, met: false });
    expect(evaluate(rule({ timeAggregation: "Average" }), samples, 300)).toMatchObject({ value: 50 });
  });
  test("an empty window is not evaluated (neither met nor not met)", () => {
    expect(evaluate(rule(), [], 300)).toEqual({ t: 300 });
    expect(replay(rule(), [], 0, 600).firedAt).toBeUndefined();
  });
  test("replay evaluates at multiples of the frequency and reports the first firing", () => {
    const samples = perMinute("a", 0, 1200, (t) => (t < 600 ? 100 : 0));
    const r = replay(rule(), samples, 30, 1200);
    expect(r.evaluations[0]!.t).toBe(60);
    expect(r.evaluations.every((e) => e.t % 60 === 0)).toBe(true);
    // Zeros from 600 on: the first window holding only zeros ends at 840 ((540, 840] holds 600..840).
    expect(r.firedAt).toBe(840);
    // Frequency PT5M: evaluated at 900 only after that.
    expect(replay(rule({ frequencySeconds: 300 }), samples, 0, 1200).firedAt).toBe(900);
  });
});
