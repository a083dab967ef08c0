import { beforeAll, describe, expect, test } from "vitest";
import { buildPlan, renderText, type ReviewOutput } from "../../src/plan/report";
import type { PlannedResource } from "../../src/plan/engine";
import { parseCloudConfig } from "../../src/bootstrap/cloud-init";
import { SCALE_OUT_CPU_PERCENT } from "../../src/config/environments";
import { azureDevValues, named, one, ofType, planStack, prop, paged } from "../helpers/offline";

// prod, passthrough on TDX: TLS ends inside the confidential VM. Two TLS-serving releases during a
// rotation, three zones, a pinned OS image, a break-glass SSH key admitted from a VPN range only,
// clients restricted to two ranges, a longer request timeout.
const release = (version: string, digit: string) => ({ version, image: `ghcr.io/example/proof-server@sha256:${digit.repeat(64)}`, servesTls: true });
const SSH_KEY = `ssh-ed25519 ${"B".repeat(68)} oncall`;
const TOOL_URL = "https://releases.example.com/azure-attest-skr-1.2.tgz";

let resources: PlannedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const base = azureDevValues();
  const azure = base["tee-prover-infra:azure"] as Record<string, unknown>;
  const { certificate: _certificate, ...rest } = azure;
  const run = await planStack(paged(azureDevValues({
    environment: "prod",
    budget: { monthlyAmount: 3000 },
    alarms: { P0: { emails: ["oncall@example.com"] }, P1: { emails: ["oncall@example.com"] }, P2: { emails: ["capacity@example.com"] }, P3: { emails: ["review@example.com"] } },
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
      secrets: { apiKey: "prover-api-key", tlsCertificate: "prover-tls-cert", tlsKey: "prover-tls-key", releaseTool: { url: TOOL_URL, sha256: "d".repeat(64) } },
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
    // The keys and the audit trail too (the baseline pack's prod-protection rule refuses anything less).
    expect(one(resources, "azure-native:keyvault:Key").protect).toBe(true);
    const workspace = one(resources, "azure-native:operationalinsights:Workspace");
    expect([workspace.protect, workspace.retainOnDelete]).toEqual([true, true]);
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

describe("secrets: Secure Key Release on the host before the container", () => {
  const decoded = () => Buffer.from(prop<string>(vmss(), "virtualMachineProfile.osProfile.customData"), "base64").toString("utf8");

  test("the custom data names the fleet's vault, its release key, the policy's authority, the pinned tool and the three secrets", () => {
    const vault = one(resources, "azure-native:keyvault:Vault");
    const key = one(resources, "azure-native:keyvault:Key");
    const identity = one(resources, "azure-native:managedidentity:UserAssignedIdentity");
    const text = parseCloudConfig(decoded()).write_files?.find((f) => f.path === "/etc/tee-prover/secrets.env")?.content ?? "";
    expect(text).toContain(`TEE_PROVER_VAULT_URI='https://${String(prop(vault, "vaultName"))}.vault.azure.net/'`);
    expect(text).toContain(`TEE_PROVER_RELEASE_KEY_NAME='${String(prop(key, "keyName"))}'`);
    // The authority the key's release policy trusts (the region's shared provider here).
    const policy = JSON.parse(Buffer.from(prop<string>(key, "properties.releasePolicy.data"), "base64url").toString("utf8")) as { anyOf: Array<{ authority: string }> };
    expect(text).toContain(`TEE_PROVER_ATTESTATION_AUTHORITY='${policy.anyOf[0]!.authority}'`);
    expect(text).toContain(`TEE_PROVER_SKR_TOOL_URL='${TOOL_URL}'\nTEE_PROVER_SKR_TOOL_SHA256='${"d".repeat(64)}'`);
    expect(text).toContain("TEE_PROVER_SECRET_NAMES='api-key=prover-api-key tls-cert.pem=prover-tls-cert tls-key.pem=prover-tls-key'");
    expect(text).toContain(`TEE_PROVER_IDENTITY_CLIENT_ID='${String(identity.state["clientId"])}'`);
    expect(text).toContain("TEE_PROVER_CONTAINER_UID='1000'");
  });

  test("the server Requires= the secrets unit and mounts the tmpfs read-only; the unit is enabled first", () => {
    const text = decoded();
    expect(text).toMatch(/Requires=tee-prover-secrets.service/);
    expect(text).toContain("--env-file /run/tee-prover/proof-server-secrets.env --volume /run/prover-secrets:/run/prover-secrets:ro");
    expect(text).toContain("- [ systemctl, enable, --now, tee-prover-secrets.service, tee-prover-proof-server.service,");
    expect(text).toContain("- python3-cryptography");
  });

  test("the review says what the hosts do for the secrets", () => {
    const key = one(resources, "azure-native:keyvault:Key");
    expect((outputs["review"] as { hostSecrets: string }).hostSecrets).toBe(
      `before the container starts, each VM downloads AzureAttestSKR (sha256 dddddddddddd...), attests with https://sharedeus.eus.attest.azure.net, releases key ${String(prop(key, "keyName"))} as the scale set's identity and unwraps the API key and the TLS certificate and key into tmpfs (/run/prover-secrets); if the release is refused after 8 attempts the container never starts. The API key passes through podman's container state on the OS disk.`,
    );
  });
});

describe("budget (prod requires one): a consumption budget on the resource group", () => {
  test("monthly, the expected amount, at the fleet's resource group scope; 80 / 100 / 110 % of actual cost to the P3 / P2 / P1 action groups", () => {
    const budget = one(resources, "azure-native:consumption:Budget");
    const group = (sev: string) => one(resources, "azure-native:monitor:ActionGroup", `-${sev}`).id;
    const rg = one(resources, "azure-native:resources:ResourceGroup");
    expect(prop(budget, "scope")).toBe(rg.id);
    expect([prop(budget, "category"), prop(budget, "amount"), prop(budget, "timeGrain")]).toEqual(["Cost", 3000, "Monthly"]);
    expect(prop<{ startDate: string }>(budget, "timePeriod").startDate).toMatch(/^\d{4}-\d{2}-01T00:00:00Z$/);
    expect(budget.ignoreChanges).toEqual(["timePeriod"]);
    expect(prop(budget, "notifications")).toEqual({
      "actual-80-p3": { enabled: true, operator: "GreaterThan", threshold: 80, thresholdType: "Actual", contactEmails: [], contactGroups: [group("p3")] },
      "actual-100-p2": { enabled: true, operator: "GreaterThan", threshold: 100, thresholdType: "Actual", contactEmails: [], contactGroups: [group("p2")] },
      "actual-110-p1": { enabled: true, operator: "GreaterThan", threshold: 110, thresholdType: "Actual", contactEmails: [], contactGroups: [group("p1")] },
    });
    // At most five notifications per budget.
    expect(Object.keys(prop(budget, "notifications"))).toHaveLength(3);
  });
});

test("the offline plan lists the budget's amount among the key settings", () => {
  const text = renderText(buildPlan({ stack: "prod-azure", cloud: "azure", environment: "prod", ingressMode: "passthrough", review: outputs["review"] as ReviewOutput, resources, secretKeys: [] }));
  expect(text).toContain("amount = 3000");
  expect(text).toContain("timeGrain = \"Monthly\"");
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
