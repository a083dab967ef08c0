import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Deterministic mocks for the offline plan and tests: ids and ARNs are hashes of type and name,
 * shaped like real ones (policy evaluators reject malformed ARNs), so two runs of one stack
 * produce the same plan.
 */

export const MOCK_ACCOUNT_ID = "123456789012";

export interface MockedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly id: string;
  /** Inputs as the program declared them, resolved. */
  readonly inputs: Record<string, unknown>;
  /** Inputs plus the computed properties the mock filled in. */
  readonly state: Record<string, unknown>;
}

function hex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  return out.slice(0, length);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What the engine would name an auto-named resource: logical name + "-" + 7 characters. */
export function mockPhysicalName(logicalName: string): string {
  return `${logicalName}-${hex(logicalName, 7)}`;
}

type Computed = (name: string, inputs: Record<string, unknown>, seed: string) => { id: string; state: Record<string, unknown> };

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function awsComputed(region: string): Record<string, Computed> {
  const acct = MOCK_ACCOUNT_ID;
  const named = (inputs: Record<string, unknown>, name: string) => str(inputs["name"]) ?? mockPhysicalName(name);
  return {
    "aws:ec2/vpc:Vpc": (_n, _i, s) => ({ id: `vpc-${hex(s, 17)}`, state: {} }),
    "aws:ec2/subnet:Subnet": (_n, _i, s) => ({ id: `subnet-${hex(s, 17)}`, state: {} }),
    "aws:ec2/securityGroup:SecurityGroup": (_n, _i, s) => ({ id: `sg-${hex(s, 17)}`, state: { arn: `arn:aws:ec2:${region}:${acct}:security-group/sg-${hex(s, 17)}` } }),
    "aws:ec2/internetGateway:InternetGateway": (_n, _i, s) => ({ id: `igw-${hex(s, 17)}`, state: {} }),
    "aws:ec2/natGateway:NatGateway": (_n, _i, s) => ({ id: `nat-${hex(s, 17)}`, state: {} }),
    "aws:ec2/eip:Eip": (_n, _i, s) => ({ id: `eipalloc-${hex(s, 17)}`, state: { publicIp: "203.0.113.10" } }),
    "aws:ec2/routeTable:RouteTable": (_n, _i, s) => ({ id: `rtb-${hex(s, 17)}`, state: {} }),
    "aws:ec2/launchTemplate:LaunchTemplate": (n, i, s) => ({ id: `lt-${hex(s, 17)}`, state: { latestVersion: 1, name: named(i, n), arn: `arn:aws:ec2:${region}:${acct}:launch-template/lt-${hex(s, 17)}` } }),
    "aws:iam/role:Role": (n, i) => ({ id: named(i, n), state: { name: named(i, n), arn: `arn:aws:iam::${acct}:role/${named(i, n)}`, uniqueId: `AROA${hex(n, 16).toUpperCase()}` } }),
    "aws:iam/policy:Policy": (n, i) => ({ id: `arn:aws:iam::${acct}:policy/${named(i, n)}`, state: { name: named(i, n), arn: `arn:aws:iam::${acct}:policy/${named(i, n)}` } }),
    "aws:ssm/document:Document": (n, i) => ({ id: named(i, n), state: { name: named(i, n), arn: `arn:aws:ssm:${region}:${acct}:document/${named(i, n)}` } }),
    "aws:iam/instanceProfile:InstanceProfile": (n, i) => ({ id: named(i, n), state: { name: named(i, n), arn: `arn:aws:iam::${acct}:instance-profile/${named(i, n)}` } }),
    "aws:acm/certificate:Certificate": (_n, _i, s) => ({ id: `arn:aws:acm:${region}:${acct}:certificate/${uuid(s)}`, state: { arn: `arn:aws:acm:${region}:${acct}:certificate/${uuid(s)}` } }),
    "aws:kms/key:Key": (_n, _i, s) => ({ id: uuid(s), state: { keyId: uuid(s), arn: `arn:aws:kms:${region}:${acct}:key/${uuid(s)}` } }),
    "aws:kms/alias:Alias": (n, i) => ({ id: named(i, n), state: { arn: `arn:aws:kms:${region}:${acct}:${named(i, n)}` } }),
    "aws:sns/topic:Topic": (n, i) => ({ id: `arn:aws:sns:${region}:${acct}:${named(i, n)}`, state: { name: named(i, n), arn: `arn:aws:sns:${region}:${acct}:${named(i, n)}` } }),
    // A rule on the default bus; a rule declared with its own `region` (IAM's, in us-east-1) gets that region's ARN.
    "aws:cloudwatch/eventRule:EventRule": (n, i) => ({ id: named(i, n), state: { name: named(i, n), arn: `arn:aws:events:${str(i["region"]) ?? region}:${acct}:rule/${named(i, n)}` } }),
    "aws:cloudwatch/logGroup:LogGroup": (n, i) => ({ id: named(i, n), state: { name: named(i, n), arn: `arn:aws:logs:${region}:${acct}:log-group:${named(i, n)}` } }),
    "aws:autoscaling/group:Group": (n, i) => ({ id: named(i, n), state: { name: named(i, n), arn: `arn:aws:autoscaling:${region}:${acct}:autoScalingGroup:${uuid(n)}:autoScalingGroupName/${named(i, n)}` } }),
    "aws:lb/loadBalancer:LoadBalancer": (n, i, s) => {
      const kind = i["loadBalancerType"] === "network" ? "net" : "app";
      const lbName = named(i, n);
      const suffix = `${kind}/${lbName}/${hex(s, 16)}`;
      return { id: `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/${suffix}`, state: { name: lbName, arn: `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/${suffix}`, arnSuffix: suffix, dnsName: `${lbName}-${hex(s, 10)}.elb.${region}.amazonaws.com`, zoneId: "Z35SXDOTRQ7X7K" } };
    },
    "aws:lb/targetGroup:TargetGroup": (n, i, s) => {
      const suffix = `targetgroup/${named(i, n)}/${hex(s, 16)}`;
      return { id: `arn:aws:elasticloadbalancing:${region}:${acct}:${suffix}`, state: { name: named(i, n), arn: `arn:aws:elasticloadbalancing:${region}:${acct}:${suffix}`, arnSuffix: suffix } };
    },
    "aws:lb/listener:Listener": (_n, _i, s) => ({ id: `arn:aws:elasticloadbalancing:${region}:${acct}:listener/${hex(s, 16)}`, state: { arn: `arn:aws:elasticloadbalancing:${region}:${acct}:listener/${hex(s, 16)}` } }),
    "aws:wafv2/webAcl:WebAcl": (n, i, s) => ({ id: uuid(s), state: { name: named(i, n), arn: `arn:aws:wafv2:${region}:${acct}:regional/webacl/${named(i, n)}/${uuid(s)}` } }),
  };
}

