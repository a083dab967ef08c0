// `npm run bench`: what one change costs, against the project's performance budgets
// (docs/testing.md). Pure functions here; src/bench/cli.ts runs the commands.

/** One measured command: wall and CPU seconds, peak resident memory when the OS told us. */
export interface Measurement {
  readonly name: string;
  readonly command: string;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB?: number;
  readonly exitCode: number;
  /** With repeated runs: each run's CPU seconds, in the order measured (this is the median run). */
  readonly cpuSecondsOfRuns?: readonly number[];
}

/**
 * Of repeated runs of one command, the run with the median CPU time (the lower median for an even
 * count), carrying every run's CPU: this machine's speed drifts by a third within minutes, and one
 * run of the floor and one of the plan may land on different sides of such a drift.
 */
export function medianRun(runs: readonly Measurement[]): Measurement {
  if (runs.length === 0) throw new Error("medianRun: no runs");
  const failed = runs.find((r) => r.exitCode !== 0);
  if (failed) return { ...failed, cpuSecondsOfRuns: runs.map((r) => r.cpuSeconds) };
  const sorted = [...runs].sort((a, b) => a.cpuSeconds - b.cpuSeconds);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, cpuSecondsOfRuns: runs.map((r) => r.cpuSeconds) };
}

/** The budgets: the plan relative to a process that only loads @pulumi/pulumi, and absolute times. */
export const BUDGETS = {
  planCpuOverFloor: 1.5,
  planPeakRssMiB: 250,
  testWallSeconds: 45,
  tscWallSeconds: 10,
} as const;

/**
 * Parse GNU time's `-f "%e %U %S %M"` line (wall, user, system seconds, peak RSS in KiB): the
 * last line of its stderr, after whatever the command itself wrote there.
 */
export function parseGnuTime(stderr: string): { wallSeconds: number; cpuSeconds: number; peakRssMiB: number } | undefined {
  const last = stderr.trimEnd().split("\n").at(-1) ?? "";
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/.exec(last.trim());
  if (!m) return undefined;
  return { wallSeconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), peakRssMiB: Math.round(Number(m[4]) / 1024) };
}

export interface Verdict {
  readonly check: string;
  readonly value: number;
  readonly budget: number;
  readonly unit: string;
  readonly ok: boolean;
}

/** Each budget against what was measured; a budget whose measurement is missing is left out. */
export function judge(measurements: readonly Measurement[]): Verdict[] {
  const by = (name: string) => measurements.find((m) => m.name === name);
  const verdicts: Verdict[] = [];
  const floor = by("floor");
  const plan = by("plan");
  if (floor && plan && floor.cpuSeconds > 0) {
    const ratio = plan.cpuSeconds / floor.cpuSeconds;
    verdicts.push({ check: "plan CPU / floor", value: Math.round(ratio * 100) / 100, budget: BUDGETS.planCpuOverFloor, unit: "x", ok: ratio <= BUDGETS.planCpuOverFloor });
  }
  if (plan?.peakRssMiB !== undefined) verdicts.push({ check: "plan peak RSS", value: plan.peakRssMiB, budget: BUDGETS.planPeakRssMiB, unit: "MiB", ok: plan.peakRssMiB <= BUDGETS.planPeakRssMiB });
  const test = by("test");
  if (test) verdicts.push({ check: "npm test wall", value: test.wallSeconds, budget: BUDGETS.testWallSeconds, unit: "s", ok: test.exitCode === 0 && test.wallSeconds <= BUDGETS.testWallSeconds });
  const tsc = by("tsc");
  if (tsc) verdicts.push({ check: "tsc wall", value: tsc.wallSeconds, budget: BUDGETS.tscWallSeconds, unit: "s", ok: tsc.exitCode === 0 && tsc.wallSeconds <= BUDGETS.tscWallSeconds });
  return verdicts;
}

/** The one-line summary: every check with its value and budget, then OVER BUDGET or within budget. */
export function summary(verdicts: readonly Verdict[]): string {
  const parts = verdicts.map((v) => `${v.check} ${v.value}${v.unit} (budget ${v.budget}${v.unit})${v.ok ? "" : " OVER"}`);
  return `bench: ${parts.join("; ")} => ${verdicts.every((v) => v.ok) ? "within budget" : "OVER BUDGET"}`;
}
