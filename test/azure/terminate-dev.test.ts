import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { MOCK_AZURE_TENANT_ID } from "../../src/plan/mocks";
import { parseCloudConfig } from "../../src/bootstrap/cloud-init";
import { azureDevValues, named, one, ofType, planStack, prop } from "../helpers/offline";

// The Azure dev stack as committed (Pulumi.dev-azure.yaml): SEV-SNP, terminate mode with the
// reference image's plain-HTTP hop accepted in writing, zones 1 and 2, a created network.
let resources: PlannedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const run = await planStack(azureDevValues(), "dev-azure");
  resources = run.resources;
  outputs = run.outputs;
});

const VMSS = "azure-native:compute:VirtualMachineScaleSet";
const vmss = () => one(resources, VMSS);

describe("the scale set of confidential VMs", () => {
  test("flexible orchestration of a confidential SEV-SNP size, over the configured zones", () => {
    expect(prop(vmss(), "orchestrationMode")).toBe("Flexible");
    expect(prop(vmss(), "platformFaultDomainCount")).toBe(1);
    expect(prop(vmss(), "sku")).toEqual({ name: "Standard_DC4as_v5", tier: "Standard", capacity: 1 });
    expect(prop(vmss(), "zones")).toEqual(["1", "2"]);
    expect(prop(vmss(), "zoneBalance")).toBe(true);
  });

  test("securityType ConfidentialVM with secure boot and vTPM; the OS disk's VM guest state encrypted", () => {
    expect(prop(vmss(), "virtualMachineProfile.securityProfile")).toEqual({ securityType: "ConfidentialVM", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } });
    expect(prop(vmss(), "virtualMachineProfile.storageProfile.osDisk.managedDisk")).toEqual({ storageAccountType: "Premium_LRS", securityProfile: { securityEncryptionType: "VMGuestStateOnly" } });
  });

  test("the confidential Ubuntu image", () => {
    expect(prop(vmss(), "virtualMachineProfile.storageProfile.imageReference")).toEqual({ publisher: "Canonical", offer: "0001-com-ubuntu-confidential-vm-jammy", sku: "22_04-lts-cvm", version: "latest" });
  });

  test("no password: password authentication disabled, and with no SSH key configured a key nobody holds", () => {
    const os = prop<Record<string, unknown>>(vmss(), "virtualMachineProfile.osProfile");
    expect(os["adminPassword"]).toBeUndefined();
    expect(prop(vmss(), "virtualMachineProfile.osProfile.linuxConfiguration.disablePasswordAuthentication")).toBe(true);
    const keys = prop<Array<{ keyData: string; path: string }>>(vmss(), "virtualMachineProfile.osProfile.linuxConfiguration.ssh.publicKeys");
    expect(keys).toHaveLength(1);
    expect(keys[0]!.keyData).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\S+ no-login$/);
    expect(String(os["computerNamePrefix"]).length).toBeLessThanOrEqual(15);
  });

  test("the user-assigned identity, and no accelerated networking (confidential sizes lack it)", () => {
    const identity = named(resources, "azure-native:managedidentity:UserAssignedIdentity", "prover-dev-azure-id");
    expect(prop(vmss(), "identity")).toEqual({ type: "UserAssigned", userAssignedIdentities: [identity.id] });
    expect(prop(vmss(), "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.enableAcceleratedNetworking")).toBe(false);
  });

  test("rolling upgrades surge first; automatic repairs after a boot-sized grace; terminate notification outlasts job + 60 s", () => {
    expect(prop(vmss(), "upgradePolicy.mode")).toBe("Rolling");
    expect(prop(vmss(), "upgradePolicy.rollingUpgradePolicy")).toMatchObject({ maxSurge: true, maxBatchInstancePercent: 20, rollbackFailedInstancesOnPolicyBreach: true });
    expect(prop(vmss(), "automaticRepairsPolicy")).toEqual({ enabled: true, gracePeriod: "PT30M", repairAction: "Replace" });
    // 660 s = 11 minutes, within the 5-15 minutes the API accepts.
    expect(prop(vmss(), "virtualMachineProfile.scheduledEventsProfile.terminateNotificationProfile")).toEqual({ enable: true, notBeforeTimeout: "PT11M" });
  });

  test("the Application Health extension v1 probes /health on 6300 over the image's protocol (HTTP here)", () => {
    const extensions = prop<Array<Record<string, unknown>>>(vmss(), "virtualMachineProfile.extensionProfile.extensions");
    expect(extensions).toEqual([{
      name: "application-health",
      publisher: "Microsoft.ManagedServices",
      type: "ApplicationHealthLinux",
      typeHandlerVersion: "1.0",
      autoUpgradeMinorVersion: true,
      settings: { protocol: "http", port: 6300, requestPath: "/health", intervalInSeconds: 5, numberOfProbes: 2 },
    }]);
  });

  test("custom data: the pinned container under systemd, within 64 KiB", () => {
    const encoded = prop<string>(vmss(), "virtualMachineProfile.osProfile.customData");
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    expect(Buffer.byteLength(decoded)).toBeLessThanOrEqual(65536);
    const config = parseCloudConfig(decoded);
    const unit = config.write_files?.find((f) => f.path === "/etc/systemd/system/tee-prover-proof-server.service")?.content ?? "";
    expect(unit).toContain(`docker.io/midnightntwrk/proof-server@sha256:${"0".repeat(64)}\n`);
    expect(unit).toContain("--publish 6300:6300");
    // dev terminates at the gateway with HTTP to the VM: the drain service must not block the gateway's probes as LB probes.
    expect(config.write_files?.find((f) => f.path === "/etc/tee-prover/drain.env")?.content).toContain("TEE_PROVER_BLOCK_LB_PROBES='false'");
  });

  test("the reference build gets no secrets: no release unit, the server requires nothing", () => {
    const decoded = Buffer.from(prop<string>(vmss(), "virtualMachineProfile.osProfile.customData"), "base64").toString("utf8");
    expect(decoded).not.toContain("tee-prover-secrets");
    expect(decoded).not.toContain("Requires=");
    expect(decoded).not.toContain("/run/prover-secrets");
    expect((outputs["review"] as { hostSecrets: string }).hostSecrets).toMatch(/^none: the server gets no secrets/);
  });

  test("the NICs join the gateway's pool and carry the hosts' NSG", () => {
    const gw = one(resources, "azure-native:network:ApplicationGateway");
    const nsg = one(resources, "azure-native:network:NetworkSecurityGroup", "-hosts-nsg");
    const nic = prop<Record<string, unknown>>(vmss(), "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0");
    expect(nic["networkSecurityGroup"]).toEqual({ id: nsg.id });
    expect(prop(vmss(), "virtualMachineProfile.networkProfile.networkInterfaceConfigurations.0.ipConfigurations.0.applicationGatewayBackendAddressPools")).toEqual([{ id: `${gw.id}/backendAddressPools/provers` }]);
  });

  test("autoscale between the fleet's bounds on CPU", () => {
    const a = one(resources, "azure-native:monitor:AutoscaleSetting");
    expect(prop(a, "targetResourceUri")).toBe(vmss().id);
    expect(prop(a, "profiles.0.capacity")).toEqual({ minimum: "1", maximum: "2", default: "1" });
  });
});

