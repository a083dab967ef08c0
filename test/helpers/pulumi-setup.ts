import { deferClosureSerializationModules } from "../../src/plan/lean-runtime";

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

// @pulumi/pulumi requires TypeScript and @npmcli/arborist when it loads, for closure serialization,
// which mocks never do: deferred until first use (src/plan/lean-runtime.ts, shared with the plan).
if (firstRun) deferClosureSerializationModules();