export const MOCK_GCP_PROJECT_NUMBER = "123456789012";
export const MOCK_AZURE_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";

/** GCP resources: names as auto-naming makes them, self links and ids shaped like the real ones. */
function gcpComputed(project: string): Computed {
  return (name, inputs, seed) => {
    const type = /^gcp:([a-zA-Z]+)\/([a-zA-Z]+):/.exec(seed)?.[2] ?? "resource";
    const own = str(inputs["name"]) ?? mockPhysicalName(name);
    const proj = str(inputs["project"]) ?? project;
    const region = str(inputs["region"]);
    const scope = region ? `regions/${region}` : "global";
    const kind = `${type.charAt(0).toLowerCase()}${type.slice(1)}s`;
    const selfLink = `https://www.googleapis.com/compute/v1/projects/${proj}/${scope}/${kind}/${own}`;
    const state: Record<string, unknown> = { name: own, selfLink, project: proj };
    let id = `projects/${proj}/${scope}/${kind}/${own}`;
    if (seed.startsWith("gcp:compute/instanceTemplate:")) state["selfLinkUnique"] = `${selfLink}?uniqueId=${BigInt(`0x${hex(seed, 12)}`).toString()}`;
    if (seed.startsWith("gcp:compute/regionInstanceGroupManager:")) state["instanceGroup"] = `https://www.googleapis.com/compute/v1/projects/${proj}/regions/${region}/instanceGroups/${own}`;
    if (seed.startsWith("gcp:compute/globalAddress:")) state["address"] = `203.0.113.${parseInt(hex(seed, 2), 16) % 250 + 1}`;
    if (seed.startsWith("gcp:serviceaccount/account:")) {
      const email = `${str(inputs["accountId"])}@${proj}.iam.gserviceaccount.com`;
      Object.assign(state, { email, name: `projects/${proj}/serviceAccounts/${email}`, member: `serviceAccount:${email}` });
      id = `projects/${proj}/serviceAccounts/${email}`;
    }
    if (seed.startsWith("gcp:iam/workloadIdentityPool:")) {
      state["name"] = `projects/${MOCK_GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/${str(inputs["workloadIdentityPoolId"])}`;
      id = `projects/${proj}/locations/global/workloadIdentityPools/${str(inputs["workloadIdentityPoolId"])}`;
    }
    if (seed.startsWith("gcp:iam/workloadIdentityPoolProvider:")) {
      state["name"] = `projects/${MOCK_GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/${str(inputs["workloadIdentityPoolId"])}/providers/${str(inputs["workloadIdentityPoolProviderId"])}`;
      id = String(state["name"]);
    }
    if (seed.startsWith("gcp:secretmanager/secret:")) {
      state["name"] = `projects/${MOCK_GCP_PROJECT_NUMBER}/secrets/${str(inputs["secretId"])}`;
      id = `projects/${proj}/secrets/${str(inputs["secretId"])}`;
    }
    if (seed.startsWith("gcp:monitoring/notificationChannel:")) {
      state["name"] = `projects/${proj}/notificationChannels/${BigInt(`0x${hex(seed, 12)}`).toString()}`;
      id = String(state["name"]);
    }
    if (seed.startsWith("gcp:monitoring/uptimeCheckConfig:")) {
      const checkId = `${own}-${hex(seed, 6)}`;
      Object.assign(state, { uptimeCheckId: checkId, name: `projects/${proj}/uptimeCheckConfigs/${checkId}` });
      id = String(state["name"]);
    }
    if (seed.startsWith("gcp:monitoring/alertPolicy:")) {
      state["name"] = `projects/${proj}/alertPolicies/${BigInt(`0x${hex(seed, 12)}`).toString()}`;
      id = String(state["name"]);
    }
    return { id, state };
  };
}

