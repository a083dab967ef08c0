import type { PlannedResource } from "../plan/engine";
import type { OfflineResource } from "./evaluate";

// The offline plan's recorded resources as the engine would name and hand them to a policy pack,
// and as `pulumi stack export` would write them.

export const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * A resource's URN as the engine builds it: `urn:pulumi:<stack>::<project>::<type chain>::<name>`,
 * where the type chain is the parent's chain, `$`, then the resource's own type; the root stack
 * resource is left out of its children's chain (Go SDK resource/urn: "Qualified$Type$Name", built
 * by NewURN from the parent's qualified type; https://pkg.go.dev/github.com/pulumi/pulumi/sdk/v3/go/common/resource/urn).
 */
export function buildUrn(stack: string, project: string, typeChain: readonly string[], name: string): string {
  return `urn:pulumi:${stack}::${project}::${typeChain.join("$")}::${name}`;
}

/** The root stack resource's URN: named `<project>-<stack>` (Go SDK resource/stack.go DefaultRootStackURN). */
export function stackUrn(stack: string, project: string): string {
  return buildUrn(stack, project, [STACK_TYPE], `${project}-${stack}`);
}

/** A recorded resource with its URN, parent URN and dependency URNs resolved. */
export interface UrnResource {
  readonly resource: PlannedResource;
  readonly urn: string;
  readonly parentUrn: string;
  readonly dependencyUrns: string[];
}

/**
 * URNs for every recorded resource. Children of the program (no parent) have the stack as parent,
 * as in the engine. A parent that was not recorded (not a resource of this run) is treated as the
 * stack; a dependsOn on an unrecorded resource is dropped.
 */
export function withUrns(resources: readonly PlannedResource[], stack: string, project: string): UrnResource[] {
  const byKey = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
  const chains = new Map<string, string[]>();
  const chainOf = (r: PlannedResource, seen: Set<string>): string[] => {
    const key = `${r.type}::${r.name}`;
    const known = chains.get(key);
    if (known) return known;
    // A cycle cannot happen in a real program (a parent exists before its children); guard anyway.
    const parent = r.parent && !seen.has(r.parent) ? byKey.get(r.parent) : undefined;
    const chain = parent ? [...chainOf(parent, new Set([...seen, key])), r.type] : [r.type];
    chains.set(key, chain);
    return chain;
  };
  const root = stackUrn(stack, project);
  const urnOf = (r: PlannedResource) => buildUrn(stack, project, chainOf(r, new Set()), r.name);
  return resources.map((r) => {
    const parent = r.parent ? byKey.get(r.parent) : undefined;
    return {
      resource: r,
      urn: urnOf(r),
      parentUrn: parent ? urnOf(parent) : root,
      dependencyUrns: r.dependsOn.flatMap((k) => (byKey.has(k) ? [urnOf(byKey.get(k)!)] : [])),
    };
  });
}

/**
 * What the policies judge: the root stack resource first (as the engine passes it to stack
 * policies), then every recorded resource with its inputs as props.
 */
export function toOfflineResources(resources: readonly PlannedResource[], stack: string, project: string): OfflineResource[] {
  const root: OfflineResource = { type: STACK_TYPE, name: `${project}-${stack}`, urn: stackUrn(stack, project), props: {} };
  return [
    root,
    ...withUrns(resources, stack, project).map(({ resource: r, urn, parentUrn, dependencyUrns }): OfflineResource => ({
      type: r.type,
      name: r.name,
      urn,
      props: r.inputs,
      protect: r.protect,
      ignoreChanges: r.ignoreChanges,
      parent: parentUrn,
      dependencies: dependencyUrns,
    })),
  ];
}

/** One resource in a version-3 deployment (the `pulumi stack export` format, apitype.ResourceV3). */
export interface StateResource {
  readonly urn: string;
  readonly custom: boolean;
  readonly id?: string;
  readonly type: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
  readonly parent?: string;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  readonly dependencies?: string[];
  readonly ignoreChanges?: string[];
}

/** `pulumi stack export` output: apitype.UntypedDeployment holding a DeploymentV3. */
export interface StateFile {
  readonly version: 3;
  readonly deployment: {
    readonly manifest: { readonly time: string; readonly magic: string; readonly version: string };
    readonly resources: StateResource[];
  };
}

/**
 * The recorded resources as a state file `pulumi policy analyze --file` reads (CLI 3.249.0+,
 * pulumi/pulumi#23664: it deserializes an UntypedDeployment without integrity checks, so a state
 * without provider resources analyzes). Inputs are the recorded inputs, outputs the mock's state
 * (inputs plus placeholder ids and ARNs). `time` is fixed by the caller so two exports diff cleanly.
 */
export function toStateFile(resources: readonly PlannedResource[], stack: string, project: string, time: string): StateFile {
  const root: StateResource = { urn: stackUrn(stack, project), custom: false, type: STACK_TYPE, inputs: {}, outputs: {} };
  const rest = withUrns(resources, stack, project).map(({ resource: r, urn, parentUrn, dependencyUrns }): StateResource => ({
    urn,
    custom: r.custom,
    // A component has no id in real state.
    ...(r.custom ? { id: r.id } : {}),
    type: r.type,
    inputs: r.inputs,
    outputs: r.custom ? r.state : {},
    parent: parentUrn,
    ...(r.protect ? { protect: true } : {}),
    ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
    ...(dependencyUrns.length > 0 ? { dependencies: dependencyUrns } : {}),
    ...(r.ignoreChanges.length > 0 ? { ignoreChanges: r.ignoreChanges } : {}),
  }));
  return { version: 3, deployment: { manifest: { time, magic: "", version: "" }, resources: [root, ...rest] } };
}
