import { describe, expect, it } from "vitest";
import {
  alarmFromInputs,
  decide,
  evaluateExpression,
  replay,
  statistic,
  type AlarmState,
  type MetricSource,
  type Series,
  type TreatMissingData,
} from "../helpers/cloudwatch-replay";

/**
 * The evaluator judged against the CloudWatch user guide's own examples, so the rollout replays
 * rest on CloudWatch's documented behaviour and not on our reading of it.
 */

/** "0 - X - X": 0 not breaching, X breaching, - missing (the guide's notation), oldest first. */
function points(text: string): Array<boolean | undefined> {
  return text.split(" ").map((c) => (c === "-" ? undefined : c === "X"));
}

const RETAIN = "Retain current state";
type Column = AlarmState | typeof RETAIN;

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
// ("How alarm state is evaluated when data is missing"): 5 data points retrieved.
// Columns: MISSING, IGNORE, BREACHING, NOT BREACHING.
const THREE_OF_THREE: Array<[string, Column, Column, Column, Column]> = [
  ["0 - X - X", "OK", "OK", "OK", "OK"],
  ["0 - - - -", "OK", "OK", "OK", "OK"],
  ["- - - - -", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"],
  ["0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"],
  ["- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"],
  ["X - - - -", "ALARM", RETAIN, "ALARM", "OK"],
];
const TWO_OF_THREE: Array<[string, Column, Column, Column, Column]> = [
  ["0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"],
  ["0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"],
  ["0 - X - -", "OK", "OK", "ALARM", "OK"],
  ["- - - - 0", "OK", "OK", "ALARM", "OK"],
  ["- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"],
];

describe("decide: the user guide's missing-data tables", () => {
  const treatments: TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];
  const cases = (table: typeof THREE_OF_THREE, m: number) =>
    table.flatMap(([row, ...columns]) => columns.map((expected, i) => [`${m} of 3`, row, treatments[i] ?? "missing", expected, m] as const));

  it.each([...cases(THREE_OF_THREE, 3), ...cases(TWO_OF_THREE, 2)])("%s, %s, treat missing as %s: %s", (_, row, treat, expected, m) => {
    for (const current of ["OK", "ALARM", "INSUFFICIENT_DATA"] as const) {
      expect(decide(points(row), 3, m, treat, current)).toBe(expected === RETAIN ? current : expected);
    }
  });
});

describe("metric math: the user guide's examples", () => {
  // "Comparison and logical operators": metric1 [30, 20, 0, 0], metric2 [20, -, 20, -].
  const series: Record<string, Series> = { metrica: [30, 20, 0, 0], metricb: [20, undefined, 20, undefined] };
  it.each([
    ["(metrica < metricb)", [0, 0, 1, 0]],
    ["(metrica >= 30)", [1, 0, 0, 0]],
    ["(metrica > 15 AND metricb > 15)", [1, 0, 0, 0]],
  ])("%s = %j", (expression, expected) => {
    expect(evaluateExpression(expression, series, 4)).toEqual(expected);
  });

  // "Using IF expressions".
  const m: Record<string, Series> = {
    metric1: [1, 1, 0, 0, undefined],
    metric2: [30, undefined, 0, 0, 30],
    metric3: [0, 0, 20, undefined, 20],
  };
  it.each([
    ["IF(metric1, metric2, metric3)", [30, 0, 20, undefined, undefined]],
    ["IF(metric1, 5, metric3)", [5, 5, 20, undefined, undefined]],
    ["IF(metric1, metric2, 5)", [30, 0, 5, 5, undefined]],
  ])("%s = %j", (expression, expected) => {
    expect(evaluateExpression(expression, m, 5)).toEqual(expected);
  });

  it("arithmetic: a missing value is 0, a division by zero drops the point; FILL fills every period", () => {
    const s: Record<string, Series> = { m1: [1, undefined, 3, undefined], m2: [2, 4, 0, undefined] };
    expect(evaluateExpression("m1 + m2", s, 4)).toEqual([3, 4, 3, undefined]);
    expect(evaluateExpression("100 * FILL(m1, 0) / m2", s, 4)).toEqual([50, 0, undefined, undefined]);
    expect(evaluateExpression("IF(FILL(m1, 0) > 0 AND FILL(m2, 0) == 0, 1, 0)", s, 4)).toEqual([0, 0, 1, 0]);
    expect(evaluateExpression("-m1 * 2 ^ 2", s, 4)).toEqual([-4, undefined, -12, undefined]);
    expect(() => evaluateExpression("AVG(m1)", s, 4)).toThrow(/AVG is not modelled/);
    expect(() => evaluateExpression("2 * 3", s, 4)).toThrow(/scalar, not a time series/);
  });
});

