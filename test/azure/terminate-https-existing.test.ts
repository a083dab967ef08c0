import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { buildPlan } from "../../src/plan/report";
import { azureDevValues, one, ofType, planStack, prop } from "../helpers/offline";

// staging, terminate with HTTPS to the VMs (the backend's root trusted), the port-80 redirect on,
// an existing resource group and existing subnets whose outbound access is the network's own.
const SUB = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const subnet = (n: string) => `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/shared/subnets/${n}`;
const ROOT_PEM = `-----BEGIN CERTIFICATE-----\n${"M".repeat(64)}\n-----END CERTIFICATE-----\n`;

let resources: PlannedResource[];

beforeAll(async () => {
  const base = azureDevValues();
  const azure = base["tee-prover-infra:azure"] as Record<string, unknown>;
  const run = await planStack(azureDevValues({
    "azure-native:subscriptionId": SUB,
    environment: "staging",
    proofServer: { build: "tee", jobTimeoutSeconds: 600 },
    releases: [{ version: "v6.5.0", image: `ghcr.io/example/proof-server@sha256:${"d".repeat(64)}`, servesTls: true }],
    ingress: { mode: "terminate", httpRedirect: true, requestTimeoutSeconds: 1200, rateLimitPer5Minutes: 300 },
    azure: {
      ...azure,
      resourceGroup: { mode: "existing", name: "provers-staging" },
      fleet: { minSize: 2, maxSize: 4 },
      network: { mode: "existing", hostsSubnetId: subnet("hosts"), appGatewaySubnetId: subnet("gateway"), appGatewaySubnetCidr: "10.20.5.0/24", natGateway: false },
      backendTls: { trustedRootCertificate: ROOT_PEM, hostName: "prover.internal.example.com" },
      // The certificate under ROOT_PEM reaches the hosts only as a released secret.
      secrets: { tlsCertificate: "prover-tls-cert", tlsKey: "prover-tls-key", releaseTool: { url: "https://artifacts.example.net/azure-attest-skr.tgz", sha256: "e".repeat(64) } },
    },
  }), "staging-azure");
  resources = run.resources;
});

const gw = () => one(resources, "azure-native:network:ApplicationGateway");

describe("HTTPS to the VMs", () => {
  test("the backend's root is trusted and its host name checked; the request timeout is the configured 1200 s", () => {
    expect(prop(gw(), "trustedRootCertificates")).toEqual([{ name: "backend-root", data: ROOT_PEM }]);
    expect(prop(gw(), "backendHttpSettingsCollection.0")).toMatchObject({
      protocol: "Https",
      requestTimeout: 1200,
      hostName: "prover.internal.example.com",
      pickHostNameFromBackendAddress: false,
      trustedRootCertificates: [{ id: expect.stringMatching(/\/applicationGateways\/prover-staging-azure-agw\/trustedRootCertificates\/backend-root$/) }],
    });
    expect(prop(gw(), "probes.0")).toMatchObject({ protocol: "Https", host: "prover.internal.example.com", path: "/health" });
    expect(prop(one(resources, "azure-native:compute:VirtualMachineScaleSet"), "virtualMachineProfile.extensionProfile.extensions.0.settings")).toMatchObject({ protocol: "https", requestPath: "/health" });
  });

  test("port 80 only redirects; both routing rules carry distinct priorities", () => {
    const rules = prop<Array<Record<string, unknown>>>(gw(), "requestRoutingRules");
    expect(rules.map((r) => [r["name"], r["priority"]])).toEqual([["provers", 100], ["http-to-https", 200]]);
    expect(rules[1]!["backendAddressPool"]).toBeUndefined();
    expect(prop(gw(), "redirectConfigurations")).toEqual([{ name: "to-https", redirectType: "Permanent", targetListener: { id: expect.stringMatching(/\/httpListeners\/https$/) }, includePath: true, includeQueryString: true }]);
    const plan = buildPlan({ stack: "staging-azure", cloud: "azure", environment: "staging", ingressMode: "terminate", review: { plaintext: { seenBy: [], canInterpose: [], closedBy: "", summary: "" }, activeRelease: "v6.5.0", acceptedReleases: ["v6.5.0"], unobservableAlarms: [] }, resources, secretKeys: [] });
    expect(plan.notChecked).toEqual([
      expect.stringMatching(/^Standard_DC4as_v5 in eastus zones 1, 2 was not checked against availability/),
      expect.stringContaining("VMSSFlexRollingUpgrade"),
      expect.stringMatching(/^NAT gateway: none created \(azure.network.natGateway: false\)/),
      expect.stringContaining("Key Vault Secrets User"),
    ]);
    expect(plan.ingress.plaintextListeners).toEqual([{ resource: "prover-staging-azure-agw/http", port: 80, action: "redirect to HTTPS only", exposes: expect.any(String) }]);
  });

  test("the WAF counts the configured rate per client", () => {
    expect(prop(one(resources, "azure-native:network:WebApplicationFirewallPolicy"), "customRules.0.rateLimitThreshold")).toBe(300);
  });
});

describe("existing resource group and subnets", () => {
  test("everything goes into the named group; the gateway's ids are built under it", () => {
    // Extension resources live at their scope, not in a group: diagnostic settings (their
    // resourceUri) and the role assignment (the scale set, in the group).
    const scoped = ["azure-native:monitor:AutoscaleSetting", "azure-native:monitor:DiagnosticSetting", "azure-native:authorization:RoleAssignment"];
    const grouped = resources.filter((x) => x.type.startsWith("azure-native:") && !scoped.includes(x.type));
    expect(grouped.length).toBeGreaterThan(20);
    for (const r of grouped) expect(r.inputs["resourceGroupName"], r.name).toBe("provers-staging");
    expect(String(prop(one(resources, "azure-native:authorization:RoleAssignment"), "scope"))).toMatch(new RegExp(`^/subscriptions/${SUB}/resourceGroups/provers-staging/providers/Microsoft.Compute/virtualMachineScaleSets/`));
    expect(ofType(resources, "azure-native:resources:ResourceGroup")).toHaveLength(0);
    expect(String(prop(gw(), "httpListeners.0.frontendPort.id"))).toBe(`/subscriptions/${SUB}/resourceGroups/provers-staging/providers/Microsoft.Network/applicationGateways/prover-staging-azure-agw/frontendPorts/https`);
  });

  test("the given subnets are used; no network, NAT gateway or gateway NSG is created; the hosts' NSG still applies on the NICs, admitting only the gateway's range", () => {
    for (const type of ["azure-native:network:VirtualNetwork", "azure-native:network:Subnet", "azure-native:network:NatGateway"]) expect(ofType(resources, type)).toHaveLength(0);
    const nsgs = ofType(resources, "azure-native:network:NetworkSecurityGroup");
    expect(nsgs.map((n) => n.name)).toEqual(["prover-staging-azure-hosts-nsg"]);
    expect(prop(one(resources, "azure-native:compute:VirtualMachineScaleSet"), "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0")).toMatchObject({
      networkSecurityGroup: { id: nsgs[0]!.id },
      ipConfigurations: [expect.objectContaining({ subnet: { id: subnet("hosts") } })],
    });
    expect(prop(gw(), "gatewayIPConfigurations")).toEqual([{ name: "gateway", subnet: { id: subnet("gateway") } }]);
    expect(prop(nsgs[0]!, "securityRules.0.sourceAddressPrefix")).toBe("10.20.5.0/24");
  });
});
