import type { Resource } from "@pulumi/pulumi";
import type { PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

// Calls one CrossGuard policy the way the engine's analyzer does (@pulumi/policy server.js:
// makeAnalyzeRpcFun / makeAnalyzeStackRpcFun), without a gRPC server: `new PolicyPack` starts
// one and ends the process on a second pack, so nothing offline may construct a pack. The
// argument bag matches ResourceValidationArgs / StackValidationArgs member for member.

/** A resource as the offline plan records it, in the shape a policy sees. */
export interface OfflineResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The resource's inputs (what `pulumi preview` sends the analyzer). */
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  readonly ignoreChanges?: readonly string[];
  /** URN of the parent resource, if any. */
  readonly parent?: string;
  /** URNs of the resources this one depends on. */
  readonly dependencies?: readonly string[];
}

/** What one policy said about one resource (or the stack). */
export type PolicyOutcome = { readonly kind: "violations"; readonly violations: readonly { readonly message: string; readonly urn?: string }[] } | { readonly kind: "notApplicable"; readonly reason?: string };

class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "not applicable");
  }
}

/** The analyzer's type test: the class's registered Pulumi type token (`__pulumiType`), or its `isInstance`. */
function isTypeOf(type: string, resourceClass: { new (...rest: never[]): Resource }): boolean {
  const token = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token === "string") return type === token;
  const isInstance = (resourceClass as unknown as { isInstance?: (o: unknown) => boolean }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function options(r: OfflineResource): PolicyResourceOptions {
  return { protect: r.protect === true, ignoreChanges: [...(r.ignoreChanges ?? [])], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [], ...(r.parent ? { parent: r.parent } : {}) };
}

async function outcome(run: (report: (message: string, urn?: string) => void) => Promise<void> | void): Promise<PolicyOutcome> {
  const violations: { message: string; urn?: string }[] = [];
  try {
    await run((message, urn) => violations.push(urn ? { message, urn } : { message }));
  } catch (e) {
    if (e instanceof NotApplicable) return e.reason === undefined ? { kind: "notApplicable" } : { kind: "notApplicable", reason: e.reason };
    throw e;
  }
  return { kind: "violations", violations };
}

// A control-flow signal, thrown for every resource a typed rule does not apply to (thousands in a
// plan) and never shown: capturing its stack cost ~0.1 s of a plan's CPU.
const throwNotApplicable = (reason?: string): never => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const signal = new NotApplicable(reason);
  Error.stackTraceLimit = limit;
  throw signal;
};

/**
 * Run a resource policy on one resource. `config` is what `getConfig()` returns: the policy's
 * properties after the engine merged schema defaults, the pack config and the policy's own entry
 * (without `enforcementLevel`, which the analyzer strips).
 */
export function runResourcePolicy(policy: ResourceValidationPolicy, resource: OfflineResource, config: Record<string, unknown> = {}, stackTags: ReadonlyMap<string, string> = new Map()): Promise<PolicyOutcome> {
  const given = policy.validateResource;
  // A remediation-only policy: the analyzer reports it not applicable.
  if (given === undefined) return Promise.resolve({ kind: "notApplicable", reason: "Policy does not implement validateResource" });
  const validations = Array.isArray(given) ? given : [given];
  const args: ResourceValidationArgs = {
    type: resource.type,
    props: resource.props,
    urn: resource.urn,
    name: resource.name,
    opts: options(resource),
    stackTags,
    isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
    // The analyzer hands back the same props object when the type matches.
    asType: ((resourceClass: { new (...rest: never[]): Resource }) => (isTypeOf(resource.type, resourceClass) ? resource.props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => config as T,
    notApplicable: throwNotApplicable,
  };
  return (async (): Promise<PolicyOutcome> => {
    // Like the analyzer, each validation runs on its own: one that marks itself not applicable
    // does not stop the others, whose violations still count.
    const violations: { message: string; urn?: string }[] = [];
    const reasons: (string | undefined)[] = [];
    for (const validate of validations) {
      const result = await outcome((report) => validate(args, report));
      if (result.kind === "notApplicable") reasons.push(result.reason);
      else violations.push(...result.violations);
    }
    if (violations.length === 0 && reasons.length === validations.length) {
      const reason = reasons[0];
      return reason === undefined ? { kind: "notApplicable" } : { kind: "notApplicable", reason };
    }
    return { kind: "violations", violations };
  })();
}

/** The stack's resources as policies see them: parents and dependencies linked as objects. */
export function policyResources(resources: readonly OfflineResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const linked = resources.map((r) => {
    const resource: PolicyResource = {
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: options(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(r.type, resourceClass),
      asType: ((resourceClass: { new (...rest: never[]): Resource }) => (isTypeOf(r.type, resourceClass) ? r.props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    const resource = linked[i]!;
    if (r.parent && byUrn.has(r.parent)) resource.parent = byUrn.get(r.parent)!;
    resource.dependencies = (r.dependencies ?? []).flatMap((urn) => (byUrn.has(urn) ? [byUrn.get(urn)!] : []));
  });
  return linked;
}

/** Run a stack policy over every recorded resource. */
export function runStackPolicy(policy: StackValidationPolicy, resources: readonly OfflineResource[], config: Record<string, unknown> = {}, stackTags: ReadonlyMap<string, string> = new Map()): Promise<PolicyOutcome> {
  const args: StackValidationArgs = {
    resources: policyResources(resources),
    stackTags,
    getConfig: <T extends object>() => config as T,
    notApplicable: throwNotApplicable,
  };
  return outcome((report) => policy.validateStack(args, report));
}
