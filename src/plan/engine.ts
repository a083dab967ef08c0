import type { StackConfig } from "../config/types";
import type * as pulumi from "@pulumi/pulumi";
import { clearOfflinePlanMarker, markOfflinePlan, offlinePlanMarker, type OfflinePlanMarker } from "../config/placeholders";
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
  /**
   * Earlier names given in the `aliases` option (`{ name }` aliases only), so a reviewer sees a
   * rename that keeps the resource; absent when there are none. Children inherit their parent's
   * aliases in the engine, so only the component carries them.
   */
  readonly aliasNames?: string[];
}

/** A component resource the program constructed, with its instance (read after the run). */
export interface DeclaredComponent {
  readonly type: string;
  readonly name: string;
  /** The instance itself: its public fields (e.g. `review`) are set once its constructor returns. */
  readonly instance: object;
}

export interface OfflineRun {
  readonly resources: PlannedResource[];
  readonly outputs: Record<string, unknown>;
  /** Every component resource, in declaration order. */
  readonly components: DeclaredComponent[];
}

/** The `@pulumi/pulumi` module, as `import * as pulumi` gives it. */
export type PulumiSdk = typeof pulumi;

/**
 * Mark this process as the offline plan (src/config/placeholders.ts): under the marker, a prod
 * stack's placeholders become the plan's finding instead of a refusal. Only the plan engine calls
 * it, when it installs the mocks (and the plan CLI just before, for its validation of the stack
 * file); a real `pulumi up` never loads this module, and no environment variable sets it.
 */
export function installOfflinePlanMarker(): OfflinePlanMarker {
  return markOfflinePlan();
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
  /** Azure subscription the mocks put in resource ids. */
  azureSubscriptionId?: string;
  /** `namespace:key` -> value as Pulumi passes it (structured values JSON-encoded). */
  config: Record<string, string>;
  program: () => Promise<Record<string, unknown>>;
  /**
   * The SDK to run the mocks in: the copy the program itself loads (see src/plan/program.ts for
   * why it must be that one). Defaults to the copy this package resolves.
   */
  sdk?: PulumiSdk;
}): Promise<OfflineRun> {
  const pulumi = run.sdk ?? (await import("@pulumi/pulumi"));
  const mocks = new RecordingMocks(run.region, run.gcpProject, "", run.azureSubscriptionId);
  await pulumi.runtime.setMocks(mocks, run.project, run.stack, false);
  // The marker relaxes prod's placeholder refusal, so it must not outlive this run: a library
  // caller's process (planProgram) may go on to deploy in-process (the Automation API). It stays
  // only when the caller installed it, i.e. the plan CLI's own process, which never deploys.
  const markedHere = offlinePlanMarker() === undefined;
  installOfflinePlanMarker();
  try {
    return await recordProgram(pulumi, mocks, run);
  } finally {
    if (markedHere) clearOfflinePlanMarker();
    // Nor may the program's config: setAllConfig replaces the whole map, so the next program in
    // this process (another plan, or a deployment) starts from its own.
    pulumi.runtime.setAllConfig({});
  }
}

async function recordProgram(pulumi: PulumiSdk, mocks: RecordingMocks, run: { config: Record<string, string>; program: () => Promise<Record<string, unknown>> }): Promise<OfflineRun> {
  pulumi.runtime.setAllConfig(run.config);
  const keys = new Map<pulumi.Resource, string>();
  const parents = new Map<string, string | undefined>();
  const components: DeclaredComponent[] = [];
  const options = new Map<string, Pick<PlannedResource, "protect" | "retainOnDelete" | "ignoreChanges" | "dependsOn" | "aliasNames">>();
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const key = resourceKey(args.type, args.name);
      keys.set(args.resource, key);
      // The transformation runs inside the component's base constructor, before its own fields are
      // set: keep the instance and read those fields once the program has returned.
      if (!pulumi.CustomResource.isInstance(args.resource)) components.push({ type: args.type, name: args.name, instance: args.resource });
      const parent = args.opts.parent;
      parents.set(key, parent ? keys.get(parent) : undefined);
      const deps: unknown = args.opts.dependsOn;
      const given: unknown[] = Array.isArray(deps) ? deps : deps ? [deps] : [];
      const dependsOn = given.flatMap((d) => (pulumi.Resource.isInstance(d) && keys.has(d) ? [keys.get(d)!] : []));
      const aliasNames = (args.opts.aliases ?? []).flatMap((a: unknown) => {
        const aliasName = typeof a === "object" && a !== null ? (a as { name?: unknown }).name : undefined;
        return typeof aliasName === "string" ? [aliasName] : [];
      });
      options.set(key, { protect: args.opts.protect === true, retainOnDelete: args.opts.retainOnDelete === true, ignoreChanges: [...(args.opts.ignoreChanges ?? [])], dependsOn, ...(aliasNames.length > 0 ? { aliasNames } : {}) });
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
  return { resources, outputs: (outputs ?? {}) as Record<string, unknown>, components };
}

/** Where a validated stack runs, as the mocks need it: region, GCP project, Azure subscription. */
export function placementOf(config: StackConfig): { region: string; gcpProject?: string; azureSubscriptionId?: string } {
  switch (config.cloud) {
    case "aws":
      return { region: config.aws.region };
    case "gcp":
      return { region: config.gcp.region, gcpProject: config.gcp.project };
    case "azure":
      return { region: config.azure.location, azureSubscriptionId: config.azure.subscriptionId };
  }
}
