import { beforeAll, describe, expect, test } from "vitest";
import { buildPlan, renderText, type ReviewOutput } from "../../src/plan/report";
import type { PlannedResource } from "../../src/plan/engine";
import { SCALE_OUT_CPU_PERCENT } from "../../src/config/environments";
import { gcpProbe, verdicts } from "../helpers/health-check-eval";
import { gcpDevValues, ofType, one, planStack, prop, paged } from "../helpers/offline";
import { MOCK_GCP_PROJECT_NUMBER } from "../../src/plan/mocks";

// prod, passthrough on TDX: TLS ends inside the TEE. Two TLS-serving releases during a rotation,
// a setting the images' launch policy allows, an existing network.
const DIGEST_OLD = `sha256:${"a".repeat(64)}`;
const DIGEST_NEW = `sha256:${"b".repeat(64)}`;
const release = (version: string, digest: string) => ({
  version,
  image: `us-docker.pkg.dev/example/prover/proof-server@${digest}`,
  servesTls: true,
  exposedPorts: [6300],
  launchPolicy: { allowEnvOverride: ["MIDNIGHT_PROOF_SERVER_NUM_WORKERS"], allowCmdOverride: false, logRedirect: "always" },
});

const BILLING_ACCOUNT = "012345-6789AB-CDEF01";

let resources: PlannedResource[];
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const base = gcpDevValues();
  const gcp = base["tee-prover-infra:gcp"] as Record<string, unknown>;
  const run = await planStack(paged(gcpDevValues({
    environment: "prod",
    budget: { monthlyAmount: 2500.75, currency: "EUR", billingAccount: BILLING_ACCOUNT },
    alarms: { P0: { emails: ["oncall@example.com"] }, P1: { emails: ["oncall@example.com"] }, P2: { emails: ["capacity@example.com"] }, P3: { emails: ["review@example.com"] } },
    proofServer: { build: "tee", jobTimeoutSeconds: 600, env: { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" } },
    releases: [release("v6.4.0", DIGEST_OLD), release("v6.5.0", DIGEST_NEW)],
    ingress: { mode: "passthrough", requestTimeoutSeconds: 900 },
    gcp: {
      ...gcp,
      confidentialInstanceType: "TDX",
      machineType: "c3-standard-8",
      zones: ["us-central1-a", "us-central1-b", "us-central1-c"],
      fleet: { minSize: 2, maxSize: 6 },
      logRedirect: true,
      network: { mode: "existing", network: "projects/example-tee-prover-dev/global/networks/shared", subnetwork: "projects/example-tee-prover-dev/regions/us-central1/subnetworks/provers", cloudNat: false },
      certificate: undefined,
    },
  })), "prod-gcp");
  resources = run.resources;
  outputs = run.outputs;
});

