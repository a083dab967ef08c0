import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { SCALE_OUT_CPU_PERCENT } from "../../src/config/environments";
import { azureDevValues, named, one, ofType, planStack, prop, paged } from "../helpers/offline";

// prod, passthrough on TDX: TLS ends inside the confidential VM. Two TLS-serving releases during a
// rotation, three zones, a pinned OS image, a break-glass SSH key admitted from a VPN range only,
// clients restricted to two ranges, a longer request timeout.
const release = (version: string, digit: string) => ({ version, image: `ghcr.io/example/proof-server@sha256:${digit.repeat(64)}`, servesTls: true });
const SSH_KEY = `ssh-ed25519 ${"B".repeat(68)} oncall`;

let resources: PlannedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const base = azureDevValues();
  const azure = base["tee-prover-infra:azure"] as Record<string, unknown>;
  const { certificate: _certificate, ...rest } = azure;
  const run = await planStack(paged(azureDevValues({
    environment: "prod",
    proofServer: { build: "tee", jobTimeoutSeconds: 600 },
    releases: [release("v6.4.0", "a"), release("v6.5.0", "b")],
    ingress: { mode: "passthrough", requestTimeoutSeconds: 900, allowedClientCidrs: ["198.51.100.0/24", "203.0.113.0/24"] },
    azure: {
      ...rest,
      technology: "TDX",
      vmSize: "Standard_DC8es_v5",
      zones: ["1", "2", "3"],
      fleet: { minSize: 2, maxSize: 6 },
      image: { version: "22.04.202411010" },
      ssh: { publicKey: SSH_KEY, sourceCidrs: ["10.200.0.0/24"] },
    },
  })), "prod-azure");
  resources = run.resources;
  outputs = run.outputs;
});

const vmss = () => one(resources, "azure-native:compute:VirtualMachineScaleSet");

describe("passthrough ingress: Standard Load Balancer", () => {
  const lb = () => one(resources, "azure-native:network:LoadBalancer");

  test("TCP 443 -> 6300 with an idle timeout covering the request timeout (900 s = 15 min), TCP reset, no outbound SNAT", () => {
    expect(prop(lb(), "sku")).toEqual({ name: "Standard", tier: "Regional" });
    const rules = prop<Array<Record<string, unknown>>>(lb(), "loadBalancingRules");
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ protocol: "Tcp", frontendPort: 443, backendPort: 6300, idleTimeoutInMinutes: 15, enableTcpReset: true, disableOutboundSnat: true });
    expect(rules[0]!["probe"]).toEqual({ id: expect.stringMatching(/\/loadBalancers\/prover-prod-azure-lb\/probes\/health$/) });
  });

  test("HTTPS probe of /health on 6300; if every VM reads as down (a shared 429 bucket), traffic still flows", () => {
    expect(prop(lb(), "probes")).toEqual([{ name: "health", protocol: "Https", port: 6300, requestPath: "/health", intervalInSeconds: 5, probeThreshold: 2, noHealthyBackendsBehavior: "AllProbedUp" }]);
  });

  test("the NICs join the load balancer's pool; no Application Gateway, WAF or gateway identity", () => {
    expect(prop(vmss(), "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.ipConfigurations.0.loadBalancerBackendAddressPools")).toEqual([{ id: `${lb().id}/backendAddressPools/provers` }]);
    for (const type of ["azure-native:network:ApplicationGateway", "azure-native:network:WebApplicationFirewallPolicy"]) expect(ofType(resources, type)).toHaveLength(0);
    expect(ofType(resources, "azure-native:managedidentity:UserAssignedIdentity")).toHaveLength(1);
  });

  test("prod protects the load balancer, its address and the resource group", () => {
    expect(lb().protect).toBe(true);
    expect(named(resources, "azure-native:network:PublicIPAddress", "prover-prod-azure-ip").protect).toBe(true);
    expect(one(resources, "azure-native:resources:ResourceGroup").protect).toBe(true);
  });
});

describe("the TDX scale set", () => {
  test("a TDX size over three zones, the pinned image version, the active (last) release", () => {
    expect(prop(vmss(), "sku.name")).toBe("Standard_DC8es_v5");
    expect(prop(vmss(), "zones")).toEqual(["1", "2", "3"]);
    expect(prop(vmss(), "virtualMachineProfile.storageProfile.imageReference.version")).toBe("22.04.202411010");
    const decoded = Buffer.from(prop<string>(vmss(), "virtualMachineProfile.osProfile.customData"), "base64").toString("utf8");
    expect(decoded).toContain(`ghcr.io/example/proof-server@sha256:${"b".repeat(64)}`);
    expect(decoded).not.toContain(`sha256:${"a".repeat(64)}`);
    expect(decoded).toContain("TEE_PROVER_BLOCK_LB_PROBES='true'");
    expect(decoded).toContain("TEE_PROVER_SCHEME='https'");
  });

  test("passthrough: the health extension checks the port (a shared rate-limit bucket would read 429 and repair busy VMs)", () => {
    expect(prop(vmss(), "virtualMachineProfile.extensionProfile.extensions.0.settings")).toEqual({ protocol: "tcp", port: 6300 });
  });

  test("the configured SSH key, with password login still disabled", () => {
    expect(prop(vmss(), "virtualMachineProfile.osProfile.linuxConfiguration")).toEqual({
      disablePasswordAuthentication: true,
      provisionVMAgent: true,
      ssh: { publicKeys: [{ path: "/home/prover/.ssh/authorized_keys", keyData: SSH_KEY }] },
    });
  });
});