describe("statistics", () => {
  it("aggregates raw samples per period", () => {
    const values = [5, 1, 3, 2, 4];
    expect([statistic("Sum", values), statistic("Minimum", values), statistic("Maximum", values), statistic("Average", values), statistic("SampleCount", values)]).toEqual([15, 1, 5, 3, 5]);
    expect(statistic("p95", Array.from({ length: 100 }, (_, i) => i + 1))).toBe(95);
    expect(statistic("Minimum", [])).toBeUndefined();
  });
});

describe("replay", () => {
  const alarm = alarmFromInputs("down", {
    comparisonOperator: "LessThanThreshold",
    threshold: 1,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    treatMissingData: "breaching",
    namespace: "NS",
    metricName: "Up",
    dimensions: { Fleet: "f" },
    statistic: "Minimum",
    period: 60,
  });

  it("reads a declared MetricAlarm's inputs, defaults included", () => {
    expect(alarm).toMatchObject({ period: 60, evaluationPeriods: 2, datapointsToAlarm: 2, source: { kind: "metric", metric: { stat: "Minimum", period: 60 } } });
    const defaults = alarmFromInputs("d", { comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 3, namespace: "NS", metricName: "X", dimensions: {}, statistic: "Sum", period: 300 });
    expect([defaults.datapointsToAlarm, defaults.treatMissingData]).toEqual([3, "missing"]);
    expect(() => alarmFromInputs("bad", { comparisonOperator: "GreaterThanUpperThreshold", threshold: 0, evaluationPeriods: 1 })).toThrow(/comparisonOperator/);
  });

  it("goes to ALARM only once the whole evaluation range is empty, and back to OK when data returns", () => {
    // Up = 1 every 10 s until 600, silent until 900, then 1 again.
    const source: MetricSource = (_, from, to) => {
      const out = [];
      for (let t = Math.ceil(from / 10) * 10; t < to; t += 10) if (t < 600 || t >= 900) out.push({ t, value: 1 });
      return out;
    };
    const result = replay(alarm, source, { from: 300, to: 1200 });
    expect(result.transitions).toEqual([
      { t: 300, from: "INSUFFICIENT_DATA", to: "OK" },
      // At 720 the range (4 periods) still holds 2 real points, enough to judge without filling;
      // at 780 one real OK point plus one filled breaching point: OK. At 840 the range is empty.
      { t: 840, from: "OK", to: "ALARM" },
      // [900, 960) has data again: one real OK point, one filled breaching point, 1 < 2.
      { t: 960, from: "ALARM", to: "OK" },
    ]);
    expect(result.firstAlarm?.t).toBe(840);
  });

  it("judges an expression alarm on the expression's series", () => {
    const percent = alarmFromInputs("attestation", {
      comparisonOperator: "GreaterThanThreshold",
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "missing",
      metricQueries: [
        { id: "e1", expression: "100 * FILL(m1, 0) / m2", label: "x", returnData: true },
        { id: "m1", returnData: false, metric: { namespace: "NS", metricName: "Failures", dimensions: {}, stat: "Sum", period: 300 } },
        { id: "m2", returnData: false, metric: { namespace: "NS", metricName: "Checks", dimensions: {}, stat: "Sum", period: 300 } },
      ],
    });
    // Two hosts checking every minute; from 1200 s on, one of them fails every check.
    const source: MetricSource = (metric, from, to) => {
      const out = [];
      for (let t = Math.ceil(from / 60) * 60; t < to; t += 60) {
        if (metric.metricName === "Checks") out.push({ t, value: 1 }, { t, value: 1 });
        else out.push({ t, value: 0 }, { t, value: t >= 1200 ? 1 : 0 });
      }
      return out;
    };
    const result = replay(percent, source, { from: 900, to: 2400 });
    expect(result.evaluations.at(-1)?.range.at(-1)).toBe(50);
    expect(result.firstAlarm?.t).toBe(1800);
  });
});