/** ARM resource types of the azure-native tokens the components declare (for ids shaped like real ones). */
const AZURE_ARM_TYPES: Readonly<Record<string, readonly [string, string]>> = {
  "azure-native:compute:VirtualMachineScaleSet": ["Microsoft.Compute/virtualMachineScaleSets", "vmScaleSetName"],
  "azure-native:compute:VirtualMachineScaleSetExtension": ["Microsoft.Compute/virtualMachineScaleSets/extensions", "vmssExtensionName"],
  "azure-native:network:VirtualNetwork": ["Microsoft.Network/virtualNetworks", "virtualNetworkName"],
  "azure-native:network:Subnet": ["Microsoft.Network/virtualNetworks/subnets", "subnetName"],
  "azure-native:network:NetworkSecurityGroup": ["Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"],
  "azure-native:network:NatGateway": ["Microsoft.Network/natGateways", "natGatewayName"],
  "azure-native:network:PublicIPAddress": ["Microsoft.Network/publicIPAddresses", "publicIpAddressName"],
  "azure-native:network:LoadBalancer": ["Microsoft.Network/loadBalancers", "loadBalancerName"],
  "azure-native:network:ApplicationGateway": ["Microsoft.Network/applicationGateways", "applicationGatewayName"],
  "azure-native:network:WebApplicationFirewallPolicy": ["Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies", "policyName"],
  "azure-native:managedidentity:UserAssignedIdentity": ["Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"],
  "azure-native:keyvault:Vault": ["Microsoft.KeyVault/vaults", "vaultName"],
  "azure-native:keyvault:Key": ["Microsoft.KeyVault/vaults/keys", "keyName"],
  "azure-native:authorization:RoleAssignment": ["Microsoft.Authorization/roleAssignments", "roleAssignmentName"],
  "azure-native:operationalinsights:Workspace": ["Microsoft.OperationalInsights/workspaces", "workspaceName"],
  "azure-native:monitor:ActionGroup": ["microsoft.insights/actionGroups", "actionGroupName"],
  "azure-native:monitor:MetricAlert": ["microsoft.insights/metricAlerts", "ruleName"],
};

