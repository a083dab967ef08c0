// Setup for the "stateful" vitest project (see docs/testing.md).
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
if (sourceMapped !== undefined) {
  Error.prepareStackTrace = (error, frames) => {
    const origin = frames[0]?.getFileName() ?? "";
    if (PULUMI_BOOKKEEPING.some((pattern) => pattern.test(origin))) {
      return `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join("")}`;
    }
    return sourceMapped(error, frames);
  };
}
