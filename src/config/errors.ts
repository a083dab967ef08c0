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
 * Who handed us the values, so messages speak the caller's language: a stack's config keys and
 * `pulumi config set` fixes, or a library call's argument paths.
 */
export type FrontDoor = { readonly kind: "stack" } | { readonly kind: "args"; readonly component: string; readonly name: string };

export const STACK_FRONT_DOOR: FrontDoor = { kind: "stack" };

/**
 * Thrown before any resource is declared; lists every problem at once. A RunError, so `pulumi up`
 * prints the message without a stack trace.
 */
export class ConfigError extends RunError {
  constructor(readonly problems: readonly ConfigProblem[], readonly frontDoor: FrontDoor = STACK_FRONT_DOOR) {
    super(formatProblems(problems, frontDoor));
    this.name = "ConfigError";
  }
}

/** Provider config keys and the argument that stands for each in a library call. */
const PROVIDER_KEY_ARGS: Readonly<Record<string, string>> = { "aws:region": "aws.region", "gcp:project": "gcp.project", "gcp:region": "gcp.region", "azure-native:location": "azure.location", "azure-native:subscriptionId": "azure.subscriptionId" };

/** A problem's key as an argument path of a library call: `args.aws.vpc.vpcId`. */
export function argumentPath(key: string): string {
  const mapped = PROVIDER_KEY_ARGS[key] ?? key;
  return mapped.startsWith("(") ? `args ${mapped}` : `args.${mapped}`;
}

/**
 * Rewrite stack-speak into argument-speak: `pulumi config set [--secret] [--path] '<key>' <value>`
 * becomes `set args.<key> to <value>`, and provider keys become their arguments.
 */
export function toArgumentLanguage(text: string): string {
  return text
    .replace(/pulumi config set (?:--secret )?(?:--path )?'?([\w.:\[\]${}<>-]+)'?(?: (.+))?/g, (_m, key: string, value?: string) => `set ${argumentPath(key)}${value ? ` to ${value}` : ""}`)
    .replace(/\b(aws:region|gcp:project|gcp:region)\b|(azure-native:location|azure-native:subscriptionId)/g, (k: string) => argumentPath(k));
}

export function formatProblems(problems: readonly ConfigProblem[], frontDoor: FrontDoor = STACK_FRONT_DOOR): string {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  if (frontDoor.kind === "args") {
    const lines = problems.map((p) => `  - ${argumentPath(p.key)}: ${toArgumentLanguage(p.message)}${p.fix ? `\n      fix: ${toArgumentLanguage(p.fix)}` : ""}`);
    return `invalid arguments of ${frontDoor.component} "${frontDoor.name}" (${count}):\n${lines.join("\n")}`;
  }
  const lines = problems.map((p) => {
    const key = p.key.includes(":") ? p.key : `${PROJECT}:${p.key}`;
    return `  - ${key}: ${p.message}${p.fix ? `\n      fix: ${p.fix}` : ""}`;
  });
  return `invalid stack configuration (${count}):\n${lines.join("\n")}`;
}

/**
 * A `pulumi.Input` that is not a plain value: an Output (the SDK marks them `__pulumiOutput`, as
 * `Output.isInstance` checks) or a Promise. Duck-typed so the config modules need not load the SDK.
 */
export function isUnresolvedInput(value: unknown): value is PromiseLike<unknown> | { readonly __pulumiOutput: true } {
  if (typeof value !== "object" || value === null) return false;
  return (value as { __pulumiOutput?: unknown }).__pulumiOutput === true || typeof (value as { then?: unknown }).then === "function";
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
    const unresolved = issue.code === "invalid_type" && "input" in issue && isUnresolvedInput(issue.input);
    return [
      {
        key: key || "(root)",
        message: missing
          ? `is required (${issue.message})`
          : unresolved
            ? "is a pulumi Output or Promise, but this setting decides what is deployed and is validated before any resource is declared: pass a plain value (only ids, ARNs, networks, certificates and notification endpoints take Outputs)"
            : issue.message,
        fix: `pulumi config set --path '${key}' <value>`,
      },
    ];
  });
}
