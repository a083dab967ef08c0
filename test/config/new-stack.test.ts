/**
 * Starting a stack without editing a committed file: new-stack writes Pulumi.<name>.yaml from the
 * shipped file of the cloud and environment, lists its placeholders, and never overwrites.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readStackFile } from "../../src/config/load";
import { main, shippedStack } from "../../src/config/new-stack";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT_DIR, withoutPlaceholders } from "./helpers";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "new-stack-"));
for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))) fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(...argv: string[]): { code: number; out: string } {
  let out = "";
  const code = main(argv, dir, (s) => (out += s));
  return { code, out };
}

describe("new-stack", () => {
  it("names the shipped stack of each cloud and environment", () => {
    expect([shippedStack("aws", "prod"), shippedStack("gcp", "staging"), shippedStack("azure", "dev")]).toEqual(["prod", "staging-gcp", "dev-azure"]);
  });

  it("writes Pulumi.<name>.yaml from the shipped prod file and lists what to replace", () => {
    const r = run("payments-prod", "--cloud", "gcp", "--environment", "prod");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Wrote Pulumi.payments-prod.yaml from Pulumi.prod-gcp.yaml. Replace these");
    expect(r.out).toContain("  gcp:project = example-tee-prover-prod  (an example- name is copied from the examples)");
    const written = readStackFile(dir, "payments-prod");
    expect(written.values).toEqual(readStackFile(dir, "prod-gcp").values);
    expect(fs.readFileSync(path.join(dir, "Pulumi.payments-prod.yaml"), "utf8")).toMatch(/^# Stack payments-prod, started from Pulumi\.prod-gcp\.yaml/);
    // Once its placeholders are replaced, the new stack is a valid prod stack.
    expect(resolveStackConfig({ values: withoutPlaceholders(written.values), projectDir: PROJECT_DIR }).environment).toBe("prod");
  });

  it("never overwrites, and refuses a bad name, cloud or environment (exit 2)", () => {
    expect(run("dev", "--cloud", "aws", "--environment", "dev")).toMatchObject({ code: 2, out: expect.stringContaining("Pulumi.dev.yaml exists already") });
    expect(run("a.b", "--cloud", "aws", "--environment", "dev").out).toContain('"a.b" is not a stack name');
    expect(run("x", "--cloud", "oci", "--environment", "dev").out).toContain("--cloud must be one of aws, gcp, azure");
    expect(run("x", "--cloud", "aws", "--environment", "qa").out).toContain("--environment must be one of dev, staging, prod");
    expect(fs.existsSync(path.join(dir, "Pulumi.x.yaml"))).toBe(false);
  });
});