describe("network", () => {
  test("hosts admit 6300 only from the allowed client ranges and Azure's probes, SSH only from the VPN range", () => {
    const rules = prop<Array<Record<string, unknown>>>(one(resources, "azure-native:network:NetworkSecurityGroup"), "securityRules");
    expect(rules.map((r) => [r["priority"], r["access"], r["sourceAddressPrefix"] ?? r["sourceAddressPrefixes"], r["destinationPortRange"]])).toEqual([
      [100, "Allow", ["198.51.100.0/24", "203.0.113.0/24"], "6300"],
      [110, "Allow", "AzureLoadBalancer", "6300"],
      [120, "Allow", ["10.200.0.0/24"], "22"],
      [4096, "Deny", "*", "*"],
    ]);
    expect(ofType(resources, "azure-native:network:Subnet")).toHaveLength(1);
  });

  test("the NAT gateway and its address are both 'no zone' (a Standard NAT gateway is zonal); the entry address spans the zones", () => {
    expect(prop(one(resources, "azure-native:network:NatGateway"), "zones")).toBeUndefined();
    expect(prop(named(resources, "azure-native:network:PublicIPAddress", "prover-prod-azure-nat-ip"), "zones")).toBeUndefined();
    expect(prop(named(resources, "azure-native:network:PublicIPAddress", "prover-prod-azure-ip"), "zones")).toEqual(["1", "2", "3"]);
  });
});

describe("outputs", () => {
  test("passthrough: only root in the guest sees plaintext; the review carries both releases' digests", () => {
    expect(outputs["plaintextSeenBy"]).toEqual([expect.stringContaining("attestation proves the VM and its boot, not the container")]);
    expect(outputs["review"]).toMatchObject({ technology: "TDX", activeRelease: "v6.5.0", acceptedReleases: ["v6.4.0", "v6.5.0"], imageDigests: { "v6.4.0": `sha256:${"a".repeat(64)}`, "v6.5.0": `sha256:${"b".repeat(64)}` } });
    expect(outputs["gatewayIdentityPrincipalId"]).toBeUndefined();
  });
});

describe("host agent (custom metrics)", () => {
  test("the VMs' identity holds Monitoring Metrics Publisher on the scale set only, typed ServicePrincipal", () => {
    const assignment = one(resources, "azure-native:authorization:RoleAssignment", "-agent-metrics");
    const identity = one(resources, "azure-native:managedidentity:UserAssignedIdentity");
    expect(assignment.name).toBe("prover-prod-azure-agent-metrics");
    expect(prop(assignment, "scope")).toBe(vmss().id);
    expect(prop(assignment, "roleDefinitionId")).toBe("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/3913510d-42f4-4e42-8a64-420c390055eb");
    expect(prop(assignment, "principalId")).toBe(identity.state["principalId"]);
    expect(prop(assignment, "principalType")).toBe("ServicePrincipal");
    expect(assignment.parent).toMatch(/::prover-prod-azure$/);
  });

  test("the custom data installs the agent with the identity's client id and the fleet's namespace", () => {
    const identity = one(resources, "azure-native:managedidentity:UserAssignedIdentity");
    const decoded = Buffer.from(prop<string>(vmss(), "virtualMachineProfile.osProfile.customData"), "base64").toString("utf8");
    expect(decoded).toContain(`TEE_PROVER_IDENTITY_CLIENT_ID='${String(identity.state["clientId"])}'`);
    expect(decoded).toContain("TEE_PROVER_METRIC_NAMESPACE='TeeProver/prover-prod-azure'");
    expect(decoded).toContain("tee-prover-agent.timer ]");
  });
});

describe("the environment profile (src/config/environments.ts)", () => {
  test("autoscaling scales out on the profile's CPU target (70 %)", () => {
    const autoscale = one(resources, "azure-native:monitor:AutoscaleSetting");
    const rules = prop(autoscale, "profiles.0.rules") as Array<{ metricTrigger: { metricName: string; operator: string; threshold: number }; scaleAction: { direction: string } }>;
    const out = rules.find((r) => r.scaleAction.direction === "Increase")!;
    expect(out.metricTrigger).toMatchObject({ metricName: "Percentage CPU", operator: "GreaterThan", threshold: SCALE_OUT_CPU_PERCENT });
    expect(SCALE_OUT_CPU_PERCENT).toBe(70);
  });
});
