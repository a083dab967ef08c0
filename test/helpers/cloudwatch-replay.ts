/**
 * A CloudWatch metric-alarm evaluator of our own, for replaying metric streams through the alarms
 * the component declares. Test-only. It follows the CloudWatch user guide:
 *
 * - "Evaluating an alarm" and "How alarm state is evaluated when data is missing"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
 *   each evaluation retrieves more periods than EvaluationPeriods (the evaluation range); with at
 *   least N real data points it judges the N most recent ones; with fewer it fills the missing
 *   ones per TreatMissingData, as few as possible, and always keeps every real point. Then ALARM
 *   when at least DatapointsToAlarm are breaching, else OK. The user guide's two tables (3 of 3 and
 *   2 of 3, 5 data points retrieved) are the evaluator's own test cases.
 * - "Using metric math" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
 *   arithmetic treats a missing value as 0 and drops a point that divides by zero; comparisons and
 *   AND/OR between two series treat a missing value as 0; FILL fills every period of the range;
 *   IF follows the per-syntax rules of "Using IF expressions".
 *
 * - "Create a CloudWatch alarm based on anomaly detection"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html):
 *   an alarm with `ThresholdMetricId` compares its value with the band that
 *   `ANOMALY_DETECTION_BAND(id, width)` returns, per period, instead of a static threshold. The band
 *   itself is LEARNED by CloudWatch from the series' history; the evaluator does not pretend to
 *   learn it. A replay is given a model of what has been learned (expected value and standard
 *   deviation per period) and draws the band as expected +- width x deviation, so a replay tests
 *   the alarm's wiring (which series, which width, which side, how many periods, missing data),
 *   never the learning. ASSUMPTION: the band is symmetric around the expected value.
 *
 * What the guide leaves open is marked ASSUMPTION below, chosen so that a replay errs towards
 * ALARM (a test asserting "no page" must not pass because the model is lenient).
 */

export type TreatMissingData = "breaching" | "notBreaching" | "ignore" | "missing";
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type ComparisonOperator = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
/** Comparisons of an anomaly detection alarm (PutMetricAlarm: only with ThresholdMetricId). */
export type BandOperator = "LessThanLowerOrGreaterThanUpperThreshold" | "LessThanLowerThreshold" | "GreaterThanUpperThreshold";

/** What CloudWatch has learned for one period: the band is expected +- width x stdDev. */
export type BandModel = (periodStart: number) => { readonly expected: number; readonly stdDev: number };

