import { describe, expect, it } from "vitest";
import { BUDGETS, judge, medianRun, parseGnuTime, summary, type Measurement } from "../../src/bench/measure";

const m = (name: string, wallSeconds: number, cpuSeconds: number, extra: Partial<Measurement> = {}): Measurement => ({ name, command: name, wallSeconds, cpuSeconds, exitCode: 0, ...extra });

describe("npm run bench", () => {
  it("reads GNU time's last stderr line, after the command's own output", () => {
    expect(parseGnuTime("warning: something\n3.21 2.50 0.40 215040\n")).toEqual({ wallSeconds: 3.21, cpuSeconds: 2.9, peakRssMiB: 210 });
    expect(parseGnuTime("Command exited with non-zero status 3\n1.00 0.90 0.10 102400")).toEqual({ wallSeconds: 1, cpuSeconds: 1, peakRssMiB: 100 });
    expect(parseGnuTime("no timing here")).toBeUndefined();
  });

  it("judges the plan against the floor and each absolute budget", () => {
    const verdicts = judge([m("floor", 1, 1.0), m("plan", 4, 3.3, { peakRssMiB: 215 }), m("tsc", 13, 17), m("test", 94, 180)]);
    expect(verdicts).toEqual([
      { check: "plan CPU / floor", value: 3.3, budget: BUDGETS.planCpuOverFloor, unit: "x", ok: false },
      { check: "plan peak RSS", value: 215, budget: 250, unit: "MiB", ok: true },
      { check: "npm test wall", value: 94, budget: 45, unit: "s", ok: false },
      { check: "tsc wall", value: 13, budget: 10, unit: "s", ok: false },
    ]);
    expect(summary(verdicts)).toBe("bench: plan CPU / floor 3.3x (budget 1.5x) OVER; plan peak RSS 215MiB (budget 250MiB); npm test wall 94s (budget 45s) OVER; tsc wall 13s (budget 10s) OVER => OVER BUDGET");
  });

  it("a failing command is over budget however fast it was; skipped measurements are left out", () => {
    const verdicts = judge([m("tsc", 2, 2, { exitCode: 2 })]);
    expect(verdicts).toEqual([{ check: "tsc wall", value: 2, budget: 10, unit: "s", ok: false }]);
    expect(summary(judge([m("floor", 1, 1), m("plan", 1, 1.2)]))).toBe("bench: plan CPU / floor 1.2x (budget 1.5x) => within budget");
  });

  it("keeps the median run of repeated ones, with every run's CPU; a failed run wins", () => {
    const runs = [m("plan", 2, 1.9), m("plan", 2, 1.5), m("plan", 2, 2.6), m("plan", 2, 1.6)];
    expect(medianRun(runs)).toEqual({ ...runs[3], cpuSecondsOfRuns: [1.9, 1.5, 2.6, 1.6] });
    expect(medianRun(runs.slice(0, 3)).cpuSeconds).toBe(1.9);
    expect(medianRun([m("plan", 1, 1), m("plan", 1, 1.1, { exitCode: 3 })]).exitCode).toBe(3);
    expect(() => medianRun([])).toThrow(/no runs/);
  });
});
