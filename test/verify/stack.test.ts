import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { loadStackPins } from "../../src/verify/stack";
import { PROJECT_DIR } from "../helpers/offline";

// verify judges against exactly what the stack deploys: the committed stacks' pins, read through
// the same loader and validator as `pulumi up`.
describe("the stack's pins, as verify reads them", () => {
  test("dev (AWS): the v6.3.1 PCRs of the committed release manifest", async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "releases/pcr-measurements.v6.3.1.json"), "utf8"));
    const pins = await loadStackPins(PROJECT_DIR, "dev");
    if (pins.cloud !== "aws") throw new Error(`expected an AWS stack, got ${pins.cloud}`);
    expect(pins.releases.map((r) => [r.version, r.pcrs[0].expected, r.pcrs[1].expected, r.pcrs[2].expected])).toEqual([
      ["v6.3.1", manifest.measurements.pcr0.value, manifest.measurements.pcr1.value, manifest.measurements.pcr2.value],
    ]);
  });

  test("dev-gcp: the image digest, and an unknown stack is a ConfigError naming the stacks there are", async () => {
    const pins = await loadStackPins(PROJECT_DIR, "dev-gcp");
    expect(pins.cloud).toBe("gcp");
    expect(pins.releases.every((r) => /^sha256:[0-9a-f]{64}$/.test((r as { digest: string }).digest))).toBe(true);
    await expect(loadStackPins(PROJECT_DIR, "nope")).rejects.toThrow(/use one of: .*dev.*dev-gcp/);
  });
});