describe("terminate ingress: Application Gateway WAF_v2", () => {
  const gw = () => one(resources, "azure-native:network:ApplicationGateway");

  test("WAF_v2 with the WAF policy, a TLS 1.2+ policy and the Key Vault certificate through the gateway's identity", () => {
    const waf = one(resources, "azure-native:network:WebApplicationFirewallPolicy");
    const identity = one(resources, "azure-native:managedidentity:UserAssignedIdentity", "-agw-id");
    expect(prop(gw(), "sku")).toEqual({ name: "WAF_v2", tier: "WAF_v2" });
    expect(prop(gw(), "firewallPolicy")).toEqual({ id: waf.id });
    expect(prop(gw(), "sslPolicy")).toEqual({ policyType: "Predefined", policyName: "AppGwSslPolicy20220101" });
    expect(prop(gw(), "identity")).toEqual({ type: "UserAssigned", userAssignedIdentities: [identity.id] });
    expect(prop(gw(), "sslCertificates")).toEqual([{ name: "listener", keyVaultSecretId: "https://example-tls-kv.vault.azure.net/secrets/prover-dev" }]);
  });

  test("backend request timeout and draining cover job + 60 s; HTTP to the VMs (accepted hop), no trusted root", () => {
    const settings = prop<Array<Record<string, unknown>>>(gw(), "backendHttpSettingsCollection");
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatchObject({ port: 6300, protocol: "Http", requestTimeout: 660, connectionDraining: { enabled: true, drainTimeoutInSec: 660 } });
    expect(settings[0]!["trustedRootCertificates"]).toBeUndefined();
    expect(prop(gw(), "trustedRootCertificates")).toBeUndefined();
  });

  test("the probe reads /health and counts 429 (busy) as alive", () => {
    expect(prop(gw(), "probes")).toEqual([{ name: "health", protocol: "Http", host: "127.0.0.1", path: "/health", interval: 30, timeout: 30, unhealthyThreshold: 3, match: { statusCodes: ["200", "429"] } }]);
  });

  test("every routing rule has a priority; sub-resources reference the gateway's own ids; no plaintext listener", () => {
    const rules = prop<Array<Record<string, unknown>>>(gw(), "requestRoutingRules");
    // One rule, with a priority (API version 2021-08-01 and later refuse a rule without one).
    expect(rules.map((r) => [r["name"], r["priority"]])).toEqual([["provers", 100]]);
    expect(rules[0]!["httpListener"]).toEqual({ id: expect.stringMatching(/\/providers\/Microsoft\.Network\/applicationGateways\/prover-dev-azure-agw\/httpListeners\/https$/) });
    expect(prop<Array<{ protocol: string }>>(gw(), "httpListeners").map((l) => l.protocol)).toEqual(["Https"]);
  });

  test("the WAF policy blocks in prevention mode with a per-client rate-limit rule", () => {
    const waf = one(resources, "azure-native:network:WebApplicationFirewallPolicy");
    expect(prop(waf, "policySettings")).toMatchObject({ state: "Enabled", mode: "Prevention" });
    expect(prop(waf, "customRules")).toEqual([{
      name: "PerClientRateLimit",
      priority: 10,
      ruleType: "RateLimitRule",
      rateLimitDuration: "FiveMins",
      rateLimitThreshold: 600,
      groupByUserSession: [{ groupByVariables: [{ variableName: "ClientAddr" }] }],
      matchConditions: [{ matchVariables: [{ variableName: "RemoteAddr" }], operator: "IPMatch", negationConditon: true, matchValues: ["255.255.255.255/32"] }],
      action: "Block",
      state: "Enabled",
    }]);
  });
});

