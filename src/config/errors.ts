// The errors submodule alone: the plan and verify CLIs report config errors without loading the runtime.
import { RunError } from "@pulumi/pulumi/errors";
import type { z } from "zod";
import { PROJECT } from "./schema";

/** One problem with the stack configuration: the key, what is wrong, and how to fix it. */
export interface ConfigProblem {
  /** Dotted path under the project namespace, e.g. `aws.instanceType` or `releases[0].manifest`. */
  readonly key: string;
  readonly message: string;
  readonly fix?: string;
}

/**
 * Thrown before any resource is declared; lists every problem at once. A RunError, so `pulumi up`
 * prints the message without a stack trace.
 */
export class ConfigError extends RunError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const key = p.key.includes(":") ? p.key : `${PROJECT}:${p.key}`;
    return `  - ${key}: ${p.message}${p.fix ? `\n      fix: ${p.fix}` : ""}`;
  });
  return `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

/** Render a zod path the way `pulumi config set --path` spells it. */
export function keyOf(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

/** The known key closest to a mistyped one, if it is close enough to be a typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(unknown.toLowerCase(), key.toLowerCase());
    if (!best || distance < best.distance) best = { key, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(unknown.length / 3)) ? best.key : undefined;
}

/** Turn zod issues into problems that name the key and say how to fix it. */
export function problemsFromZod(error: z.ZodError, knownKeysAt: (path: ReadonlyArray<PropertyKey>) => readonly string[]): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => {
        const key = keyOf([...issue.path, k]);
        const known = knownKeysAt(issue.path);
        const guess = suggestKey(k, known);
        return {
          key,
          message: `unknown key "${k}"${guess ? ` (did you mean "${guess}"?)` : ""}; a mistyped key would otherwise be silently ignored`,
          fix: `remove it${guess ? ` or rename it to "${keyOf([...issue.path, guess])}"` : ""}; known keys here: ${known.join(", ")}`,
        };
      });
    }
    const key = keyOf(issue.path);
    // `input` is only on issues parsed with `reportInput: true`; without it, never claim "required".
    const missing = issue.code === "invalid_type" && "input" in issue && issue.input === undefined;
    return [
      {
        key: key || "(root)",
        message: missing ? `is required (${issue.message})` : issue.message,
        fix: `pulumi config set --path '${key}' <value>`,
      },
    ];
  });
}
