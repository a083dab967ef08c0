import Module from "node:module";

// What a process that runs Pulumi programs only under mocks (the offline plan, the test suite)
// need not pay for. Measured in docs/testing.md ("The offline plan's CPU").

const INSTALLED = Symbol.for("tee-prover-infra.defer-closure-serialization");

type Load = (request: string, parent: { filename?: string } | null | undefined, isMain: boolean) => unknown;
const DEFERRED = new Set(["typescript", "@npmcli/arborist"]);
const PULUMI_SDK = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;

// Probes of loaders that look at every module's exports, answered without loading the module:
// tsx's require hook looks for a "module.exports" getter (its require(esm) interop), which
// neither TypeScript nor arborist has.
const INTEROP_PROBES = new Set<string | symbol>(["module.exports"]);

/** A stand-in for a module that loads it on first real use (exported for its test). */
export function deferredModule(load: () => object): object {
  let real: object | undefined;
  const target = (): object => (real ??= load());
  // __esModule: TypeScript's __importStar then keeps the proxy instead of copying every export.
  return new Proxy(
    {},
    {
      get: (_, key) => (key === "__esModule" ? true : Reflect.get(target(), key)),
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
 * @pulumi/pulumi requires TypeScript and @npmcli/arborist as it loads, for closure serialization
 * only (parsing a function's text, finding package roots): most of the CPU of a bare
 * `require("@pulumi/pulumi")`. Required from inside @pulumi/pulumi, each is handed out as a proxy
 * that loads the real module on first use, so a program that does serialize a function (a
 * callback Lambda) still gets the real thing. Once per process, before @pulumi/pulumi loads.
 */
export function deferClosureSerializationModules(): void {
  if (Reflect.get(globalThis, INSTALLED) === true) return;
  Reflect.set(globalThis, INSTALLED, true);
  const originalLoad = Reflect.get(Module, "_load") as Load;
  Reflect.set(Module, "_load", function (this: unknown, request: string, parent: { filename?: string } | null | undefined, isMain: boolean): unknown {
    if (DEFERRED.has(request) && PULUMI_SDK.test(parent?.filename ?? "")) {
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
 * The offline plan's process: closure serialization deferred, and Node's source maps off unless
 * asked for. tsx turns them on, and then Node reads and parses the source map of every module
 * it loads (the SDK and providers ship theirs) and maps every frame of the stacks Pulumi
 * captures per resource and per promise: about 1 s of CPU in a plan. The price: an unexpected
 * failure's stack points into tsx's transpiled code; the CLI says how to get TypeScript positions.
 */
export function leanPlanProcess(): void {
  deferClosureSerializationModules();
  if (!sourceMapsRequested(process.execArgv, process.env["NODE_OPTIONS"])) process.setSourceMapsEnabled(false);
}
