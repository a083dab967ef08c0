/**
 * The verifier's result model: a list of named checks, each ok / fail / warn / skip with a reason,
 * and an overall severity that the CLI maps to its exit code. Kept free of heavy imports so the
 * CLI can print usage errors without loading crypto or config code.
 */

export type CheckStatus = "ok" | "fail" | "warn" | "skip";

/** P0: the fleet may not be running what was pinned (page someone). warning: look at it in hours. */
export type Severity = "P0" | "warning";

export interface Check {
  /** Stable identifier, e.g. `signature`, `chain`, `pcrs` (tests and --json consumers key on it). */
  readonly id: string;
  readonly status: CheckStatus;
  /** What a failure of this check means; warnings and skips carry "warning". */
  readonly severity: Severity;
  readonly reason: string;
}

export type Overall = "ok" | "warning" | "P0";

export function ok(id: string, reason: string): Check {
  return { id, status: "ok", severity: "warning", reason };
}
export function p0(id: string, reason: string): Check {
  return { id, status: "fail", severity: "P0", reason };
}
export function warn(id: string, reason: string): Check {
  return { id, status: "warn", severity: "warning", reason };
}
export function skip(id: string, reason: string): Check {
  return { id, status: "skip", severity: "warning", reason };
}

/** P0 when any P0 check failed; warning when any check warned or failed as a warning; else ok. */
export function overall(checks: readonly Check[]): Overall {
  if (checks.some((c) => c.status === "fail" && c.severity === "P0")) return "P0";
  if (checks.some((c) => c.status === "warn" || c.status === "fail")) return "warning";
  return "ok";
}

/** Exit codes (docs/verify.md): 0 ok, 1 P0, 2 usage, 3 warnings only. */
export const EXIT = { ok: 0, p0: 1, usage: 2, warning: 3 } as const;

export function exitCode(result: Overall): number {
  return result === "P0" ? EXIT.p0 : result === "warning" ? EXIT.warning : EXIT.ok;
}

const MARK: Record<CheckStatus, string> = { ok: "ok  ", fail: "FAIL", warn: "warn", skip: "skip" };

/** Human output: one line per check, then the verdict. */
export function renderChecks(title: string, checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.id.length), 4);
  const lines = checks.map((c) => `  ${MARK[c.status]} ${c.id.padEnd(width)}  ${c.status === "fail" ? `[${c.severity}] ` : ""}${c.reason}`);
  const verdict = overall(checks);
  const summary =
    verdict === "P0"
      ? "RESULT: P0 - attestation, measurements or chain do not match what was pinned"
      : verdict === "warning"
        ? "RESULT: warnings only"
        : "RESULT: ok";
  return `${title}\n${lines.join("\n")}\n${summary}\n`;
}