/** A metric as an alarm names it. */
export interface MetricId {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface MetricQuery extends MetricId {
  /** Sum, Minimum, Maximum, Average, SampleCount or a percentile such as p95. */
  readonly stat: string;
  readonly period: number;
}

export interface AlarmDefinition {
  readonly name: string;
  readonly comparisonOperator: ComparisonOperator | BandOperator;
  /** Static threshold; absent for an anomaly detection alarm (`band`). */
  readonly threshold?: number;
  /** Anomaly detection: the band's width (standard deviations) from `ANOMALY_DETECTION_BAND(e, width)`. */
  readonly band?: { readonly width: number };
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  readonly period: number;
  readonly source:
    | { readonly kind: "metric"; readonly metric: MetricQuery }
    | { readonly kind: "expression"; readonly expression: string; readonly metrics: Readonly<Record<string, MetricQuery>> };
}

/** One raw value as published (PutMetricData or an AWS service), at `t` seconds. */
export interface Sample {
  readonly t: number;
  readonly value: number;
}

/** Raw samples of `metric` with from <= t < to. */
export type MetricSource = (metric: MetricId, from: number, to: number) => readonly Sample[];

// ---- reading the alarm from a declared aws.cloudwatch.MetricAlarm ------------------------------

function field<T>(inputs: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T {
  const value = inputs[key];
  if (!check(value)) throw new Error(`alarm input ${key} is ${JSON.stringify(value)}, expected ${what}`);
  return value;
}
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringRecord = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every(isString);
const COMPARISONS: readonly ComparisonOperator[] = ["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"];
const BAND_COMPARISONS: readonly BandOperator[] = ["LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"];
const TREATMENTS: readonly TreatMissingData[] = ["breaching", "notBreaching", "ignore", "missing"];

/**
 * The evaluator's view of a MetricAlarm's inputs as the program declared them (e.g. from the mock
 * runtime). Refuses anything it does not model rather than guessing.
 */
export function alarmFromInputs(name: string, inputs: Record<string, unknown>): AlarmDefinition {
  const bandId = inputs["thresholdMetricId"];
  const banded = bandId !== undefined;
  const comparisonOperator = banded
    ? field(inputs, "comparisonOperator", (v): v is BandOperator => BAND_COMPARISONS.includes(v as BandOperator), "an anomaly detection comparison (with thresholdMetricId)")
    : field(inputs, "comparisonOperator", (v): v is ComparisonOperator => COMPARISONS.includes(v as ComparisonOperator), "a threshold comparison");
  // PutMetricAlarm: Threshold and ThresholdMetricId exclude each other.
  if (banded && inputs["threshold"] !== undefined) throw new Error(`alarm ${name}: a static threshold and thresholdMetricId together`);
  const evaluationPeriods = field(inputs, "evaluationPeriods", isNumber, "a number");
  // PutMetricAlarm: DatapointsToAlarm defaults to EvaluationPeriods; TreatMissingData to missing.
  const datapointsToAlarm = inputs["datapointsToAlarm"] === undefined ? evaluationPeriods : field(inputs, "datapointsToAlarm", isNumber, "a number");
  const treatMissingData = inputs["treatMissingData"] === undefined ? "missing" : field(inputs, "treatMissingData", (v): v is TreatMissingData => TREATMENTS.includes(v as TreatMissingData), "a TreatMissingData value");
  const common = { name, comparisonOperator, ...(banded ? {} : { threshold: field(inputs, "threshold", isNumber, "a number") }), evaluationPeriods, datapointsToAlarm, treatMissingData };
  const queries = inputs["metricQueries"];
  if (queries === undefined) {
    const period = field(inputs, "period", isNumber, "a number");
    const stat = inputs["extendedStatistic"] ?? inputs["statistic"];
    if (!isString(stat)) throw new Error(`alarm ${name} has no statistic`);
    const metric: MetricQuery = {
      namespace: field(inputs, "namespace", isString, "a string"),
      metricName: field(inputs, "metricName", isString, "a string"),
      dimensions: field(inputs, "dimensions", isStringRecord, "resolved dimensions"),
      stat,
      period,
    };
    return { ...common, period, source: { kind: "metric", metric } };
  }
  if (!Array.isArray(queries)) throw new Error(`alarm ${name}: metricQueries is not a list`);
  const metrics: Record<string, MetricQuery> = {};
  let expression: string | undefined;
  let band: { id: string; of: string; width: number } | undefined;
  if (banded && !(queries as unknown[]).some((q) => isRecord(q) && q["id"] === bandId)) throw new Error(`alarm ${name}: thresholdMetricId ${String(bandId)} names no query`);
  for (const q of queries as unknown[]) {
    if (!isRecord(q) || !isString(q["id"])) throw new Error(`alarm ${name}: a metric query has no id`);
    if (banded && q["id"] === bandId) {
      const m = isString(q["expression"]) ? /^ANOMALY_DETECTION_BAND\(\s*([a-z][A-Za-z0-9_]*)\s*(?:,\s*(\d+(?:\.\d+)?)\s*)?\)$/.exec(q["expression"]) : null;
      if (!m?.[1]) throw new Error(`alarm ${name}: thresholdMetricId ${String(bandId)} is not an ANOMALY_DETECTION_BAND expression`);
      if (q["returnData"] !== true) throw new Error(`alarm ${name}: the band must be returned (returnData true)`);
      // The width defaults to 2 standard deviations.
      band = { id: q["id"], of: m[1], width: m[2] === undefined ? 2 : Number(m[2]) };
      continue;
    }
    if (q["returnData"] === true) {
      if (expression !== undefined || !isString(q["expression"])) throw new Error(`alarm ${name}: exactly one returned query, an expression, is modelled`);
      expression = q["expression"];
      continue;
    }
    const m = q["metric"];
    if (!isRecord(m)) throw new Error(`alarm ${name}: query ${q["id"]} is neither the expression nor a metric`);
    metrics[q["id"]] = {
      namespace: field(m, "namespace", isString, "a string"),
      metricName: field(m, "metricName", isString, "a string"),
      dimensions: field(m, "dimensions", isStringRecord, "resolved dimensions"),
      stat: field(m, "stat", isString, "a string"),
      period: field(m, "period", isNumber, "a number"),
    };
  }
  if (expression === undefined) throw new Error(`alarm ${name}: no returned expression`);
  const valueId = (queries as Array<Record<string, unknown>>).find((q) => q["returnData"] === true && q["id"] !== bandId)?.["id"];
  if (band && band.of !== valueId) throw new Error(`alarm ${name}: the band is drawn around ${band.of}, not around the alarm's value ${String(valueId)}`);
  const periods = new Set(Object.values(metrics).map((m) => m.period));
  // "Each metric must be using the same period" (Alarms on math expressions).
  if (periods.size !== 1) throw new Error(`alarm ${name}: metrics of an expression alarm must share one period`);
  return { ...common, ...(band ? { band: { width: band.width } } : {}), period: [...periods][0] ?? 0, source: { kind: "expression", expression, metrics } };
}

// ---- statistics ---------------------------------------------------------------------------------

export function statistic(stat: string, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (stat) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "SampleCount":
      return values.length;
  }
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (percentile?.[1] !== undefined) {
    // Nearest rank.
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }
  throw new Error(`statistic ${stat} is not modelled`);
}

// ---- metric math ----------------------------------------------------------------------------

/** A time series over the evaluation range, oldest first; undefined is a missing point. */
export type Series = ReadonlyArray<number | undefined>;
type Value = { readonly kind: "scalar"; readonly value: number } | { readonly kind: "series"; readonly points: Series };

type Node =
  | { readonly type: "number"; readonly value: number }
  | { readonly type: "id"; readonly name: string }
  | { readonly type: "neg"; readonly arg: Node }
  | { readonly type: "binary"; readonly op: string; readonly left: Node; readonly right: Node }
  | { readonly type: "call"; readonly fn: string; readonly args: readonly Node[] };

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||[-+*/^(),<>])/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    re.lastIndex = index;
    const match = re.exec(text);
    if (match?.[1] === undefined) throw new Error(`metric math: cannot read "${text.slice(index)}"`);
    tokens.push(match[1]);
    index = re.lastIndex;
  }
  return tokens;
}

