import { nitroParentRolePcr3 } from "../attestation/aws-kms-policy";
import { renderVerdict, type PlanPolicy } from "../policy/verdict";
import type { ReviewFacts } from "../review";
import type { PlannedResource } from "./engine";
import { planResources, type PlanResource } from "./inputs";

/**
 * The offline plan's model and renderers. It shows what the program declares under the mock
 * runtime, not what the cloud will do: no provider validates these values, computed ids are fake,
 * and nothing is compared with deployed state.
 */

export const PLAN_DISCLAIMER =
  "Offline plan: what the program declares, evaluated under Pulumi's mock runtime. It is not a preview: no provider or cloud validated these values, ids and ARNs are placeholders, and nothing is compared with deployed state.";

export interface PlanTreeNode {
  readonly type: string;
  readonly name: string;
  readonly children: PlanTreeNode[];
}

/** A client-facing plaintext port: what it does, and what it exposes. */
export interface PlaintextListener {
  readonly resource: string;
  readonly port: number;
  readonly action: string;
  readonly exposes: string;
}

export interface KeySetting {
  readonly resource: string;
  readonly setting: string;
  readonly value: unknown;
}

/** What the plan says about one fleet: one NitroProofServer or ConfidentialSpaceProofServer. */
export interface FleetFacts {
  readonly cloud: string;
  readonly environment: string;
  readonly ingress: {
    readonly mode: string;
    readonly plaintextSeenBy: string[];
    /** Who can see plaintext by interposing a TLS terminator (the TLS key is not attested), and what closes it. */
    readonly plaintextIfInterposed: { readonly by: string[]; readonly closedBy: string };
    readonly summary: string;
    /** Plaintext (HTTP) listeners on the load balancer, read back from the declared resources. */
    readonly plaintextListeners: PlaintextListener[];
  };
  readonly releases: {
    readonly active: string;
    readonly accepted: string[];
    /** AWS: PCRs reported but not enforced, per release. */
    readonly warnOnlyPcrs: Record<string, number[]>;
    /** GCP: the pinned container image digest per release. */
    readonly imageDigests: Record<string, string>;
  };
  /** AWS: the image each launch template boots, and whether config pins it or it follows latest. */
  readonly hostImages: Array<{ readonly launchTemplate: string; readonly imageId: string; readonly pinned: boolean }>;
  /** What the enforcement points actually check, read back from the declared resources. */
  readonly pinnedPcrs: Record<string, Record<string, string>>;
  /**
   * AWS, per decrypt statement: the parent role whose PCR3 the condition pins (recomputed from the
   * statement's principal and checked), or null when PCR3 is not in the condition.
   */
  readonly parentRolePins: Record<string, string | null>;
  readonly workloadIdentityConditions: string[];
  readonly unobservableAlarms: Array<{ id: string; severity: string; reason: string }>;
  /** What the cloud decides at deploy time and the offline plan cannot check (GCP: zone capacity, NAT coverage). */
  readonly notChecked: string[];
}

export interface FleetPlan extends FleetFacts {
  /** The component as it appears in the resource tree. */
  readonly component: { readonly type: string; readonly name: string };
}

/** Whether any fleet is quarantined (src/quarantine.ts), and what each quarantine changed. */
export interface QuarantineFinding {
  readonly quarantined: boolean;
  readonly fleets: Array<{ readonly fleet: string; readonly reason: string; readonly since: string; readonly changes: readonly string[] }>;
}

/** The plan of a whole program: its fleets, and what holds for all its resources. */
export interface ProgramPlan {
  readonly stack: string;
  readonly disclaimer: string;
  /** First thing a reviewer must see: the stack refuses clients and does not replace hosts. */
  readonly quarantine: QuarantineFinding;
  /** Every fleet the program declared, in declaration order (the plan refuses a program with none). */
  readonly fleets: FleetPlan[];
  readonly counts: { readonly total: number; readonly byType: Record<string, number> };
  readonly tree: PlanTreeNode[];
  readonly keySettings: KeySetting[];
  readonly secretKeys: string[];
  /** Per `secure:` config key, a fingerprint of its committed ciphertext (src/plan/inputs.ts). */
  readonly secretConfig: Record<string, string>;
  /** Every resource with its full inputs, secrets as markers: what `--diff` compares (src/plan/diff.ts). */
  readonly resources: PlanResource[];
  /** The policy packs' verdict over the recorded resources (src/policy/packs.ts), or why they did not run. */
  readonly policy: PlanPolicy;
}