describe("passthrough ingress (global external proxy Network LB)", () => {
  test("target TCP proxy to a TCP backend service whose timeout covers the job; no URL map, certificate or Cloud Armor", () => {
    const bs = one(resources, "gcp:compute/backendService:BackendService");
    expect(prop(bs, "protocol")).toBe("TCP");
    expect(prop(bs, "loadBalancingScheme")).toBe("EXTERNAL_MANAGED");
    expect(prop(bs, "timeoutSec")).toBe(900);
    expect(prop(bs, "connectionDrainingTimeoutSec")).toBe(660);
    expect(prop(bs, "securityPolicy")).toBeUndefined();
    const proxy = one(resources, "gcp:compute/targetTCPProxy:TargetTCPProxy");
    expect(prop(proxy, "backendService")).toBe(bs.id);
    expect(prop(proxy, "proxyHeader")).toBe("NONE");
    for (const type of ["gcp:compute/uRLMap:URLMap", "gcp:compute/managedSslCertificate:ManagedSslCertificate", "gcp:compute/securityPolicy:SecurityPolicy", "gcp:compute/targetHttpsProxy:TargetHttpsProxy"]) {
      expect(ofType(resources, type)).toHaveLength(0);
    }
    const rules = ofType(resources, "gcp:compute/globalForwardingRule:GlobalForwardingRule");
    expect(rules.map((r) => [prop(r, "portRange"), prop(r, "target"), prop(r, "ipProtocol")])).toEqual([["443", proxy.id, "TCP"]]);
  });

  test("the prober reads the TEE over TLS", () => {
    const userData = prop<string>(one(resources, "gcp:compute/instance:Instance"), "metadata.user-data");
    expect(userData).toContain("TEE_PROVER_SERVER_TLS='true'");
  });

  test("SSL (handshake-only) health check on 6300, answered by the TEE's own TLS; no HTTP request the rate limiter could answer with 429", () => {
    const hc = one(resources, "gcp:compute/healthCheck:HealthCheck");
    expect(prop(hc, "sslHealthCheck")).toEqual({ port: 6300 });
    for (const other of ["httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "tcpHealthCheck"]) expect(prop(hc, other)).toBeUndefined();
  });

  test("the health check as declared (load balancer and autohealing), run against local TLS servers: a rate-limited (429) instance stays; refused, hung or broken-TLS ones fail", async () => {
    const hc = one(resources, "gcp:compute/healthCheck:HealthCheck");
    const mig = one(resources, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
    expect(prop(mig, "autoHealingPolicies.healthCheck")).toBe(hc.id);
    expect(await verdicts((t) => gcpProbe(hc.inputs, t), true)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "unhealthy", acceptThenClose: "unhealthy" });
  });

  test("nobody outside the TEE sees plaintext; the endpoint is the global address", () => {
    expect(outputs["plaintextSeenBy"]).toEqual([]);
    expect(outputs["endpoint"]).toBe(`https://${String(one(resources, "gcp:compute/globalAddress:GlobalAddress").state["address"])}`);
  });

  test("HTTP-level alarms are listed as not observable, and no policy pretends otherwise", () => {
    const review = outputs["review"] as { unobservableAlarms: Array<{ alarm: { id: string } }> };
    const ids = review.unobservableAlarms.map((u) => u.alarm.id);
    for (const id of ["no-proofs", "error-rate-high", "error-rate-elevated", "latency-p95-high", "latency-p95-elevated"]) expect(ids).toContain(id);
    const policies = ofType(resources, "gcp:monitoring/alertPolicy:AlertPolicy").map((p) => p.name);
    for (const id of ids) expect(policies.some((n) => n.endsWith(id))).toBe(false);
  });
});

describe("TDX instances running the rollout target", () => {
  test("c3 with TDX, no minimum CPU platform; three zones; surge of three", () => {
    const tpl = one(resources, "gcp:compute/instanceTemplate:InstanceTemplate");
    expect(prop(tpl, "confidentialInstanceConfig")).toEqual({ confidentialInstanceType: "TDX" });
    expect(prop(tpl, "machineType")).toBe("c3-standard-8");
    expect(prop(tpl, "minCpuPlatform")).toBeUndefined();
    const mig = one(resources, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
    expect(prop(mig, "distributionPolicyZones")).toEqual(["us-central1-a", "us-central1-b", "us-central1-c"]);
    expect(prop(mig, "updatePolicy.maxSurgeFixed")).toBe(3);
    expect(prop(mig, "updatePolicy.maxUnavailableFixed")).toBe(0);
  });

  test("metadata: the newer image, the allowed env override, log redirect the policy allows", () => {
    expect(prop(one(resources, "gcp:compute/instanceTemplate:InstanceTemplate"), "metadata")).toEqual({
      "tee-image-reference": `us-docker.pkg.dev/example/prover/proof-server@${DIGEST_NEW}`,
      "tee-restart-policy": "Always",
      "tee-container-log-redirect": "true",
      "tee-env-MIDNIGHT_PROOF_SERVER_NUM_WORKERS": "8",
    });
  });

  test("the attribute condition accepts both digests during the rotation", () => {
    const condition = prop<string>(one(resources, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"), "attributeCondition");
    // Both digests, Intel TDX (the template's technology), no command override, and exactly the
    // stack's one environment override (proofServer.env), which the launcher reports in env_override.
    expect(condition).toContain(
      `assertion.submods.container.image_digest in ["${DIGEST_OLD}", "${DIGEST_NEW}"] && ` +
        'assertion.hwmodel == "GCP_INTEL_TDX" && ' +
        "(!has(assertion.submods.container.cmd_override) || assertion.submods.container.cmd_override == null || size(assertion.submods.container.cmd_override) == 0) && " +
        'assertion.submods.container.env_override == {"MIDNIGHT_PROOF_SERVER_NUM_WORKERS": "8"}',
    );
    expect(condition.endsWith('assertion.submods.container.env_override == {"MIDNIGHT_PROOF_SERVER_NUM_WORKERS": "8"}')).toBe(true);
    const review = outputs["review"] as { activeRelease: string; imageDigests: Record<string, string> };
    expect(review.activeRelease).toBe("v6.5.0");
    expect(review.imageDigests).toEqual({ "v6.4.0": DIGEST_OLD, "v6.5.0": DIGEST_NEW });
  });
});

describe("secrets during the rotation", () => {
  test("each secret is readable by the principal sets of exactly the two pinned digests, one member per release", () => {
    const poolName = String(one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool").state["name"]);
    const members = ofType(resources, "gcp:secretmanager/secretIamMember:SecretIamMember").map((b) => [b.name, prop(b, "secretId"), prop(b, "role"), prop(b, "member")]);
    const set = (digest: string) => `principalSet://iam.googleapis.com/${poolName}/attribute.image_digest/${digest}`;
    const role = "roles/secretmanager.secretAccessor";
    expect(members.sort()).toEqual([
      ["prover-prod-gcp-apiKeys-reader-v6.4.0", "prover-prod-gcp-api-keys", role, set(DIGEST_OLD)],
      ["prover-prod-gcp-apiKeys-reader-v6.5.0", "prover-prod-gcp-api-keys", role, set(DIGEST_NEW)],
      ["prover-prod-gcp-tlsKey-reader-v6.4.0", "prover-prod-gcp-tls-key", role, set(DIGEST_OLD)],
      ["prover-prod-gcp-tlsKey-reader-v6.5.0", "prover-prod-gcp-tls-key", role, set(DIGEST_NEW)],
    ]);
  });
});

describe("prod and the existing network", () => {
  test("secrets are protected and have deletion protection", () => {
    const secrets = ofType(resources, "gcp:secretmanager/secret:Secret");
    expect(secrets).toHaveLength(2);
    for (const s of secrets) {
      expect(s.protect).toBe(true);
      expect(prop(s, "deletionProtection")).toBe(true);
    }
  });

  test("no network or subnet is created; the firewall and instances use the given ones", () => {
    expect(ofType(resources, "gcp:compute/network:Network")).toHaveLength(0);
    expect(ofType(resources, "gcp:compute/subnetwork:Subnetwork")).toHaveLength(0);
    for (const fw of ofType(resources, "gcp:compute/firewall:Firewall")) expect(prop(fw, "network")).toBe("projects/example-tee-prover-dev/global/networks/shared");
    expect(prop(one(resources, "gcp:compute/instanceTemplate:InstanceTemplate"), "networkInterfaces")).toEqual([{ subnetwork: "projects/example-tee-prover-dev/regions/us-central1/subnetworks/provers" }]);
    expect(prop(one(resources, "gcp:compute/instance:Instance"), "networkInterfaces")).toEqual([{ subnetwork: "projects/example-tee-prover-dev/regions/us-central1/subnetworks/provers" }]);
  });

  test("cloudNat: false: no second Cloud Router or NAT in a region whose network has one", () => {
    expect(ofType(resources, "gcp:compute/router:Router")).toHaveLength(0);
    expect(ofType(resources, "gcp:compute/routerNat:RouterNat")).toHaveLength(0);
  });
});

describe("budget (prod requires one): a Cloud Billing budget per routed threshold", () => {
  const channels = (sev: string, kind: "email" | "webhook") => ofType(resources, "gcp:monitoring/notificationChannel:NotificationChannel").filter((c) => c.name.includes(`-${sev}-${kind}-`)).map((c) => c.id);
  // A budget notifies e-mail channels only (components/gcp/budget.ts).
  const channel = (sev: string) => channels(sev, "email");

  test("three budgets of the expected amount on this project, each with one actual-spend threshold, notifying that severity's channels", () => {
    const budgets = ofType(resources, "gcp:billing/budget:Budget");
    const summary = budgets.map((b) => [prop<Array<{ thresholdPercent: number; spendBasis: string }>>(b, "thresholdRules"), prop<{ monitoringNotificationChannels: string[] }>(b, "allUpdatesRule").monitoringNotificationChannels]);
    expect(summary).toEqual(expect.arrayContaining([
      [[{ thresholdPercent: 0.8, spendBasis: "CURRENT_SPEND" }], channel("p3")],
      [[{ thresholdPercent: 1, spendBasis: "CURRENT_SPEND" }], channel("p2")],
      [[{ thresholdPercent: 1.1, spendBasis: "CURRENT_SPEND" }], channel("p1")],
    ]));
    expect(budgets).toHaveLength(3);
    // P1 also pages a webhook, which the Budget API would refuse: it is not among the budget's channels.
    expect(channels("p1", "webhook")).toHaveLength(1);
    expect(budgets.flatMap((b) => prop<{ monitoringNotificationChannels: string[] }>(b, "allUpdatesRule").monitoringNotificationChannels)).not.toContain(channels("p1", "webhook")[0]);
    // Each severity has its own channel, so routing is visible.
    expect(new Set([channel("p1")[0], channel("p2")[0], channel("p3")[0]]).size).toBe(3);
    for (const b of budgets) {
      expect(prop(b, "billingAccount")).toBe(BILLING_ACCOUNT);
      expect(prop(b, "amount")).toEqual({ specifiedAmount: { currencyCode: "EUR", units: "2500", nanos: 750000000 } });
      expect(prop(b, "budgetFilter")).toEqual({ projects: [`projects/${MOCK_GCP_PROJECT_NUMBER}`], calendarPeriod: "MONTH" });
      expect(b.parent).toBe("tee-prover:gcp:ConfidentialSpaceProofServer::prover-prod-gcp");
    }
  });
});

test("the offline plan lists the budget's amount among the key settings", () => {
  const text = renderText(buildPlan({ stack: "prod-gcp", cloud: "gcp", environment: "prod", ingressMode: "passthrough", review: outputs["review"] as ReviewOutput, resources, secretKeys: [] }));
  expect(text).toContain("amount.specifiedAmount.units = \"2500\"");
  expect(text).toContain("amount.specifiedAmount.currencyCode = \"EUR\"");
});

describe("the environment profile (src/config/environments.ts)", () => {
  test("the autoscaler targets the profile's CPU utilisation (70 %), with prod's floor of 2", () => {
    const scaler = one(resources, "gcp:compute/regionAutoscaler:RegionAutoscaler");
    expect(prop(scaler, "autoscalingPolicy.cpuUtilization.target")).toBe(SCALE_OUT_CPU_PERCENT / 100);
    expect(prop(scaler, "autoscalingPolicy.minReplicas")).toBe(2);
    expect(SCALE_OUT_CPU_PERCENT).toBe(70);
  });
});
