/**
 * Invalid config fails BEFORE any resource is declared: the Pulumi program (index.ts) run under
 * the mock runtime with a bad stack config throws the ConfigError and the mocks never see a
 * resource. One program run per file: Pulumi's runtime state is global.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors";
import { toPulumiConfigMap } from "../../src/config/load";
import { PROJECT } from "../../src/config/schema";
import { PROJECT_DIR, devWith } from "./helpers";

const registered: string[] = [];

class Probe extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Probe", name, {});
  }
}
const previousCwd = process.cwd();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(`${args.type}::${args.name}`);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "dev",
    false,
  );
  // `pulumi up` runs the program from the project directory; manifests resolve from there.
  process.chdir(PROJECT_DIR);
});

// What this file set, unset: it shares a worker with the others (vitest.config.mts). The mocks
// need no undoing, every later run installs its own (runOffline).
afterAll(() => {
  process.chdir(previousCwd);
  pulumi.runtime.setAllConfig({});
});

it("index.ts with an invalid config throws the ConfigError and declares nothing", async () => {
  const bad = devWith((_v, p) => {
    p("ingress").requestTimeoutSeconds = 600; // needs the manifest read and the cross-field checks
    p("aws").enclave.cpuCount = 4;
  });
  pulumi.runtime.setAllConfig(toPulumiConfigMap(bad));

  let thrown: unknown;
  try {
    await import("../../index");
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  expect((thrown as ConfigError).problems.map((p) => p.key)).toEqual(["ingress.requestTimeoutSeconds", "aws.enclave.cpuCount"]);
  // Give any stray registration a chance to reach the mocks, then check none did.
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(registered).toEqual([]);

  // Control: the mocks do see a resource declared now, so the empty list above means something.
  const probe = new Probe("probe");
  await new Promise<string>((resolve) => probe.urn.apply(resolve));
  expect(registered).toEqual(["test:index:Probe::probe"]);
});
