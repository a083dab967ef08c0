import { createRequire } from "node:module";
import * as types from "node:util/types";
import * as vm from "node:vm";
import { describe, expect, test } from "vitest";
import * as debuggable from "@pulumi/pulumi/runtime/debuggable";
import { deferredModule, quietPulumiBookkeepingStacks, restoreStackFormatting, sourceMapsRequested, withoutStackCapture } from "../../src/plan/lean-runtime";

describe("a deferred module (TypeScript and arborist, as @pulumi/pulumi requires them)", () => {
  function counted() {
    let loads = 0;
    const real = { version: "5.9.3", parse: (s: string) => s.length };
    return { proxy: deferredModule(() => (loads++, real)) as typeof real, loads: () => loads };
  }

  test("is not loaded by the probes loaders make of every module's exports", () => {
    const { proxy, loads } = counted();
    // tsx's require hook looks for a "module.exports" getter on every module it loads; TypeScript's
    // __importStar reads __esModule. Neither may load the module.
    expect(Object.getOwnPropertyDescriptor(proxy, "module.exports")).toBeUndefined();
    expect(Reflect.get(proxy, "__esModule")).toBe(true);
    expect(loads()).toBe(0);
  });

  test("loads the real module once, on first use, and then behaves as it", () => {
    const { proxy, loads } = counted();
    expect(proxy.version).toBe("5.9.3");
    expect(proxy.parse("abc")).toBe(3);
    expect("parse" in proxy).toBe(true);
    expect(Object.keys(proxy).sort()).toEqual(["parse", "version"]);
    expect(loads()).toBe(1);
  });
  test("as TypeScript's __importDefault sees it: the module itself as `default`, unless it has its own", () => {
    const normalize = (data: object) => ({ ...data, normalized: true });
    const proxy = deferredModule(() => normalize);
    expect(Reflect.get(proxy, "__esModule")).toBe(true);
    expect((Reflect.get(proxy, "default") as typeof normalize)({ name: "x" })).toEqual({ name: "x", normalized: true });
    const withDefault = deferredModule(() => ({ default: "own" }));
    expect(Reflect.get(withDefault, "default")).toBe("own");
  });
});

describe("what @pulumi/pulumi requires and a mock-only process never uses (installed by the test setup)", () => {
  const sdkFile = (rel: string) => createRequire(__filename).resolve(`@pulumi/pulumi/${rel}`);

  test("is deferred where the SDK requires it, and still works on first use", () => {
    const automation = createRequire(sdkFile("index.js"))("./automation") as { LocalWorkspace: unknown };
    expect(types.isProxy(automation)).toBe(true);
    expect(typeof automation.LocalWorkspace).toBe("function");
    // codePaths.js: `__importDefault(require("normalize-package-data")).default(data)`.
    const normalize = createRequire(sdkFile("runtime/closure/codePaths.js"))("normalize-package-data") as { __esModule: boolean; default: (data: Record<string, unknown>) => void };
    expect(types.isProxy(normalize)).toBe(true);
    const data: Record<string, unknown> = { name: "x", version: "1.0.0" };
    normalize.default(data);
    expect(data["_id"]).toBe("x@1.0.0");
    // The SDK's own namespace is the deferred one.
    expect(types.isProxy((require("@pulumi/pulumi") as { automation: unknown }).automation)).toBe(true);
  });

  test("is loaded as usual when required from elsewhere", () => {
    expect(types.isProxy(createRequire(__filename)("normalize-package-data"))).toBe(false);
  });
});

test("source maps stay on when the user asks Node for them, directly or through NODE_OPTIONS", () => {
  expect(sourceMapsRequested(["--enable-source-maps"], undefined)).toBe(true);
  expect(sourceMapsRequested([], "--max-old-space-size=512 --enable-source-maps")).toBe(true);
  expect(sourceMapsRequested(["--import", "tsx"], "")).toBe(false);
  expect(sourceMapsRequested([], undefined)).toBe(false);
});

describe("Pulumi's bookkeeping stacks, not formatted in a mock-only process", () => {
  // A function whose frames are in a file of that name, as Pulumi's own would be.
  const stackFrom = (file: string): string => (vm.runInThisContext("(() => new Error('probe').stack)", { filename: file }) as () => string)();
  // debuggablePromise (internal to the SDK, so missing from its declarations) annotates the
  // promise it is given and returns a chained one.
  const debuggablePromise = Reflect.get(debuggable, "debuggablePromise") as (p: Promise<unknown>, ctx: string) => Promise<unknown>;
  const promiseStack = (): string => {
    const p = Promise.resolve();
    void debuggablePromise(p, "probe");
    return String(Reflect.get(p, "_debugStackTrace"));
  };

  // The test setup (test/helpers/pulumi-setup.ts) quiets them for every file: each test starts
  // from Node's formatting and leaves the setup's in place.
  function fromNodesFormatting(body: () => void): void {
    restoreStackFormatting();
    try {
      body();
    } finally {
      restoreStackFormatting();
      quietPulumiBookkeepingStacks();
    }
  }

  test("the real SDK's promise and resource stacks come out empty; every other stack is formatted as before", () => {
    fromNodesFormatting(() => {
      expect(promiseStack()).toMatch(/^Error:? *\n\s+at debuggablePromise .*debuggable\.js/);
      quietPulumiBookkeepingStacks();
      expect(promiseStack()).toBe("");
      expect(stackFrom("/app/node_modules/@pulumi/pulumi/resource.js")).toBe("");
      // Formatted by the formatter in place before (here vitest's, which maps the test file).
      expect(stackFrom("/app/src/thing.js")).toMatch(/^Error: probe\n\s+at \/app\/src\/thing\.js:1:\d+\n\s+at stackFrom \(.*lean-runtime\.test\.ts:\d+:\d+\)/);
      expect(stackFrom("/app/node_modules/@pulumi/pulumi/output.js")).toMatch(/^Error: probe\n\s+at .*output\.js:1/);
    });
  });

  test("are kept under PULUMI_DEBUG_PROMISE_LEAKS, whose report prints them", () => {
    fromNodesFormatting(() => {
      process.env["PULUMI_DEBUG_PROMISE_LEAKS"] = "true";
      try {
        quietPulumiBookkeepingStacks();
        expect(promiseStack()).toMatch(/debuggable\.js/);
      } finally {
        delete process.env["PULUMI_DEBUG_PROMISE_LEAKS"];
      }
    });
  });
});

describe("the plan's program run, without stack capture", () => {
  test("errors created meanwhile have no frames; the limit comes back after, also when the body throws", async () => {
    const limit = Error.stackTraceLimit;
    const inside = await withoutStackCapture(async () => new Error("inside").stack);
    expect(inside).toBe("Error: inside");
    expect(Error.stackTraceLimit).toBe(limit);
    await expect(withoutStackCapture(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("after").stack).toMatch(/^Error: after\n\s+at /);
  });

  test("keeps stacks when the user asked for source-mapped ones", async () => {
    const before = process.env["NODE_OPTIONS"];
    process.env["NODE_OPTIONS"] = "--enable-source-maps";
    try {
      expect(await withoutStackCapture(async () => new Error("inside").stack)).toMatch(/^Error: inside\n\s+at /);
    } finally {
      if (before === undefined) delete process.env["NODE_OPTIONS"];
      else process.env["NODE_OPTIONS"] = before;
    }
  });
});