describe("anomaly detection alarms (ThresholdMetricId): wiring only, the band is a given model", () => {
  const m1 = { id: "m1", returnData: false, metric: { namespace: "AWS/ApplicationELB", metricName: "RequestCount", dimensions: { LoadBalancer: "app/x/1" }, stat: "Sum", period: 300 } };
  const banded = (extra: Record<string, unknown> = {}, band = "ANOMALY_DETECTION_BAND(e1, 3)") => ({
    comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
    thresholdMetricId: "ad1",
    evaluationPeriods: 2,
    metricQueries: [m1, { id: "e1", expression: "FILL(m1, 0)", returnData: true }, { id: "ad1", expression: band, returnData: true }],
    ...extra,
  });

  it("reads the band's width (default 2) and refuses what PutMetricAlarm or the band does not allow", () => {
    expect(alarmFromInputs("a", banded()).band).toEqual({ width: 3 });
    expect(alarmFromInputs("a", banded({}, "ANOMALY_DETECTION_BAND(e1)")).band).toEqual({ width: 2 });
    expect(alarmFromInputs("a", banded()).threshold).toBeUndefined();
    expect(() => alarmFromInputs("a", banded({ threshold: 1 }))).toThrow(/static threshold and thresholdMetricId/);
    expect(() => alarmFromInputs("a", banded({ comparisonOperator: "GreaterThanThreshold" }))).toThrow(/anomaly detection comparison/);
    expect(() => alarmFromInputs("a", banded({}, "ANOMALY_DETECTION_BAND(m1, 3)"))).toThrow(/drawn around m1, not around the alarm's value e1/);
    expect(() => alarmFromInputs("a", banded({}, "FILL(e1, 3)"))).toThrow(/not an ANOMALY_DETECTION_BAND/);
    expect(() => alarmFromInputs("a", banded({ thresholdMetricId: "zz" }))).toThrow(/names no query/);
    // Without thresholdMetricId a band operator is not a threshold comparison.
    expect(() => alarmFromInputs("a", { ...banded(), thresholdMetricId: undefined, threshold: 1 })).toThrow(/threshold comparison/);
  });

  it("judges each period against expected +- width x deviation, on the side(s) the operator names; no model, no replay", () => {
    const perPeriod: Record<number, number> = { 0: 100, 300: 100, 600: 150, 900: 40, 1200: 40 };
    const source: MetricSource = (_m, from) => (perPeriod[from] === undefined ? [] : [{ t: from, value: perPeriod[from]! }]);
    const model = () => ({ expected: 100, stdDev: 10 });
    const both = alarmFromInputs("a", banded());
    // 150 is above 130, 40 below 70: the last two periods (900, 1200) are both out, so ALARM at 1500.
    const r = replay(both, source, { from: 1500, to: 1500, band: model });
    expect(r.evaluations[0]!.state).toBe("ALARM");
    const upperOnly = alarmFromInputs("a", banded({ comparisonOperator: "GreaterThanUpperThreshold" }));
    expect(replay(upperOnly, source, { from: 1500, to: 1500, band: model }).final).toBe("OK");
    const wide = alarmFromInputs("a", banded({}, "ANOMALY_DETECTION_BAND(e1, 7)"));
    expect(replay(wide, source, { from: 1500, to: 1500, band: model }).final).toBe("OK");
    expect(() => replay(both, source, { from: 1500, to: 1500 })).toThrow(/give the replay a model of the learned band/);
  });
});
