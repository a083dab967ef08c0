import Module from "node:module";

// What a process that runs Pulumi programs only under mocks (the offline plan, the test suite)
// need not pay for. Measured in docs/testing.md ("The offline plan's CPU").

const INSTALLED = Symbol.for("tee-prover-infra.defer-closure-serialization");

type Load = (request: string, parent: { filename?: string } | null | undefined, isMain: boolean) => unknown;
const PULUMI_SDK = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;
/**
 * What @pulumi/pulumi requires as it loads that a mock-only process never uses, by the file that
 * requires it: TypeScript and arborist (closure serialization: parsing a function's text, finding
 * package roots; most of a bare `require("@pulumi/pulumi")`), normalize-package-data with its
 * license and git-host parsers (closure serialization, ~40 ms), and the Automation API namespace
 * (`pulumi.automation`: execa, js-yaml, tail-file, tmp; ~100 ms).
 */
const DEFERRED: ReadonlyArray<{ request: string; from: RegExp }> = [
  { request: "typescript", from: PULUMI_SDK },
  { request: "@npmcli/arborist", from: PULUMI_SDK },
  { request: "normalize-package-data", from: /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]codePaths\.js$/ },
  { request: "./automation", from: /[\\/]@pulumi[\\/]pulumi[\\/]index\.js$/ },
];

// Probes of loaders that look at every module's exports, answered without loading the module:
// tsx's require hook looks for a "module.exports" getter (its require(esm) interop), which
// none of the deferred modules has.
const INTEROP_PROBES = new Set<string | symbol>(["module.exports"]);

/** A stand-in for a module that loads it on first real use (exported for its test). */
export function deferredModule(load: () => object): object {
  let real: object | undefined;
  const target = (): object => (real ??= load());
  return new Proxy(
    {},
    {
      // __esModule makes TypeScript's __importStar and __importDefault hand out the proxy itself;
      // `default` is then what __importDefault would have wrapped: the module, unless it has one.
      get: (_, key) => {
        if (key === "__esModule") return true;
        const loaded = target();
        return key === "default" && !Reflect.has(loaded, "default") ? loaded : Reflect.get(loaded, key);
      },
      has: (_, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_, key) => {
        if (real === undefined && INTEROP_PROBES.has(key)) return undefined;
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
      },
    },
  );
}

/**
 * Each DEFERRED module, required from its file in @pulumi/pulumi, is handed out as a proxy that
 * loads the real module on first use, so a program that does serialize a function (a callback
 * Lambda) or drives the Automation API still gets the real thing. Once per process, before
 * @pulumi/pulumi loads.
 */
export function deferClosureSerializationModules(): void {
  if (Reflect.get(globalThis, INSTALLED) === true) return;
  Reflect.set(globalThis, INSTALLED, true);
  const originalLoad = Reflect.get(Module, "_load") as Load;
  Reflect.set(Module, "_load", function (this: unknown, request: string, parent: { filename?: string } | null | undefined, isMain: boolean): unknown {
    const from = parent?.filename ?? "";
    if (DEFERRED.some((d) => d.request === request && d.from.test(from))) {
      return deferredModule(() => originalLoad.call(this, request, parent, isMain) as object);
    }
    return originalLoad.call(this, request, parent, isMain);
  });
}

/** Whether the user asked Node for source-mapped stacks (`--enable-source-maps`, directly or in NODE_OPTIONS). */
export function sourceMapsRequested(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].includes("--enable-source-maps");
}

/**
 * Where @pulumi/pulumi reads a stack for its own bookkeeping: Resource.callsites, a stack of
 * unlimited depth per resource for its source position (which the mock monitor ignores), and
 * debuggablePromise, a stack on every promise it wraps, read only for its leak report under
 * PULUMI_DEBUG_PROMISE_LEAKS. Formatting them is about 0.2 s of CPU in a plan of 88 resources.
 */
const PULUMI_BOOKKEEPING = [/[\\/]@pulumi[\\/]pulumi[\\/]resource\.js$/, /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/];

type StackFormatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** A stack as V8 formats it when nothing maps its positions (for a Node without Error.prepareStackTrace). */
export function plainStack(error: Error, frames: readonly NodeJS.CallSite[]): string {
  return `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join("")}`;
}

/** Whether a stack was captured by Pulumi's bookkeeping (its first frame is in one of those files). */
export function isPulumiBookkeepingStack(frames: readonly NodeJS.CallSite[]): boolean {
  const origin = frames[0]?.getFileName() ?? "";
  return PULUMI_BOOKKEEPING.some((pattern) => pattern.test(origin));
}

let formatterBeforeQuieting: { formatter: StackFormatter | undefined } | undefined;

/**
 * For a process that runs programs only under mocks: Pulumi's bookkeeping stacks come out empty,
 * every other stack as `otherwise` formats it: by default the formatter in place, which in Node
 * 20 is Node's own (source-mapped when source maps are on). Not under PULUMI_DEBUG_PROMISE_LEAKS,
 * whose report prints them. Undone by restoreStackFormatting.
 */
export function quietPulumiBookkeepingStacks(otherwise: StackFormatter = Error.prepareStackTrace ?? plainStack): void {
  if (process.env["PULUMI_DEBUG_PROMISE_LEAKS"] || formatterBeforeQuieting) return;
  formatterBeforeQuieting = { formatter: Error.prepareStackTrace };
  Error.prepareStackTrace = (error, frames) => (isPulumiBookkeepingStack(frames) ? "" : otherwise(error, frames));
}

/** Gives stack formatting back to what it was before quietPulumiBookkeepingStacks (Node's, with source maps if on). */
export function restoreStackFormatting(): void {
  if (!formatterBeforeQuieting) return;
  Reflect.set(Error, "prepareStackTrace", formatterBeforeQuieting.formatter);
  formatterBeforeQuieting = undefined;
}

/**
 * The offline plan's process: closure serialization deferred, Pulumi's bookkeeping stacks not
 * formatted, and Node's source maps off unless asked for (tsx, which runs the plan of a team's
 * own program, turns them on; then Node reads the source map of every module it loads and maps
 * every frame of every stack: about 1 s of CPU in a plan). The price: an unexpected failure's
 * stack points into the compiled code; the CLI says how to get TypeScript positions.
 */
export function leanPlanProcess(): void {
  deferClosureSerializationModules();
  if (sourceMapsRequested(process.execArgv, process.env["NODE_OPTIONS"])) return;
  process.setSourceMapsEnabled(false);
  quietPulumiBookkeepingStacks();
}

/**
 * Runs `body` with no stack captured for errors created meanwhile, unless the user asked for
 * source-mapped stacks: Pulumi creates an Error per promise it wraps and per resource it
 * registers only to keep their stacks (~0.15 s of CPU in a plan of 88 resources, even unformatted).
 * For the plan CLI's run of this repository's program; a failure keeps its message, and
 * `NODE_OPTIONS=--enable-source-maps` brings full stacks back (the CLI says so).
 */
export async function withoutStackCapture<T>(body: () => Promise<T>): Promise<T> {
  if (sourceMapsRequested(process.execArgv, process.env["NODE_OPTIONS"])) return body();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await body();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
