import { describe, expect, test } from "vitest";
import { deferredModule, sourceMapsRequested } from "../../src/plan/lean-runtime";

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
});

test("source maps stay on when the user asks Node for them, directly or through NODE_OPTIONS", () => {
  expect(sourceMapsRequested(["--enable-source-maps"], undefined)).toBe(true);
  expect(sourceMapsRequested([], "--max-old-space-size=512 --enable-source-maps")).toBe(true);
  expect(sourceMapsRequested(["--import", "tsx"], "")).toBe(false);
  expect(sourceMapsRequested([], undefined)).toBe(false);
});