/** Parses the subset of metric math our alarms use: numbers, ids, + - * / ^, comparisons, AND/OR, FILL, IF. */
export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (expected?: string): string => {
    const token = tokens[pos];
    if (token === undefined || (expected !== undefined && token !== expected)) throw new Error(`metric math: expected ${expected ?? "more"} at token ${pos} of "${text}"`);
    pos += 1;
    return token;
  };
  const levels: ReadonlyArray<readonly string[]> = [["OR", "||"], ["AND", "&&"], ["==", "!=", "<", ">", "<=", ">="], ["+", "-"], ["*", "/"], ["^"]];
  const binary = (level: number): Node => {
    if (level === levels.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const op = peek();
      if (op === undefined || !(levels[level] ?? []).includes(op)) return left;
      take();
      const normalized = op === "&&" ? "AND" : op === "||" ? "OR" : op;
      left = { type: "binary", op: normalized, left, right: binary(level + 1) };
    }
  };
  const unary = (): Node => {
    if (peek() === "-") {
      take();
      return { type: "neg", arg: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = take();
    if (token === "(") {
      const inner = binary(0);
      take(")");
      return inner;
    }
    if (/^\d/.test(token)) return { type: "number", value: Number(token) };
    if (/^[A-Z]/.test(token)) {
      take("(");
      const args: Node[] = [];
      if (peek() !== ")") {
        args.push(binary(0));
        while (peek() === ",") {
          take(",");
          args.push(binary(0));
        }
      }
      take(")");
      return { type: "call", fn: token, args };
    }
    // "The Id ... must start with a lowercase letter."
    if (/^[a-z]/.test(token)) return { type: "id", name: token };
    throw new Error(`metric math: unexpected "${token}" in "${text}"`);
  };
  const node = binary(0);
  if (pos !== tokens.length) throw new Error(`metric math: trailing "${tokens.slice(pos).join(" ")}" in "${text}"`);
  return node;
}

function arithmetic(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return b === 0 ? undefined : a / b;
    case "^":
      return a ** b;
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "<":
      return a < b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "AND":
      return a !== 0 && b !== 0 ? 1 : 0;
    case "OR":
      return a !== 0 || b !== 0 ? 1 : 0;
  }
  throw new Error(`metric math: operator ${op} is not modelled`);
}

