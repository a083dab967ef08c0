import { beforeAll, describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import type { Plan } from "../../src/plan/report";
import { azureDevValues, named } from "../helpers/offline";
import { diffFleets, planOf, planPairs, type Pair, expectUntouched } from "./compare";

// Quarantine and resume on Azure, both ingress modes, in one mock run (see aws.test.ts).
const TERMINATE: Pair = { serving: "srv-t", quarantined: "qtn-t" };
const PASSTHROUGH: Pair = { serving: "srv-p", quarantined: "qtn-p" };
const VMSS = "azure-native:compute:VirtualMachineScaleSet";
const AUTOSCALE = "azure-native:monitor:AutoscaleSetting";
const LB = "azure-native:network:LoadBalancer";
const WAF = "azure-native:network:WebApplicationFirewallPolicy";

let resources: PlannedResource[];
let plan: Plan;

beforeAll(async () => {
  const { certificate: _certificate, ...azure } = azureDevValues()["tee-prover-infra:azure"] as Record<string, unknown>;
  const run = await planPairs([
    { values: azureDevValues(), pair: TERMINATE },
    {
      values: azureDevValues({
        proofServer: { build: "tee", jobTimeoutSeconds: 600 },
        releases: [{ version: "v6.5.0", image: `ghcr.io/example/proof-server@sha256:${"b".repeat(64)}`, servesTls: true }],
        ingress: { mode: "passthrough" },
        azure,
      }),
      pair: PASSTHROUGH,
    },
  ]);
  resources = run.resources;
  plan = planOf(run);
});

/** Types that hold VMs, disks, keys or logs: never replaced or changed. */
const EVIDENCE_TYPES = [
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  "azure-native:managedidentity:UserAssignedIdentity",
  "azure-native:resources:ResourceGroup",
  "azure-native:operationalinsights:Workspace",
  "azure-native:network:PublicIPAddress",
];

describe.each([
  ["terminate (Application Gateway)", TERMINATE],
  ["passthrough (Standard Load Balancer)", PASSTHROUGH],
])("%s", (_mode, pair) => {
  test("vault, key, identity, resource group, log workspace and public IP keep their URNs and inputs", () => {
    expectUntouched(diffFleets(resources, pair), EVIDENCE_TYPES);
  });

  test("the scale set changes only automaticRepairsPolicy.enabled (VM model, disks and custom data untouched); autoscale only enabled", () => {
    const d = diffFleets(resources, pair);
    expect(d.changed[`${VMSS}::${pair.serving}-vmss`]).toEqual(["automaticRepairsPolicy"]);
    expect(d.changed[`${AUTOSCALE}::${pair.serving}-autoscale`]).toEqual(["enabled"]);
    const serving = named(resources, VMSS, `${pair.serving}-vmss`).inputs["automaticRepairsPolicy"] as Record<string, unknown>;
    const quarantined = named(resources, VMSS, `${pair.quarantined}-vmss`).inputs["automaticRepairsPolicy"] as Record<string, unknown>;
    expect(serving).toEqual({ enabled: true, gracePeriod: "PT30M", repairAction: "Replace" });
    expect(quarantined).toEqual({ ...serving, enabled: false });
    expect(named(resources, AUTOSCALE, `${pair.serving}-autoscale`).inputs["enabled"]).toBe(true);
    expect(named(resources, AUTOSCALE, `${pair.quarantined}-autoscale`).inputs["enabled"]).toBe(false);
  });
});

test("terminate: the WAF policy gains one custom rule before the rate limit, blocking every address; the gateway is unchanged", () => {
  const d = diffFleets(resources, TERMINATE);
  expect([d.added, d.removed]).toEqual([[], []]);
  expect(Object.keys(d.changed).sort()).toEqual([`${AUTOSCALE}::srv-t-autoscale`, `${VMSS}::srv-t-vmss`, `${WAF}::srv-t-waf`].sort());
  expect(d.changed[`${WAF}::srv-t-waf`]).toEqual(["customRules"]);
  const serving = named(resources, WAF, "srv-t-waf").inputs["customRules"] as Array<{ priority: number }>;
  const quarantined = named(resources, WAF, "qtn-t-waf").inputs["customRules"] as Array<Record<string, unknown>>;
  expect(quarantined.slice(1)).toEqual(serving);
  expect(quarantined[0]).toMatchObject({ name: "Quarantine", priority: 1, ruleType: "MatchRule", action: "Block", state: "Enabled" });
  expect(quarantined[0]!["matchConditions"]).toEqual([{ matchVariables: [{ variableName: "RemoteAddr" }], operator: "IPMatch", negationConditon: true, matchValues: ["255.255.255.255/32"] }]);
  expect(Math.min(...serving.map((r) => r.priority))).toBeGreaterThan(1);
});

const NSG = "azure-native:network:NetworkSecurityGroup";

test("passthrough: the hosts' NSG loses only the clients' rule; the load balancer, its rule and the probes' rule stay", () => {
  const d = diffFleets(resources, PASSTHROUGH);
  expect([d.added, d.removed]).toEqual([[], []]);
  expect(Object.keys(d.changed).sort()).toEqual([`${NSG}::srv-p-hosts-nsg`, `${AUTOSCALE}::srv-p-autoscale`, `${VMSS}::srv-p-vmss`].sort());
  expect(d.changed[`${NSG}::srv-p-hosts-nsg`]).toEqual(["securityRules"]);
  const rules = (fleet: string) => (named(resources, NSG, `${fleet}-hosts-nsg`).inputs["securityRules"] as Array<{ name: string }>).map((r) => r.name);
  expect(rules("srv-p")).toEqual(["proof-server-from-ingress", "proof-server-probes", "deny-all-inbound"]);
  expect(rules("qtn-p")).toEqual(["proof-server-probes", "deny-all-inbound"]);
  // The load balancer is untouched: its rule, and so its probe, keep judging the hosts.
  const lbRules = (fleet: string) => (named(resources, LB, `${fleet}-lb`).inputs["loadBalancingRules"] as Array<{ name: string; frontendPort: number; backendPort: number; probe: { id: string } }>)
    .map((r) => ({ name: r.name, frontendPort: r.frontendPort, backendPort: r.backendPort, probe: r.probe.id.split("/").slice(-2).join("/") }));
  expect(lbRules("qtn-p")).toEqual([{ name: "tls-passthrough", frontendPort: 443, backendPort: 6300, probe: "probes/health" }]);
  expect(lbRules("qtn-p")).toEqual(lbRules("srv-p"));
});

test("terminate: the hosts' NSG keeps admitting the gateway (its probes and requests), the WAF refuses clients", () => {
  expect(diffFleets(resources, TERMINATE).changed[`${NSG}::srv-t-hosts-nsg`]).toBeUndefined();
});

test("the plan lists both quarantined fleets with Azure's changes", () => {
  expect(plan.quarantine.fleets.map((f) => f.fleet)).toEqual(["qtn-t", "qtn-p"]);
  expect(plan.quarantine.fleets[1]!.changes.join("\n")).toMatch(/hosts' NSG admits no new client connection[\s\S]*automatic repairs off and autoscale disabled/);
});
