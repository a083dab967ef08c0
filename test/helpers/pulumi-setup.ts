import Module from "node:module";

// Setup for every test file (see docs/testing.md). A worker that runs several files (the
// non-isolated project) runs this once per file, so it installs its two hooks once per process.
const INSTALLED = Symbol.for("tee-prover-infra.test.pulumi-setup");
const firstRun = Reflect.get(globalThis, INSTALLED) !== true;
Reflect.set(globalThis, INSTALLED, true);
//
// Inside vitest every `error.stack` goes through the module runner's Error.prepareStackTrace,
// which source-maps each frame. @pulumi/pulumi reads a stack for its own bookkeeping many times
// per resource: Resource.callsites records each resource's source position from a stack of
// unlimited depth, and debuggablePromise keeps a stack on every promise it wraps for its leak
// report. Mapping those costs about a second of CPU per test file, and no test reads them. So
// stacks captured at exactly those two places are formatted as V8 formats them by default
// (positions in the transformed code); every other stack, a failing assertion's included, is
// still source-mapped.
const PULUMI_BOOKKEEPING = [/[\\/]@pulumi[\\/]pulumi[\\/]resource\.js$/, /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/];

const sourceMapped = Error.prepareStackTrace;
if (firstRun && sourceMapped !== undefined) {
  Error.prepareStackTrace = (error, frames) => {
    const origin = frames[0]?.getFileName() ?? "";
    if (PULUMI_BOOKKEEPING.some((pattern) => pattern.test(origin))) {
      return `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join("")}`;
    }
    return sourceMapped(error, frames);
  };
}

// @pulumi/pulumi requires TypeScript and @npmcli/arborist when it loads (for closure
// serialization: parsing functions and finding package roots), about 1 s of CPU that the mock
// runtime never uses. Required from inside @pulumi/pulumi, each is handed out as a proxy that
// loads the real module on first use, so anything that does use them gets the real thing.
type Load = (request: string, parent: { filename?: string } | null | undefined, isMain: boolean) => unknown;
const DEFERRED = new Set(["typescript", "@npmcli/arborist"]);
const PULUMI_SDK = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;

function deferred(load: () => object): object {
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
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
      },
    },
  );
}

const originalLoad = Reflect.get(Module, "_load") as Load;
if (firstRun) Reflect.set(Module, "_load", function (this: unknown, request: string, parent: { filename?: string } | null | undefined, isMain: boolean): unknown {
  if (DEFERRED.has(request) && PULUMI_SDK.test(parent?.filename ?? "")) {
    return deferred(() => originalLoad.call(this, request, parent, isMain) as object);
  }
  return originalLoad.call(this, request, parent, isMain);
});