/**
 * Azure resources: ARM ids under the mock subscription and the resource's group, names as given
 * (or auto-named), principal and tenant ids for identities, a documentation address for public IPs.
 */
function azureComputed(subscriptionId: string): Computed {
  return (name, inputs, seed) => {
    const type = seed.slice(0, seed.indexOf("::"));
    if (type === "azure-native:resources:ResourceGroup") {
      const rg = str(inputs["resourceGroupName"]) ?? mockPhysicalName(name);
      return { id: `/subscriptions/${subscriptionId}/resourceGroups/${rg}`, state: { name: rg } };
    }
    const [armType, nameKey] = AZURE_ARM_TYPES[type] ?? [`Mock.Provider/${type.split(":").pop() ?? "resources"}`, "name"];
    const own = str(inputs[nameKey]) ?? mockPhysicalName(name);
    const rg = str(inputs["resourceGroupName"]) ?? "mock-rg";
    const parentName = str(inputs["vmScaleSetName"]) ?? str(inputs["virtualNetworkName"]) ?? str(inputs["vaultName"]) ?? "parent";
    const segments = armType.split("/");
    const path = segments.length === 3 ? `${segments[0]}/${segments[1]}/${parentName}/${segments[2]}/${own}` : `${armType}/${own}`;
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/${path}`;
    const state: Record<string, unknown> = { name: own };
    if (type === "azure-native:managedidentity:UserAssignedIdentity") Object.assign(state, { principalId: uuid(`${seed}/principal`), clientId: uuid(`${seed}/client`), tenantId: MOCK_AZURE_TENANT_ID });
    if (type === "azure-native:network:PublicIPAddress") state["ipAddress"] = `203.0.113.${parseInt(hex(seed, 2), 16) % 250 + 1}`;
    if (type === "azure-native:keyvault:Vault") state["properties"] = { ...(inputs["properties"] as Record<string, unknown> | undefined), vaultUri: `https://${own}.vault.azure.net/` };
    if (type === "azure-native:keyvault:Key") Object.assign(state, { keyUri: `https://${parentName}.vault.azure.net/keys/${own}`, keyUriWithVersion: `https://${parentName}.vault.azure.net/keys/${own}/${hex(seed, 32)}` });
    return { id, state };
  };
}

export const MOCK_AZURE_TENANT_ID = "11111111-1111-1111-1111-111111111111";

/** Canned answers for the Azure provider functions the components call. */
function azureCalls(subscriptionId: string): Record<string, CallAnswer> {
  return {
    "azure-native:authorization:getClientConfig": () => ({ clientId: uuid("plan/client"), objectId: uuid("plan/object"), subscriptionId, tenantId: MOCK_AZURE_TENANT_ID }),
  };
}

/**
 * @pulumi/random's RandomId as the provider fills it in: `byteLength` random bytes as hex, base64
 * (standard and URL-safe, unpadded) and decimal; its id is the URL-safe form. The bytes are a hash
 * of the resource and the deployment, so one deployment always draws the same value (a stable
 * plan) and another deployment (a recreate after destroy) draws a different one.
 */
