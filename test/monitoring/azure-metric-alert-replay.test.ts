import { describe, expect, test } from "vitest";
import { aggregate, durationSeconds, dynamicRuleFromInputs, evaluate, meets, outsideLearned, perMinute, replay, replayDynamic, ruleFromInputs, type MetricAlertRule } from "../helpers/azure-metric-alert-replay";

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

describe("dynamic thresholds: wiring only, the learned band is a given model", () => {
  const dyn = (criterion: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    windowSize: "PT5M",
    evaluationFrequency: "PT5M",
    criteria: {
      odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
      allOf: [{ criterionType: "DynamicThresholdCriterion", name: "c", metricNamespace: "ns", metricName: "TotalRequests", operator: "GreaterOrLessThan", alertSensitivity: "Low", timeAggregation: "Total", failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 3 }, ...criterion }],
    },
    ...extra,
  });

  test("reads the rule, refuses what it does not model", () => {
    expect(dynamicRuleFromInputs("r", dyn())).toEqual({ name: "r", metricNamespace: "ns", metricName: "TotalRequests", timeAggregation: "Total", operator: "GreaterOrLessThan", sensitivity: "Low", binSeconds: 300, frequencySeconds: 300, evaluationPeriods: 3, minFailingPeriods: 3 });
    expect(() => dynamicRuleFromInputs("r", { ...dyn(), criteria: { ...dyn().criteria, odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria" } })).toThrow(/multiple-resource criteria/);
    expect(() => dynamicRuleFromInputs("r", dyn({ criterionType: "StaticThresholdCriterion" }))).toThrow(/not a dynamic threshold/);
    expect(() => dynamicRuleFromInputs("r", dyn({ operator: "GreaterThanOrEqual" }))).toThrow(/not a dynamic-threshold operator/);
    expect(() => dynamicRuleFromInputs("r", dyn({ alertSensitivity: "Extreme" }))).toThrow(/sensitivity/);
    expect(() => dynamicRuleFromInputs("r", dyn({ failingPeriods: { numberOfEvaluationPeriods: 2, minFailingPeriodsToAlert: 3 } }))).toThrow(/more failing periods/);
    expect(() => dynamicRuleFromInputs("r", dyn({ failingPeriods: undefined }))).toThrow(/failingPeriods is required/);
  });

  test("N of M bins outside the band on the operator's side(s)", () => {
    expect(outsideLearned("GreaterOrLessThan", 5, 10, 20)).toBe(true);
    expect(outsideLearned("GreaterOrLessThan", 25, 10, 20)).toBe(true);
    expect(outsideLearned("GreaterOrLessThan", 15, 10, 20)).toBe(false);
    expect(outsideLearned("GreaterThan", 5, 10, 20)).toBe(false);
    expect(outsideLearned("LessThan", 25, 10, 20)).toBe(false);
    const rule = dynamicRuleFromInputs("r", dyn());
    const band = () => ({ lower: 200, upper: 400 });
    // 60 a minute = 300 per bin; from minute 30 on, 0 a minute.
    const drop = perMinute("g", 0, 3600, (t) => (t < 1800 ? 60 : 0));
    // Bins end at 35, 40, 45 minutes: the third empty one ends at 45 (t counted in (end - 5 min, end]).
    expect(replayDynamic(rule, drop, 0, 3600, band).firedAt).toBe(2700);
    const twoBins = perMinute("g", 0, 3600, (t) => (t > 1800 && t <= 2400 ? 200 : 60));
    expect(replayDynamic(rule, twoBins, 0, 3600, band).firedAt).toBeUndefined();
    const twoOfThree = dynamicRuleFromInputs("r", dyn({ failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 2 } }));
    // The second elevated bin (ending at 40 min) is the second failing period of three.
    expect(replayDynamic(twoOfThree, twoBins, 0, 3600, band).firedAt).toBe(2400);
  });
});