function evaluateNode(node: Node, series: Readonly<Record<string, Series>>, length: number): Value {
  switch (node.type) {
    case "number":
      return { kind: "scalar", value: node.value };
    case "id": {
      const points = series[node.name];
      if (points === undefined) throw new Error(`metric math: unknown id ${node.name}`);
      return { kind: "series", points };
    }
    case "neg": {
      const v = evaluateNode(node.arg, series, length);
      return v.kind === "scalar" ? { kind: "scalar", value: -v.value } : { kind: "series", points: v.points.map((p) => (p === undefined ? undefined : -p)) };
    }
    case "binary": {
      const l = evaluateNode(node.left, series, length);
      const r = evaluateNode(node.right, series, length);
      if (l.kind === "scalar" && r.kind === "scalar") {
        const value = arithmetic(node.op, l.value, r.value);
        if (value === undefined) throw new Error("metric math: scalar division by zero");
        return { kind: "scalar", value };
      }
      const points = Array.from({ length }, (_, i) => {
        const a = l.kind === "scalar" ? l.value : l.points[i];
        const b = r.kind === "scalar" ? r.value : r.points[i];
        // TS op S: only where the series has a point. TS op TS: a point missing in one series is
        // 0 (arithmetic and comparisons alike); missing in both stays missing.
        if (l.kind === "scalar" || r.kind === "scalar") {
          if (a === undefined || b === undefined) return undefined;
          return arithmetic(node.op, a, b);
        }
        if (a === undefined && b === undefined) return undefined;
        return arithmetic(node.op, a ?? 0, b ?? 0);
      });
      return { kind: "series", points };
    }
    case "call": {
      const args = node.args.map((a) => evaluateNode(a, series, length));
      if (node.fn === "FILL") {
        const [target, filler] = args;
        if (target?.kind !== "series" || filler?.kind !== "scalar" || args.length !== 2) throw new Error("metric math: only FILL(series, scalar) is modelled");
        return { kind: "series", points: target.points.map((p) => p ?? filler.value) };
      }
      if (node.fn === "IF") {
        const [condition, whenTrue, whenFalse] = args;
        if (condition === undefined || whenTrue === undefined) throw new Error("metric math: IF needs a condition and a value");
        if (condition.kind === "scalar") {
          const chosen = condition.value !== 0 ? whenTrue : whenFalse;
          if (chosen === undefined) return { kind: "series", points: Array.from({ length }, () => undefined) };
          return chosen.kind === "series" ? chosen : { kind: "series", points: Array.from({ length }, () => chosen.value) };
        }
        const points = condition.points.map((c, i) => {
          if (c === undefined) return undefined;
          if (c !== 0) return whenTrue.kind === "scalar" ? whenTrue.value : (whenTrue.points[i] ?? 0);
          if (whenFalse === undefined) return undefined;
          return whenFalse.kind === "scalar" ? whenFalse.value : whenFalse.points[i];
        });
        return { kind: "series", points };
      }
      throw new Error(`metric math: function ${node.fn} is not modelled`);
    }
  }
}

/** Evaluates an expression over aligned series; the result must be a time series. */
export function evaluateExpression(expression: string, series: Readonly<Record<string, Series>>, length: number): Series {
  const result = evaluateNode(parseExpression(expression), series, length);
  if (result.kind !== "series") throw new Error(`metric math: "${expression}" is a scalar, not a time series`);
  return result.points;
}

// ---- the M out of N decision with missing data ------------------------------------------------

/**
 * The state after one evaluation, given the evaluation range's points (oldest first; true =
 * breaching, false = not breaching, undefined = missing).
 */
export function decide(range: ReadonlyArray<boolean | undefined>, n: number, m: number, treat: TreatMissingData, current: AlarmState): AlarmState {
  const real = range.filter((p): p is boolean => p !== undefined);
  if (real.length >= n) {
    const breaching = real.slice(-n).filter(Boolean).length;
    return breaching >= m ? "ALARM" : "OK";
  }
  const realBreaching = real.filter(Boolean).length;
  const realOk = real.length - realBreaching;
  const fill = n - real.length;
  switch (treat) {
    case "breaching":
      return realBreaching + fill >= m ? "ALARM" : "OK";
    case "notBreaching":
      return realBreaching >= m ? "ALARM" : "OK";
    case "missing":
    case "ignore": {
      if (real.length === 0) return treat === "missing" ? "INSUFFICIENT_DATA" : current;
      if (realBreaching >= m) return "ALARM";
      if (realOk > 0) return "OK";
      if (treat === "ignore") return current;
      // Only breaching points, fewer than M. The guide's 3-of-3 table: "- - - - X" gives
      // INSUFFICIENT_DATA but "X - - - -" gives ALARM, "because the oldest evaluated data point is
      // breaching and there aren't any non-breaching data points". ASSUMPTION: that rule as stated.
      return range[0] === true ? "ALARM" : "INSUFFICIENT_DATA";
    }
  }
}

