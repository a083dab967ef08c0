import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, type MockedResource } from "./mocks";

/** One declared resource with its place in the tree. */
export interface PlannedResource extends MockedResource {
  /** `type::name` of the parent resource; undefined for children of the stack itself. */
  readonly parent?: string;
  /** Resource options a reviewer checks: what survives `pulumi destroy`. */
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: string[];
  /** `type::name` of the resources given in the `dependsOn` option (direct resources only). */
  readonly dependsOn: string[];
}

export interface OfflineRun {
  readonly resources: PlannedResource[];
  readonly outputs: Record<string, unknown>;
}

export function resourceKey(type: string, name: string): string {
  return `${type}::${name}`;
}

/**
 * Run a Pulumi program under the mock runtime: no engine, no providers, no cloud. Resources are
 * recorded with their resolved inputs and their parent (from a stack transformation, which sees
 * each resource's options as the program gave them).
 *
 * Must run once per process: Pulumi keeps its runtime state on `global`.
 */
export async function runOffline(run: {
  project: string;
  stack: string;
  region: string;
  /** GCP project the mocks put in ids and self links. */
  gcpProject?: string;
  /** `namespace:key` -> value as Pulumi passes it (structured values JSON-encoded). */
  config: Record<string, string>;
  program: () => Promise<Record<string, unknown>>;
}): Promise<OfflineRun> {
  const mocks = new RecordingMocks(run.region, run.gcpProject);
  await pulumi.runtime.setMocks(mocks, run.project, run.stack, false);
  pulumi.runtime.setAllConfig(run.config);
  const keys = new Map<pulumi.Resource, string>();
  const parents = new Map<string, string | undefined>();
  const options = new Map<string, Pick<PlannedResource, "protect" | "retainOnDelete" | "ignoreChanges" | "dependsOn">>();
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = resourceKey(args.type, args.name);
      keys.set(args.resource, key);
      const parent = args.opts.parent;
      parents.set(key, parent ? keys.get(parent) : undefined);
      const deps: unknown = args.opts.dependsOn;
      const given: unknown[] = Array.isArray(deps) ? deps : deps ? [deps] : [];
      const dependsOn = given.flatMap((d) => (pulumi.Resource.isInstance(d) && keys.has(d) ? [keys.get(d)!] : []));
      options.set(key, { protect: args.opts.protect === true, retainOnDelete: args.opts.retainOnDelete === true, ignoreChanges: [...(args.opts.ignoreChanges ?? [])], dependsOn });
      return undefined;
    });
    return run.program();
  });
  // The stack's outputs can resolve before every resource has registered (a resource whose inputs
  // wait on a long chain of others): drain the RPC queue so the record is complete.
  await pulumi.runtime.disconnect();
  const resources = mocks.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r): PlannedResource => {
      const key = resourceKey(r.type, r.name);
      const parent = parents.get(key);
      const opts = options.get(key) ?? { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [] };
      return parent ? { ...r, ...opts, parent } : { ...r, ...opts };
    });
  return { resources, outputs: (outputs ?? {}) as Record<string, unknown> };
}