/**
 * A program with exactly one fleet also carries that fleet's facts at the top level: the shape
 * plans had before a program could declare several, which JSON consumers read.
 */
export type SingleFleetPlan = ProgramPlan & FleetFacts;

/** What `npm run plan` writes with --json and planProgram returns. */
export type Plan = ProgramPlan | SingleFleetPlan;

/** Review facts a component exposes as `review` (see src/review.ts); environment and mode are given beside them. */
export type ReviewOutput = Omit<ReviewFacts, "environment" | "ingressMode"> & {
  warnOnlyPcrs?: Record<string, number[]>;
  imageDigests?: Record<string, string>;
};

function get(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** The properties a reviewer checks, per resource type. */
const KEY_PROPERTIES: Record<string, string[]> = {
  "aws:ec2/launchTemplate:LaunchTemplate": ["instanceType", "imageId", "enclaveOptions.enabled", "metadataOptions.httpTokens", "metadataOptions.httpPutResponseHopLimit", "blockDeviceMappings.0.ebs.encrypted", "networkInterfaces.0.associatePublicIpAddress"],
  "aws:autoscaling/group:Group": ["minSize", "maxSize", "desiredCapacity", "healthCheckType", "healthCheckGracePeriod", "instanceRefresh.strategy", "instanceRefresh.preferences.minHealthyPercentage", "instanceRefresh.preferences.maxHealthyPercentage"],
  "aws:lb/loadBalancer:LoadBalancer": ["loadBalancerType", "idleTimeout", "dropInvalidHeaderFields", "enableDeletionProtection"],
  "aws:lb/listener:Listener": ["protocol", "port", "tcpIdleTimeoutSeconds", "sslPolicy"],
  "aws:lb/targetGroup:TargetGroup": ["protocol", "port", "deregistrationDelay", "healthCheck.protocol", "healthCheck.path", "healthCheck.port", "healthCheck.matcher", "healthCheck.interval"],
  "aws:kms/key:Key": ["deletionWindowInDays", "enableKeyRotation"],
  "aws:wafv2/webAcl:WebAcl": ["rules.0.statement.rateBasedStatement.limit", "rules.0.statement.rateBasedStatement.aggregateKeyType"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
  "gcp:compute/instanceTemplate:InstanceTemplate": ["machineType", "minCpuPlatform", "confidentialInstanceConfig.confidentialInstanceType", "scheduling.onHostMaintenance", "shieldedInstanceConfig.enableSecureBoot", "shieldedInstanceConfig.enableVtpm", "shieldedInstanceConfig.enableIntegrityMonitoring", "disks.0.sourceImage", "metadata.tee-image-reference", "metadata.tee-restart-policy", "metadata.tee-container-log-redirect", "networkInterfaces.0.accessConfigs"],
  "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": ["distributionPolicyZones", "namedPorts", "autoHealingPolicies.initialDelaySec", "updatePolicy.maxSurgeFixed", "updatePolicy.maxUnavailableFixed"],
  "gcp:compute/regionAutoscaler:RegionAutoscaler": ["autoscalingPolicy.minReplicas", "autoscalingPolicy.maxReplicas", "autoscalingPolicy.cpuUtilization.target"],
  "gcp:compute/backendService:BackendService": ["protocol", "loadBalancingScheme", "portName", "timeoutSec", "connectionDrainingTimeoutSec"],
  "gcp:compute/healthCheck:HealthCheck": ["sslHealthCheck.port", "tcpHealthCheck.port", "httpsHealthCheck.port", "httpsHealthCheck.requestPath", "httpHealthCheck.port", "httpHealthCheck.requestPath", "checkIntervalSec"],
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": ["portRange", "loadBalancingScheme"],
  "gcp:compute/sSLPolicy:SSLPolicy": ["profile", "minTlsVersion"],
  "gcp:compute/securityPolicy:SecurityPolicy": ["rules.0.rateLimitOptions.rateLimitThreshold.count", "rules.0.rateLimitOptions.enforceOnKey"],
  "gcp:compute/firewall:Firewall": ["sourceRanges", "allows"],
  "gcp:compute/routerNat:RouterNat": ["sourceSubnetworkIpRangesToNat", "subnetworks"],
  "azure-native:compute:VirtualMachineScaleSet": [
    "sku.name",
    "orchestrationMode",
    "zones",
    "virtualMachineProfile.securityProfile.securityType",
    "virtualMachineProfile.securityProfile.uefiSettings.secureBootEnabled",
    "virtualMachineProfile.securityProfile.uefiSettings.vTpmEnabled",
    "virtualMachineProfile.storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType",
    "virtualMachineProfile.storageProfile.imageReference.offer",
    "virtualMachineProfile.storageProfile.imageReference.sku",
    "virtualMachineProfile.storageProfile.imageReference.version",
    "virtualMachineProfile.osProfile.linuxConfiguration.disablePasswordAuthentication",
    "virtualMachineProfile.scheduledEventsProfile.terminateNotificationProfile.notBeforeTimeout",
    "upgradePolicy.mode",
    "upgradePolicy.rollingUpgradePolicy.maxSurge",
    "automaticRepairsPolicy.gracePeriod",
  ],
  "azure-native:network:LoadBalancer": ["sku.name", "loadBalancingRules.0.frontendPort", "loadBalancingRules.0.backendPort", "loadBalancingRules.0.idleTimeoutInMinutes", "loadBalancingRules.0.enableTcpReset", "probes.0.protocol", "probes.0.requestPath"],
  "azure-native:network:ApplicationGateway": ["sku.name", "backendHttpSettingsCollection.0.protocol", "backendHttpSettingsCollection.0.requestTimeout", "backendHttpSettingsCollection.0.connectionDraining.drainTimeoutInSec", "probes.0.protocol", "probes.0.path", "sslPolicy.policyName"],
  "azure-native:network:WebApplicationFirewallPolicy": ["policySettings.mode", "customRules.0.ruleType", "customRules.0.rateLimitThreshold", "customRules.0.rateLimitDuration"],
  "azure-native:network:NetworkSecurityGroup": ["securityRules"],
  // The monthly cost budget (docs/budgets.md).
  "aws:budgets/budget:Budget": ["limitAmount", "limitUnit", "timeUnit", "costFilters"],
  "gcp:billing/budget:Budget": ["amount.specifiedAmount.units", "amount.specifiedAmount.currencyCode", "thresholdRules"],
  "azure-native:consumption:Budget": ["amount", "timeGrain"],
};

function keySettings(resources: readonly PlannedResource[]): KeySetting[] {
  const out: KeySetting[] = [];
  for (const r of resources) {
    for (const setting of KEY_PROPERTIES[r.type] ?? []) {
      const value = get(r.inputs, setting);
      if (value !== undefined) out.push({ resource: `${r.type}::${r.name}`, setting, value });
    }
  }
  return out.sort((a, b) => a.resource.localeCompare(b.resource) || a.setting.localeCompare(b.setting));
}

/** Per decrypt statement, the role whose PCR3 is pinned (null: PCR3 not pinned). */
function parentRolePins(resources: readonly PlannedResource[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const r of resources.filter((x) => x.type === "aws:kms/key:Key")) {
    const policy = r.inputs["policy"];
    if (typeof policy !== "string") continue;
    const doc = JSON.parse(policy) as { Statement: Array<{ Sid?: string; Principal?: { AWS?: string | string[] }; Condition?: Record<string, Record<string, string>> }> };
    for (const st of doc.Statement) {
      const cond = st.Condition?.["StringEqualsIgnoreCase"];
      if (!cond) continue;
      const pcr3 = cond["kms:RecipientAttestation:PCR3"];
      const principals = [st.Principal?.AWS ?? []].flat();
      const role = principals.find((arn) => pcr3 !== undefined && nitroParentRolePcr3(arn) === pcr3.toLowerCase());
      out[st.Sid ?? "(no sid)"] = pcr3 === undefined ? null : (role ?? "a role other than the statement's principal");
    }
  }
  return out;
}

/** PCR values the KMS key policies actually condition on, per statement. */
function pinnedPcrs(resources: readonly PlannedResource[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const r of resources.filter((x) => x.type === "aws:kms/key:Key")) {
    const policy = r.inputs["policy"];
    if (typeof policy !== "string") continue;
    const doc = JSON.parse(policy) as { Statement: Array<{ Sid?: string; Condition?: Record<string, Record<string, string>> }> };
    for (const st of doc.Statement) {
      const cond = st.Condition?.["StringEqualsIgnoreCase"];
      if (!cond) continue;
      out[st.Sid ?? "(no sid)"] = Object.fromEntries(Object.entries(cond).filter(([k]) => k.startsWith("kms:RecipientAttestation:")));
    }
  }
  return out;
}

const CLEARTEXT_EXPOSURE = "a client pointed at http:// sends its whole request (the proof's private witness, API key headers) in cleartext over the internet before it sees the redirect";

/**
 * Client-facing plaintext listeners (ingress.httpRedirect): AWS HTTP listeners and GCP forwarding
 * rules whose target is an HTTP proxy, with what each answers and what it exposes.
 */
function plaintextListeners(resources: readonly PlannedResource[]): PlaintextListener[] {
  const out: PlaintextListener[] = [];
  const byId = new Map(resources.map((r) => [r.id, r]));
  for (const r of resources) {
    if (r.type === "aws:lb/listener:Listener" && r.inputs["protocol"] === "HTTP") {
      const actions = (r.inputs["defaultActions"] as Array<{ type?: string }> | undefined) ?? [];
      const redirectOnly = actions.length > 0 && actions.every((a) => a.type === "redirect");
      out.push({ resource: r.name, port: Number(r.inputs["port"]), action: redirectOnly ? "redirect to HTTPS only" : "FORWARDS REQUESTS", exposes: CLEARTEXT_EXPOSURE });
    }
    if (r.type === "gcp:compute/globalForwardingRule:GlobalForwardingRule") {
      const target = byId.get(String(r.inputs["target"]));
      if (target?.type !== "gcp:compute/targetHttpProxy:TargetHttpProxy") continue;
      const map = byId.get(String(target.inputs["urlMap"]));
      const redirectOnly = map !== undefined && map.inputs["defaultUrlRedirect"] !== undefined && map.inputs["defaultService"] === undefined;
      out.push({ resource: r.name, port: Number(r.inputs["portRange"]), action: redirectOnly ? "redirect to HTTPS only" : "FORWARDS REQUESTS", exposes: CLEARTEXT_EXPOSURE });
    }
  }
  for (const r of resources) {
    if (r.type !== "azure-native:network:ApplicationGateway") continue;
    const listeners = (r.inputs["httpListeners"] as Array<{ name?: string; protocol?: string; frontendPort?: { id?: string } }> | undefined) ?? [];
    const ports = (r.inputs["frontendPorts"] as Array<{ name?: string; port?: number }> | undefined) ?? [];
    const rules = (r.inputs["requestRoutingRules"] as Array<{ httpListener?: { id?: string }; redirectConfiguration?: unknown }> | undefined) ?? [];
    for (const l of listeners.filter((x) => x.protocol === "Http")) {
      const port = ports.find((p) => l.frontendPort?.id?.endsWith(`/frontendPorts/${p.name}`))?.port ?? 80;
      const rule = rules.find((x) => x.httpListener?.id?.endsWith(`/httpListeners/${l.name}`));
      out.push({ resource: `${r.name}/${l.name}`, port, action: rule?.redirectConfiguration !== undefined ? "redirect to HTTPS only" : "FORWARDS REQUESTS", exposes: CLEARTEXT_EXPOSURE });
    }
  }
  return out.sort((a, b) => a.resource.localeCompare(b.resource));
}

/** The image every launch template boots: an `ami-` id is pinned, `resolve:ssm:` follows the parameter. */
function hostImages(resources: readonly PlannedResource[]): FleetFacts["hostImages"] {
  return resources
    .filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate")
    .map((r) => {
      const imageId = String(r.inputs["imageId"]);
      return { launchTemplate: r.name, imageId, pinned: imageId.startsWith("ami-") };
    });
}

/** The attribute conditions the Workload Identity providers enforce. */
function workloadIdentityConditions(resources: readonly PlannedResource[]): string[] {
  return resources.filter((r) => r.type === "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider").map((r) => String(r.inputs["attributeCondition"]));
}

const MIG_TYPE = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";

/**
 * GCP facts the mock runtime cannot know: whether the zones offer the machine type (the Compute API
 * would have to be asked, and capacity changes), and, without a NAT of our own, whether the
 * network's NAT covers the subnet. Said, with the command that checks them.
 */
function gcpNotChecked(resources: readonly PlannedResource[]): string[] {
  const out: string[] = [];
  const templates = resources.filter((r) => r.type === "gcp:compute/instanceTemplate:InstanceTemplate");
  for (const mig of resources.filter((r) => r.type === MIG_TYPE)) {
    const zones = get(mig.inputs, "distributionPolicyZones");
    if (!Array.isArray(zones)) continue;
    for (const tpl of templates) {
      const machineType = String(get(tpl.inputs, "machineType"));
      const technology = String(get(tpl.inputs, "confidentialInstanceConfig.confidentialInstanceType"));
      out.push(
        `zones ${zones.join(", ")} were not checked against availability of ${machineType} (${technology}): the offline plan cannot ask the Compute API. ` +
          `Check: gcloud compute machine-types list --filter="name=${machineType} AND zone:(${zones.join(" ")})" (each zone must be listed), and the zones Confidential VM supports for ${technology}.`,
      );
    }
  }
  const hasMig = resources.some((r) => r.type === MIG_TYPE);
  if (hasMig && !resources.some((r) => r.type === "gcp:compute/routerNat:RouterNat")) {
    out.push(
      "Cloud NAT: none created (gcp.network.cloudNat: false); the existing network's NAT must cover the instances' subnet, or they cannot fetch proving parameters. " +
        "Check: gcloud compute routers nats list --router=<router> --region=<region>.",
    );
  }
  return out;
}

/**
 * Azure facts the mock runtime cannot know: whether the region and zones offer the confidential
 * size (capacity and previews vary), whether an existing subnet has outbound access, and whether
 * the gateway's identity may read the listener's certificate.
 */
function azureNotChecked(resources: readonly PlannedResource[]): string[] {
  const out: string[] = [];
  for (const vmss of resources.filter((r) => r.type === "azure-native:compute:VirtualMachineScaleSet")) {
    const size = String(get(vmss.inputs, "sku.name"));
    const zones = get(vmss.inputs, "zones");
    out.push(
      `${size} in ${String(vmss.inputs["location"])}${Array.isArray(zones) ? ` zones ${zones.join(", ")}` : ""} was not checked against availability: the offline plan cannot ask Azure. ` +
        `Check: az vm list-skus --location ${String(vmss.inputs["location"])} --size ${size} --output table (and its restrictions per zone).`,
    );
  }
  if (resources.some((r) => r.type === "azure-native:compute:VirtualMachineScaleSet" && get(r.inputs, "upgradePolicy.rollingUpgradePolicy.maxSurge") === true)) {
    out.push(
      "Rolling upgrades on a Flexible scale set, and MaxSurge, need subscription features registered (preview when this was written): " +
        "az feature register --namespace Microsoft.Compute --name VMSSFlexRollingUpgrade (and MaxSurgeRollingUpgrade, ImageReferenceUpgradeForVmoVMs).",
    );
  }
  if (resources.some((r) => r.type === "azure-native:compute:VirtualMachineScaleSet") && !resources.some((r) => r.type === "azure-native:network:NatGateway")) {
    out.push("NAT gateway: none created (azure.network.natGateway: false); the existing hosts' subnet must have outbound access of its own, or the VMs cannot pull the image or the proving parameters (flexible scale sets have no default outbound access).");
  }
  if (resources.some((r) => r.type === "azure-native:network:ApplicationGateway")) {
    out.push("The Application Gateway reads its listener certificate from Key Vault with its user-assigned identity: grant that identity (output gatewayIdentityPrincipalId) Key Vault Secrets User on the certificate's vault, or the gateway fails to provision.");
  }
  return out;
}

function buildTree(resources: readonly PlannedResource[]): PlanTreeNode[] {
  const nodes = new Map<string, PlanTreeNode>();
  for (const r of resources) nodes.set(`${r.type}::${r.name}`, { type: r.type, name: r.name, children: [] });
  const roots: PlanTreeNode[] = [];
  for (const r of resources) {
    const node = nodes.get(`${r.type}::${r.name}`)!;
    const parent = r.parent ? nodes.get(r.parent) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: PlanTreeNode[]): PlanTreeNode[] => {
    list.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
    list.forEach((n) => sort(n.children));
    return list;
  };
  return sort(roots);
}

/** One fleet as the plan takes it: the component, and the review facts its instance exposes. */
export interface FleetInput {
  readonly component: { readonly type: string; readonly name: string };
  readonly cloud: string;
  readonly environment: string;
  readonly ingressMode: string;
  readonly review: ReviewOutput;
}

/** What the JSON plan's resources need beyond the resources: see src/plan/inputs.ts. */
interface InputsOptions {
  /** Ciphertext fingerprints of the stack file's `secure:` values. */
  secretConfig?: Record<string, string>;
  /** The key secret inputs are fingerprinted with (never written); without it they are bare markers. */
  fingerprintKey?: string;
}

interface ProgramInput extends InputsOptions {
  stack: string;
  fleets: readonly FleetInput[];
  resources: readonly PlannedResource[];
  secretKeys: string[];
}

/** One fleet whose facts are read from all the given resources (hand-made plans in tests). */
interface SingleFleetInput extends InputsOptions {
  stack: string;
  cloud: string;
  environment: string;
  ingressMode: string;
  review: ReviewOutput;
  resources: readonly PlannedResource[];
  secretKeys: string[];
}

/** The resources under a component: those whose chain of parents reaches it. */
function descendants(resources: readonly PlannedResource[], componentKey: string): PlannedResource[] {
  const parentOf = new Map(resources.map((r) => [`${r.type}::${r.name}`, r.parent]));
  const under = (key: string | undefined): boolean => {
    for (let k = key, seen = 0; k !== undefined && seen <= resources.length; k = parentOf.get(k), seen++) if (k === componentKey) return true;
    return false;
  };
  return resources.filter((r) => under(r.parent));
}

/** A fleet's facts, read from its review facts and its own resources (never another fleet's). */
function fleetFacts(fleet: Omit<FleetInput, "component">, resources: readonly PlannedResource[]): FleetFacts {
  const { review } = fleet;
  return {
    cloud: fleet.cloud,
    environment: fleet.environment,
    ingress: { mode: fleet.ingressMode, plaintextSeenBy: [...review.plaintext.seenBy], plaintextIfInterposed: { by: [...review.plaintext.canInterpose], closedBy: review.plaintext.closedBy }, summary: review.plaintext.summary, plaintextListeners: plaintextListeners(resources) },
    releases: { active: review.activeRelease, accepted: review.acceptedReleases, warnOnlyPcrs: review.warnOnlyPcrs ?? {}, imageDigests: review.imageDigests ?? {} },
    hostImages: hostImages(resources),
    pinnedPcrs: pinnedPcrs(resources),
    parentRolePins: parentRolePins(resources),
    workloadIdentityConditions: workloadIdentityConditions(resources),
    unobservableAlarms: review.unobservableAlarms.map((u) => ({ id: u.alarm.id, severity: u.alarm.severity, reason: u.reason })),
    notChecked: [...gcpNotChecked(resources), ...azureNotChecked(resources)],
  };
}

const FLEET_TYPE_BY_CLOUD: Record<string, string> = { aws: "tee-prover:aws:NitroProofServer", gcp: "tee-prover:gcp:ConfidentialSpaceProofServer", azure: "tee-prover:azure:ConfidentialProofServer" };

export function buildPlan(input: SingleFleetInput): SingleFleetPlan;
export function buildPlan(input: ProgramInput): Plan;
export function buildPlan(input: SingleFleetInput | ProgramInput): Plan {
  const byType: Record<string, number> = {};
  for (const r of input.resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  const fleets: FleetPlan[] =
    "fleets" in input
      ? input.fleets.map((f) => ({ component: f.component, ...fleetFacts(f, descendants(input.resources, `${f.component.type}::${f.component.name}`)) }))
      : [{ component: { type: FLEET_TYPE_BY_CLOUD[input.cloud] ?? input.cloud, name: input.stack }, ...fleetFacts(input, input.resources) }];
  const quarantined = ("fleets" in input ? input.fleets.map((f) => ({ name: f.component.name, review: f.review })) : [{ name: input.stack, review: input.review }])
    .flatMap(({ name, review }) => (review.quarantine ? [{ fleet: name, reason: review.quarantine.reason, since: review.quarantine.since, changes: [...review.quarantine.changes] }] : []));
  const program: ProgramPlan = {
    stack: input.stack,
    disclaimer: PLAN_DISCLAIMER,
    quarantine: { quarantined: quarantined.length > 0, fleets: quarantined },
    fleets,
    counts: { total: input.resources.length, byType },
    tree: buildTree(input.resources),
    keySettings: keySettings(input.resources),
    secretKeys: input.secretKeys,
    secretConfig: input.secretConfig ?? {},
    resources: planResources(input.resources, input.fingerprintKey),
    // The CLI runs the packs over the same resources and replaces this (src/plan/cli.ts).
    policy: { evaluated: false, note: "the policy packs were not run" },
  };
  const [only] = fleets;
  if (fleets.length !== 1 || !only) return program;
  const { component: _component, ...facts } = only;
  return { ...facts, ...program };
}

/** JSON with object keys sorted at every level, so two plans of one stack diff cleanly. */
export function stableJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function renderTree(nodes: readonly PlanTreeNode[], indent: string): string[] {
  return nodes.flatMap((n, i) => {
    const last = i === nodes.length - 1;
    const line = `${indent}${last ? "└─ " : "├─ "}${n.type}  ${n.name}`;
    return [line, ...renderTree(n.children, indent + (last ? "   " : "│  "))];
  });
}

/** A fleet's ingress, releases and pins. */
function renderFleetHead(fleet: FleetFacts): string[] {
  const lines: string[] = [];
  lines.push(`Ingress: ${fleet.ingress.mode}`);
  lines.push(`  ${fleet.ingress.summary}`);
  lines.push(`  plaintext visible to: ${fleet.ingress.plaintextSeenBy.length ? fleet.ingress.plaintextSeenBy.join("; ") : "nobody outside the TEE"}`);
  lines.push(`  plaintext visible, by interposing a TLS terminator, to: ${fleet.ingress.plaintextIfInterposed.by.join("; ")}`);
  lines.push(`    closed only by ${fleet.ingress.plaintextIfInterposed.closedBy}`);
  if (fleet.ingress.plaintextListeners.length === 0) lines.push("  plaintext listeners: none (no port 80; ingress.httpRedirect is off)");
  for (const l of fleet.ingress.plaintextListeners) lines.push(`  PLAINTEXT LISTENER ${l.resource} on port ${l.port} (${l.action}): ${l.exposes}`);
  lines.push("");
  lines.push(`Releases: new hosts boot ${fleet.releases.active}; attestation accepts ${fleet.releases.accepted.join(", ")}`);
  for (const [version, digest] of Object.entries(fleet.releases.imageDigests)) lines.push(`  ${version}: image ${digest}`);
  for (const h of fleet.hostImages) {
    lines.push(`  Hosts (${h.launchTemplate}) boot ${h.imageId}: ${h.pinned ? "pinned by aws.amiId" : "NOT PINNED, whatever image the SSM parameter names at each launch (refused in prod)"}`);
  }
  for (const condition of fleet.workloadIdentityConditions) lines.push(`  Workload Identity condition (secrets are released only when it holds):`, `    ${condition}`);
  for (const [sid, pcrs] of Object.entries(fleet.pinnedPcrs)) {
    lines.push(`  ${sid}:`);
    for (const [k, v] of Object.entries(pcrs)) lines.push(`    ${k.replace("kms:RecipientAttestation:", "")} = ${v}`);
    const role = fleet.parentRolePins[sid];
    if (role === null) lines.push("    PCR3 (parent instance role): NOT PINNED (aws.pinParentRole is false): the release decrypts under any parent holding the host role's credentials");
    else if (role !== undefined) lines.push(`    PCR3 is the parent instance role ${role} (hashed from the role's real ARN at deploy time; offline, the ARN is a placeholder)`);
  }
  for (const [version, pcrs] of Object.entries(fleet.releases.warnOnlyPcrs)) {
    if (pcrs.length) lines.push(`  WARN-ONLY (not enforced by KMS) in ${version}: ${pcrs.map((p) => `PCR${p}`).join(", ")}`);
  }
  return lines;
}

/** A fleet's unobservable alarms and what the cloud decides at deploy time. */
function renderFleetTail(fleet: FleetFacts): string[] {
  const lines = [`Alarms not observable in ${fleet.ingress.mode} mode (listed, not faked):`];
  if (fleet.unobservableAlarms.length === 0) lines.push("  none");
  for (const u of fleet.unobservableAlarms) lines.push(`  [${u.severity}] ${u.id}: ${u.reason}`);
  if (fleet.notChecked.length) {
    lines.push("", "Not checked offline (decided by the cloud at deploy time):");
    for (const note of fleet.notChecked) lines.push(`  ${note}`);
  }
  return lines;
}

export function renderText(plan: Plan): string {
  const lines: string[] = [];
  for (const q of plan.quarantine.fleets) {
    lines.push(`QUARANTINED: fleet ${q.fleet} since ${q.since}: ${q.reason}`, ...q.changes.map((c) => `  ${c}`));
  }
  if (plan.quarantine.quarantined) lines.push("");
  const keySettings = ["Key settings:", ...plan.keySettings.map((s) => `  ${s.resource.split("::")[1]}  ${s.setting} = ${JSON.stringify(s.value)}`)];
  const [only] = plan.fleets;
  if (plan.fleets.length === 1 && only) {
    // One fleet: the layout plans have always had.
    lines.push(`Stack ${plan.stack}: ${only.cloud}, ${only.environment}`);
    lines.push(plan.disclaimer, "");
    lines.push(...renderFleetHead(only), "", ...keySettings, "", ...renderFleetTail(only));
  } else {
    lines.push(`Stack ${plan.stack}: ${plan.fleets.length} fleets`);
    lines.push(plan.disclaimer);
    for (const fleet of plan.fleets) {
      lines.push("", `== Fleet ${fleet.component.name} (${fleet.component.type}): ${fleet.cloud}, ${fleet.environment}`, "");
      lines.push(...renderFleetHead(fleet), "", ...renderFleetTail(fleet));
    }
    lines.push("", ...keySettings);
  }
  lines.push("");
  lines.push(`Resources (${plan.counts.total}):`);
  lines.push(...renderTree(plan.tree, "  "));
  lines.push("");
  lines.push("Counts by type:");
  for (const [type, n] of Object.entries(plan.counts.byType).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${String(n).padStart(3)}  ${type}`);
  if (plan.secretKeys.length) lines.push("", `Secret config (shown as [secret], never decrypted): ${plan.secretKeys.join(", ")}`);
  if (!plan.policy.evaluated) {
    lines.push("", `Policy verdict: not evaluated (${plan.policy.note})`);
    return `${lines.join("\n")}\n`;
  }
  return `${lines.join("\n")}\n${renderVerdict(plan.policy)}`;
}