describe("network", () => {
  test("hosts admit 6300 only from the gateway's subnet and Azure's probes; everything else denied", () => {
    const rules = prop<Array<Record<string, unknown>>>(one(resources, "azure-native:network:NetworkSecurityGroup", "-hosts-nsg"), "securityRules");
    expect(rules.map((r) => [r["priority"], r["access"], r["sourceAddressPrefix"], r["destinationPortRange"]])).toEqual([
      [100, "Allow", "10.90.1.0/24", "6300"],
      [110, "Allow", "AzureLoadBalancer", "6300"],
      [4096, "Deny", "*", "*"],
    ]);
    expect(rules.some((r) => r["destinationPortRange"] === "22")).toBe(false);
  });

  test("the gateway's subnet admits GatewayManager 65200-65535, Azure's load balancer and the clients on 443", () => {
    const rules = prop<Array<Record<string, unknown>>>(one(resources, "azure-native:network:NetworkSecurityGroup", "-agw-nsg"), "securityRules");
    expect(rules.map((r) => [r["priority"], r["access"], r["sourceAddressPrefix"], r["destinationPortRange"] ?? r["destinationPortRanges"]])).toEqual([
      [100, "Allow", "GatewayManager", "65200-65535"],
      [110, "Allow", "AzureLoadBalancer", "*"],
      [120, "Allow", "Internet", ["443"]],
      [4096, "Deny", "*", "*"],
    ]);
  });

  test("the hosts' subnet goes out only through the NAT gateway; the gateway has its own subnet", () => {
    const nat = one(resources, "azure-native:network:NatGateway");
    const hosts = one(resources, "azure-native:network:Subnet", "-hosts");
    expect(prop(hosts, "natGateway")).toEqual({ id: nat.id });
    expect(prop(hosts, "defaultOutboundAccess")).toBe(false);
    expect(prop(hosts, "addressPrefix")).toBe("10.90.0.0/24");
    expect(prop(one(resources, "azure-native:network:Subnet", "-agw"), "addressPrefix")).toBe("10.90.1.0/24");
    expect(prop(nat, "sku")).toEqual({ name: "Standard" });
    expect(ofType(resources, "azure-native:network:LoadBalancer")).toHaveLength(0);
  });
});