// ---- replay -----------------------------------------------------------------------------------

function breaches(op: ComparisonOperator | BandOperator, value: number, threshold: number): boolean {
  switch (op) {
    case "LessThanLowerOrGreaterThanUpperThreshold":
    case "LessThanLowerThreshold":
    case "GreaterThanUpperThreshold":
      throw new Error("a band comparison needs the band");
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

/**
 * ASSUMPTION: the evaluation range is EvaluationPeriods + 2 periods (the guide retrieves 5 data
 * points for 3 evaluation periods; it does not say how many for other settings).
 */
export function evaluationRangeOf(alarm: AlarmDefinition): number {
  return alarm.evaluationPeriods + 2;
}

/** The alarm's value per period over the `count` complete periods that end at `end` (oldest first). */
export function alarmSeries(alarm: AlarmDefinition, source: MetricSource, end: number, count: number): Series {
  const period = alarm.period;
  const starts = Array.from({ length: count }, (_, i) => end - (count - i) * period);
  const datapoints = (metric: MetricQuery): Series =>
    starts.map((start) => statistic(metric.stat, source(metric, start, start + period).map((s) => s.value)));
  if (alarm.source.kind === "metric") return datapoints(alarm.source.metric);
  const series = Object.fromEntries(Object.entries(alarm.source.metrics).map(([id, metric]) => [id, datapoints(metric)]));
  return evaluateExpression(alarm.source.expression, series, count);
}

export interface Evaluation {
  readonly t: number;
  readonly state: AlarmState;
  readonly range: Series;
}

export interface ReplayResult {
  readonly alarm: string;
  readonly evaluations: readonly Evaluation[];
  /** Every transition, as CloudWatch would notify it (alarm actions run on a change into ALARM). */
  readonly transitions: ReadonlyArray<{ readonly t: number; readonly from: AlarmState; readonly to: AlarmState }>;
  readonly final: AlarmState;
  /** The first evaluation in ALARM, if any. */
  readonly firstAlarm?: Evaluation;
}

/**
 * Evaluates the alarm every `step` seconds (CloudWatch evaluates every minute) from `from` to
 * `to`, starting in INSUFFICIENT_DATA as a new alarm does. Only complete periods are evaluated.
 */
/** Whether `value` is out of the band on the side(s) the operator watches. */
export function outsideBand(op: BandOperator, value: number, lower: number, upper: number): boolean {
  switch (op) {
    case "LessThanLowerOrGreaterThanUpperThreshold":
      return value < lower || value > upper;
    case "LessThanLowerThreshold":
      return value < lower;
    case "GreaterThanUpperThreshold":
      return value > upper;
  }
}

export function replay(alarm: AlarmDefinition, source: MetricSource, options: { readonly from: number; readonly to: number; readonly step?: number; readonly initial?: AlarmState; readonly band?: BandModel }): ReplayResult {
  const step = options.step ?? 60;
  if (alarm.band && !options.band) throw new Error(`alarm ${alarm.name} is an anomaly detection alarm: give the replay a model of the learned band`);
  const count = evaluationRangeOf(alarm);
  let state: AlarmState = options.initial ?? "INSUFFICIENT_DATA";
  const evaluations: Evaluation[] = [];
  const transitions: Array<{ t: number; from: AlarmState; to: AlarmState }> = [];
  for (let t = options.from; t <= options.to; t += step) {
    const end = Math.floor(t / alarm.period) * alarm.period;
    const range = alarmSeries(alarm, source, end, count);
    const flags = range.map((v, i) => {
      if (v === undefined) return undefined;
      const band = alarm.band;
      if (band && options.band) {
        const { expected, stdDev } = options.band(end - (count - i) * alarm.period);
        return outsideBand(alarm.comparisonOperator as BandOperator, v, expected - band.width * stdDev, expected + band.width * stdDev);
      }
      if (alarm.threshold === undefined) throw new Error(`alarm ${alarm.name} has no threshold`);
      return breaches(alarm.comparisonOperator, v, alarm.threshold);
    });
    const next = decide(flags, alarm.evaluationPeriods, alarm.datapointsToAlarm, alarm.treatMissingData, state);
    if (next !== state) transitions.push({ t, from: state, to: next });
    state = next;
    evaluations.push({ t, state, range });
  }
  const firstAlarm = evaluations.find((e) => e.state === "ALARM");
  return { alarm: alarm.name, evaluations, transitions, final: state, ...(firstAlarm ? { firstAlarm } : {}) };
}