function randomIdComputed(inputs: Record<string, unknown>, seed: string): { id: string; state: Record<string, unknown> } {
  const byteLength = typeof inputs["byteLength"] === "number" ? inputs["byteLength"] : 8;
  const bytes = Buffer.from(hex(seed, 2 * byteLength), "hex");
  const b64Url = bytes.toString("base64url");
  const state = { hex: bytes.toString("hex"), b64Url, b64Std: bytes.toString("base64"), dec: BigInt(`0x${bytes.toString("hex")}`).toString() };
  return { id: b64Url, state };
}

/** Canned answers for the provider functions the components call. */
/** A provider function's canned answer, from the arguments it was called with. */
type CallAnswer = (args: Record<string, unknown>) => Record<string, unknown>;

function awsCalls(region: string): Record<string, CallAnswer> {
  return {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/plan`, id: MOCK_ACCOUNT_ID, userId: "AROAPLAN" }),
    "aws:iam/getRole:getRole": (args) => ({ name: str(args["name"]), id: str(args["name"]), arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${str(args["name"])}`, uniqueId: "AROAMOCKROLE" }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsPrefix: "com.amazonaws" }),
    "aws:index/getRegion:getRegion": () => ({ name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({ id: region, names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: ["az1", "az2", "az3"].map((z) => `use1-${z}`), groupNames: [region] }),
  };
}

/** Canned answers for the GCP provider functions the components call. */
const GCP_CALLS: Record<string, CallAnswer> = {
  // The project's number (the budget filter names projects by number).
  "gcp:organizations/getProject:getProject": (args) => ({ id: `projects/${str(args["projectId"])}`, projectId: str(args["projectId"]), number: MOCK_GCP_PROJECT_NUMBER, name: str(args["projectId"]) }),
  // A few of Cloud Monitoring's uptime checker addresses (documentation ranges).
  "gcp:monitoring/getUptimeCheckIPs:getUptimeCheckIPs": () => ({
    id: "uptime-check-ips",
    uptimeCheckIps: Array.from({ length: 12 }, (_, i) => ({ ipAddress: `192.0.2.${i + 1}`, location: "Iowa", region: "USA" })),
  }),
};

/** pulumi.runtime.Mocks that record every registered resource. */
export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: MockedResource[] = [];
  private readonly computed: Record<string, Computed>;
  private readonly calls: Record<string, CallAnswer>;

  private readonly gcp: Computed;
  private readonly azure: Computed;

  /**
   * @param deployment names a deployment: random resources draw other values for another one (a
   *   stack destroyed and deployed again). Empty for the offline plan, whose output must not vary.
   */
  constructor(region: string, gcpProject = "example-project", private readonly deployment = "", azureSubscriptionId = MOCK_AZURE_SUBSCRIPTION_ID) {
    this.computed = awsComputed(region);
    this.calls = { ...awsCalls(region), ...GCP_CALLS, ...azureCalls(azureSubscriptionId) };
    this.gcp = gcpComputed(gcpProject);
    this.azure = azureComputed(azureSubscriptionId);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const seed = `${args.type}::${args.name}`;
    if (args.type === "random:index/randomId:RandomId") {
      const { id, state } = randomIdComputed(inputs, this.deployment ? `${this.deployment}|${seed}` : seed);
      const full = { ...inputs, ...state };
      this.resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, id, inputs, state: full });
      return { id, state: full };
    }
    const compute = this.computed[args.type] ?? (args.type.startsWith("gcp:") ? this.gcp : args.type.startsWith("azure-native:") ? this.azure : undefined);
    const { id, state } = compute ? compute(args.name, inputs, seed) : { id: `${args.name}-${hex(seed, 8)}`, state: {} };
    const full = { ...inputs, ...state };
    this.resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, id, inputs, state: full });
    return { id, state: full };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const answer = this.calls[args.token];
    if (!answer) throw new Error(`offline plan: no mock for provider function ${args.token}; add one to src/plan/mocks.ts`);
    return answer(args.inputs);
  }
}