describe("stack outputs", () => {
  test("the plaintext hop is said, root in the guest included; the ids the integrator needs are exported", () => {
    expect(outputs["ingressMode"]).toBe("terminate");
    expect(outputs["plaintextSeenBy"]).toEqual([
      "the Azure Application Gateway",
      expect.stringContaining("root in the confidential VMs (Run Command or VM extensions"),
      "anyone who can capture traffic on the load balancer -> host hop",
    ]);
    expect(outputs["tenantId"]).toBe(MOCK_AZURE_TENANT_ID);
    expect(outputs["identityPrincipalId"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(outputs["scaleSetId"]).toBe(vmss().id);
    expect(outputs["loadBalancerId"]).toBe(one(resources, "azure-native:network:ApplicationGateway").id);
    expect(outputs["review"]).toMatchObject({ technology: "SEV_SNP", attestationScope: expect.stringContaining("not the container") });
  });
});

describe("the component wires Secure Key Release and the alarm catalogue", () => {
  test("the fleet's identity, and only it, may release the key; its policy admits this fleet's SEV-SNP VMs", async () => {
    const { decodeReleasePolicyData } = await import("../../src/attestation/azure-release-policy");
    const { evaluateReleasePolicy } = await import("../../src/attestation/azure-release-policy-eval");
    const { sevSnpToken, tdxToken } = await import("../helpers/azure-maa-tokens");
    const identity = named(resources, "azure-native:managedidentity:UserAssignedIdentity", "prover-dev-azure-id");
    const vault = one(resources, "azure-native:keyvault:Vault");
    const policies = prop<Array<{ objectId: string; permissions: { keys?: string[] } }>>(vault, "properties.accessPolicies");
    expect(policies.filter((p) => (p.permissions.keys ?? []).includes("release")).map((p) => p.objectId)).toEqual([identity.state["principalId"]]);
    const key = one(resources, "azure-native:keyvault:Key");
    expect(prop(key, "properties.attributes.exportable")).toBe(true);
    const policy = decodeReleasePolicyData(prop<string>(key, "properties.releasePolicy.data"));
    const authority = (policy as { anyOf: Array<{ authority: string }> }).anyOf[0]!.authority;
    expect(authority).toBe("https://sharedeus.eus.attest.azure.net");
    expect(evaluateReleasePolicy(policy, sevSnpToken(authority))).toEqual({ released: true, reasons: [] });
    expect(evaluateReleasePolicy(policy, tdxToken(authority)).released).toBe(false);
    expect(prop(key, "keyName")).toMatch(/^prover-dev-azure-release-[0-9a-f]+$/);
  });

  test("monitoring: one action group per severity, key changes watched, unobservable alarms stated", () => {
    expect(ofType(resources, "azure-native:monitor:ActionGroup").map((g) => g.name).sort()).toEqual(["prover-dev-azure-p0", "prover-dev-azure-p1", "prover-dev-azure-p2", "prover-dev-azure-p3"]);
    const keyDiag = named(resources, "azure-native:monitor:DiagnosticSetting", "prover-dev-azure-diag-keyvault");
    expect(prop(keyDiag, "resourceUri")).toBe(one(resources, "azure-native:keyvault:Vault").id);
    const review = outputs["review"] as { unobservableAlarms: Array<{ alarm: { id: string }; reason: string }> };
    expect(review.unobservableAlarms.map((a) => a.alarm.id)).toEqual(["attestation-failures", "tee-down", "tls-cert-expiring"]);
    for (const alarm of review.unobservableAlarms) expect(alarm.reason.length).toBeGreaterThan(20);
  });
});

test("dev protects neither the release key nor the workspace, and keeps no workspace past a destroy", () => {
  expect(one(resources, "azure-native:keyvault:Key").protect).toBe(false);
  const workspace = one(resources, "azure-native:operationalinsights:Workspace");
  expect([workspace.protect, workspace.retainOnDelete]).toEqual([false, false]);
});
