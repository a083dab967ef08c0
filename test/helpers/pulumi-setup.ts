import { Resource } from "@pulumi/pulumi";

// Setup for the "pulumi" vitest project (see docs/testing.md).
//
// Every resource constructor records its source position from `new Error().stack`, taken with an
// unlimited stack depth (Resource.callsites in @pulumi/pulumi). Inside vitest that stack goes
// through the module runner's Error.prepareStackTrace, which source-maps every frame: about a
// second of CPU per test file. No test reads those positions, so they are taken from the plain
// V8 stack (positions in the transformed code) instead. Nothing else about the resource changes.
// (callsites is private in the typings; element access is TypeScript's sanctioned way to reach it.)
const callsites = Resource["callsites"].bind(Resource);
Resource["callsites"] = () => {
  const prepare = Error.prepareStackTrace;
  Reflect.deleteProperty(Error, "prepareStackTrace");
  try {
    return callsites();
  } finally {
    Error.prepareStackTrace = prepare;
  }
};
