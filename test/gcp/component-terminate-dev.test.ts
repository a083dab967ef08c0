import { beforeAll, describe, expect, test } from "vitest";
import { GCP_NAME_PATTERN, AUTONAME_SUFFIX_LENGTH } from "../../src/naming";
import type { PlannedResource } from "../../src/plan/engine";
import { gcpProbe, verdicts } from "../helpers/health-check-eval";
import { gcpDevValues, named, ofType, one, planStack, prop } from "../helpers/offline";
import { GCP_PROBER_METRIC_LABEL, GCP_PROBER_METRIC_NAMES, GCP_PROBER_METRICS } from "../../src/bootstrap/gcp-prober";
import { resourceKey } from "../../src/plan/engine";
import { BUILT_IN_METRIC_TYPES, conditionRefs, firstUpProblems, LOG_METRIC, METRIC_DESCRIPTOR, POLICY } from "./first-up";

// The GCP dev stack as committed: AMD SEV on n2d, terminate mode, reference image over HTTP with the
// plaintext hop accepted, a managed certificate.
let resources: PlannedResource[];
let outputs: Record<string, unknown>;
const DIGEST = `sha256:${"0".repeat(64)}`;

beforeAll(async () => {
  const run = await planStack(gcpDevValues(), "dev-gcp");
  resources = run.resources;
  outputs = run.outputs;
});

const byName = (type: string, name: string) => named(resources, type, name);
const sa = () => byName("gcp:serviceaccount/account:Account", "prover-dev-gcp-workload");

describe("confidential instances", () => {
  test("instance template: AMD SEV on n2d (what Confidential Space supports), TERMINATE on maintenance, shielded VM, production image", () => {
    const tpl = one(resources, "gcp:compute/instanceTemplate:InstanceTemplate");
    expect(prop(tpl, "machineType")).toBe("n2d-standard-8");
    expect(prop(tpl, "minCpuPlatform")).toBeUndefined();
    expect(prop(tpl, "confidentialInstanceConfig")).toEqual({ confidentialInstanceType: "SEV" });
    expect(prop(tpl, "scheduling")).toEqual({ onHostMaintenance: "TERMINATE", automaticRestart: true });
    expect(prop(tpl, "shieldedInstanceConfig")).toEqual({ enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true });
    expect(prop(tpl, "disks.0.sourceImage")).toBe("projects/confidential-space-images/global/images/family/confidential-space");
    expect(prop(tpl, "disks.0.boot")).toBe(true);
  });

  test("launcher metadata: image pinned by digest, restart policy, no log redirect, no env the image would ignore", () => {
    const tpl = one(resources, "gcp:compute/instanceTemplate:InstanceTemplate");
    expect(prop(tpl, "metadata")).toEqual({
      "tee-image-reference": `docker.io/midnightntwrk/proof-server@${DIGEST}`,
      "tee-restart-policy": "Always",
      "tee-container-log-redirect": "false",
    });
  });

  test("no external IP, the workload account with the cloud-platform scope, the firewall tag", () => {
    const tpl = one(resources, "gcp:compute/instanceTemplate:InstanceTemplate");
    const nics = prop<Array<Record<string, unknown>>>(tpl, "networkInterfaces");
    expect(nics).toHaveLength(1);
    expect(nics[0]!["accessConfigs"]).toBeUndefined();
    expect(nics[0]!["subnetwork"]).toBe(one(resources, "gcp:compute/subnetwork:Subnetwork").id);
    expect(prop(tpl, "serviceAccount")).toEqual({ email: sa().state["email"], scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
    expect(prop(tpl, "tags")).toEqual(["prover-dev-gcp-prover"]);
  });

  test("regional MIG over both zones, named port 6300, autohealing on /health, surge-only updates", () => {
    const mig = one(resources, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
    const tpl = one(resources, "gcp:compute/instanceTemplate:InstanceTemplate");
    const hc = one(resources, "gcp:compute/healthCheck:HealthCheck");
    expect(prop(mig, "region")).toBe("us-central1");
    expect(prop(mig, "distributionPolicyZones")).toEqual(["us-central1-a", "us-central1-b"]);
    expect(prop(mig, "namedPorts")).toEqual([{ name: "proof-server", port: 6300 }]);
    expect(prop(mig, "autoHealingPolicies")).toEqual({ healthCheck: hc.id, initialDelaySec: 600 });
    expect(prop(mig, "versions")).toEqual([{ name: "v6.3.1", instanceTemplate: tpl.state["selfLinkUnique"] }]);
    expect(prop(mig, "updatePolicy")).toEqual({ type: "PROACTIVE", minimalAction: "REPLACE", replacementMethod: "SUBSTITUTE", maxSurgeFixed: 2, maxUnavailableFixed: 0, minReadySec: 60, instanceRedistributionType: "PROACTIVE" });
    expect(mig.ignoreChanges).toEqual(["targetSize"]);
    const scaler = one(resources, "gcp:compute/regionAutoscaler:RegionAutoscaler");
    expect(prop(scaler, "target")).toBe(mig.id);
    expect(prop(scaler, "autoscalingPolicy")).toEqual({ minReplicas: 1, maxReplicas: 2, cooldownPeriod: 600, cpuUtilization: { target: 0.7 } });
  });
});

describe("terminate ingress (global external Application LB)", () => {
  test("health check: a TCP connect on 6300 (plaintext backend), no HTTP request the rate limiter could answer with 429", () => {
    const hc = one(resources, "gcp:compute/healthCheck:HealthCheck");
    expect(prop(hc, "tcpHealthCheck")).toEqual({ port: 6300 });
    for (const other of ["httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "sslHealthCheck"]) expect(prop(hc, other)).toBeUndefined();
    expect([prop(hc, "checkIntervalSec"), prop(hc, "timeoutSec"), prop(hc, "healthyThreshold"), prop(hc, "unhealthyThreshold")]).toEqual([10, 5, 2, 3]);
  });

  test("the health check as declared (load balancer and autohealing), run against local servers: a rate-limited (429) instance stays; a closed port fails", async () => {
    const hc = one(resources, "gcp:compute/healthCheck:HealthCheck");
    // A TCP check passes whatever accepts the connection: on Confidential Space only the
    // container listens on 6300, so a dead container is a refused connection.
    expect(await verdicts((t) => gcpProbe(hc.inputs, t), false)).toEqual({ ok: "healthy", rateLimited: "healthy", closed: "unhealthy", silent: "healthy", acceptThenClose: "healthy" });
  });

  test("backend service: timeoutSec and draining = job + 60 s, Cloud Armor attached, the MIG as backend", () => {
    const bs = one(resources, "gcp:compute/backendService:BackendService");
    expect(prop(bs, "protocol")).toBe("HTTP");
    expect(prop(bs, "loadBalancingScheme")).toBe("EXTERNAL_MANAGED");
    expect(prop(bs, "portName")).toBe("proof-server");
    expect(prop(bs, "timeoutSec")).toBe(660);
    expect(prop(bs, "connectionDrainingTimeoutSec")).toBe(660);
    expect(prop(bs, "healthChecks")).toBe(one(resources, "gcp:compute/healthCheck:HealthCheck").id);
    expect(prop(bs, "securityPolicy")).toBe(one(resources, "gcp:compute/securityPolicy:SecurityPolicy").id);
    expect(prop(bs, "backends")).toEqual([{ group: one(resources, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").state["instanceGroup"], balancingMode: "UTILIZATION", maxUtilization: 0.8, capacityScaler: 1 }]);
  });

  test("URL map routes /prove through its own path rule; no HTTP redirect by default", () => {
    const bs = one(resources, "gcp:compute/backendService:BackendService");
    const urls = byName("gcp:compute/uRLMap:URLMap", "prover-dev-gcp-urls");
    expect(prop(urls, "pathMatchers")).toEqual([{ name: "prover", defaultService: bs.id, pathRules: [{ paths: ["/prove", "/prove/*"], service: bs.id }] }]);
    expect(ofType(resources, "gcp:compute/uRLMap:URLMap").map((m) => m.name)).toEqual(["prover-dev-gcp-urls"]);
    expect(ofType(resources, "gcp:compute/targetHttpProxy:TargetHttpProxy")).toEqual([]);
  });

  test("HTTPS proxy: the managed certificate and a MODERN TLS 1.2+ policy; one forwarding rule, 443, and no plaintext port 80", () => {
    const proxy = one(resources, "gcp:compute/targetHttpsProxy:TargetHttpsProxy");
    const cert = one(resources, "gcp:compute/managedSslCertificate:ManagedSslCertificate");
    expect(prop(cert, "managed")).toEqual({ domains: ["prover-dev.example.com"] });
    expect(prop(proxy, "sslCertificates")).toEqual([cert.id]);
    const policy = one(resources, "gcp:compute/sSLPolicy:SSLPolicy");
    expect([prop(policy, "profile"), prop(policy, "minTlsVersion")]).toEqual(["MODERN", "TLS_1_2"]);
    expect(prop(proxy, "sslPolicy")).toBe(policy.id);
    const address = one(resources, "gcp:compute/globalAddress:GlobalAddress").state["address"];
    const rules = ofType(resources, "gcp:compute/globalForwardingRule:GlobalForwardingRule").map((r) => [prop(r, "portRange"), prop(r, "ipAddress"), prop(r, "loadBalancingScheme")]);
    expect(rules).toEqual([["443", address, "EXTERNAL_MANAGED"]]);
  });

  test("Cloud Armor throttles each client IP at the configured rate per 5 minutes", () => {
    const armor = one(resources, "gcp:compute/securityPolicy:SecurityPolicy");
    expect(prop(armor, "rules")).toEqual([
      {
        priority: 1000,
        description: "per-client rate limit",
        action: "throttle",
        match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
        rateLimitOptions: { conformAction: "allow", exceedAction: "deny(429)", enforceOnKey: "IP", rateLimitThreshold: { count: 600, intervalSec: 300 } },
      },
      { priority: 2147483647, description: "default: allow", action: "allow", match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } } },
    ]);
  });

  test("only Google's proxy and health-check ranges, and the fleet prober, reach 6300", () => {
    const fw = byName("gcp:compute/firewall:Firewall", "prover-dev-gcp-lb-to-hosts");
    expect(ofType(resources, "gcp:compute/firewall:Firewall").map((f) => f.name).sort()).toEqual(["prover-dev-gcp-lb-to-hosts", "prover-dev-gcp-prober-to-hosts"]);
    expect(prop(fw, "sourceRanges")).toEqual(["35.191.0.0/16", "130.211.0.0/22"]);
    expect(prop(fw, "allows")).toEqual([{ protocol: "tcp", ports: ["6300"] }]);
    expect(prop(fw, "targetTags")).toEqual(["prover-dev-gcp-prover"]);
    expect(prop(fw, "direction")).toBe("INGRESS");
    const nat = one(resources, "gcp:compute/routerNat:RouterNat");
    expect(prop(nat, "sourceSubnetworkIpRangesToNat")).toBe("ALL_SUBNETWORKS_ALL_IP_RANGES");
    expect(prop(one(resources, "gcp:compute/subnetwork:Subnetwork"), "privateIpGoogleAccess")).toBe(true);
  });

  test("outputs: the managed domain as endpoint, plaintext exposure stated", () => {
    expect(outputs["endpoint"]).toBe("https://prover-dev.example.com");
    expect(outputs["ingressMode"]).toBe("terminate");
    expect(outputs["plaintextSeenBy"]).toEqual(["Google's Application Load Balancer", "anyone who can capture traffic on the load balancer -> host hop"]);
  });
});

describe("fleet prober (the host agent's stand-in)", () => {
  const prober = () => one(resources, "gcp:compute/instance:Instance");
  const proberSa = () => byName("gcp:serviceaccount/account:Account", "prover-dev-gcp-prober");

  test("an ordinary small VM with no external IP, its own account, cloud-init user data for this MIG", () => {
    expect(prop(prober(), "machineType")).toBe("e2-small");
    expect(prop(prober(), "zone")).toBe("us-central1-a");
    expect(prop(prober(), "networkInterfaces")).toEqual([{ subnetwork: one(resources, "gcp:compute/subnetwork:Subnetwork").id }]);
    expect(prop(prober(), "serviceAccount.email")).toBe(proberSa().state["email"]);
    expect(prop(prober(), "confidentialInstanceConfig")).toBeUndefined();
    const userData = prop<string>(prober(), "metadata.user-data");
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(userData).toContain(String(one(resources, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").state["name"]));
  });

  test("may read compute and write metrics, nothing else; reaches only tcp:6300 of the fleet", () => {
    const roles = ofType(resources, "gcp:projects/iAMMember:IAMMember").filter((m) => prop(m, "member") === `serviceAccount:${String(proberSa().state["email"])}`).map((m) => prop(m, "role"));
    expect(roles.sort()).toEqual(["roles/compute.viewer", "roles/monitoring.metricWriter"]);
    const fw = byName("gcp:compute/firewall:Firewall", "prover-dev-gcp-prober-to-hosts");
    expect([prop(fw, "sourceTags"), prop(fw, "targetTags"), prop(fw, "allows")]).toEqual([["prover-dev-gcp-prober"], ["prover-dev-gcp-prover"], [{ protocol: "tcp", ports: ["6300"] }]]);
    expect(prop(prober(), "tags")).toEqual(["prover-dev-gcp-prober"]);
  });

  test("queue depth is observable through the prober's custom metric", () => {
    const policy = byName("gcp:monitoring/alertPolicy:AlertPolicy", "prover-dev-gcp-p1-queue-deep");
    const condition = prop<Array<{ conditionThreshold: { filter: string; thresholdValue: number; duration: string } }>>(policy, "conditions")[0]!.conditionThreshold;
    expect(condition.filter).toContain('metric.type="custom.googleapis.com/tee_prover/jobs_pending_max"');
    expect(condition.filter).toContain('metric.label.fleet="prover-dev-gcp"');
    expect([condition.thresholdValue, condition.duration]).toEqual([100, "300s"]);
  });
});

describe("Workload Identity ids survive destroy and recreate", () => {
  test("pool and provider ids carry a suffix drawn once per deployment by a RandomId without keepers", () => {
    const suffix = one(resources, "random:index/randomId:RandomId");
    expect(suffix.name).toBe("prover-dev-gcp-wif-suffix");
    // No keepers: a routine update (a new release, a new condition) keeps the suffix and the ids.
    expect(suffix.inputs).toEqual({ byteLength: 3 });
    const hex = String(suffix.state["hex"]);
    expect(hex).toMatch(/^[0-9a-f]{6}$/);
    const pool = one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool");
    const provider = one(resources, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(prop(pool, "workloadIdentityPoolId")).toBe(`prover-dev-gcp-pool-${hex}`);
    expect(prop(provider, "workloadIdentityPoolProviderId")).toBe(`prover-dev-gcp-cs-${hex}`);
  });

  test("the attestation-failure alert reads the STS logs of that pool", () => {
    const poolId = prop<string>(one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"), "workloadIdentityPoolId");
    const filters = ofType(resources, "gcp:monitoring/alertPolicy:AlertPolicy")
      .flatMap((p) => prop<Array<{ conditionMatchedLog?: { filter: string } }>>(p, "conditions"))
      .flatMap((c) => (c.conditionMatchedLog ? [c.conditionMatchedLog.filter] : []));
    // STS failures, and the audit-log alarms (tamper detection) on the same pool, this stack's secrets and network.
    expect(filters).toHaveLength(3);
    const having = (text: string) => filters.filter((f) => f.includes(text));
    expect(having(`protoPayload.resourceName:"/workloadIdentityPools/${poolId}/providers/"`)).toHaveLength(1);
    const enforcement = having(`protoPayload.resourceName=~"/workloadIdentityPools/${poolId}(/|$)"`);
    expect(enforcement).toHaveLength(1);
    expect(enforcement[0]).toContain('protoPayload.resourceName=~"/secrets/(prover-dev-gcp-api-keys|prover-dev-gcp-tls-key)$"');
    const network = one(resources, "gcp:compute/network:Network").state["name"] as string;
    expect(having(`protoPayload.request.network=~"/networks/${network}$" OR protoPayload.resourceName=~"/firewalls/prover-dev-gcp-"`)).toHaveLength(1);
  });
});

describe("attestation-bound secrets", () => {
  test("OIDC provider for Confidential Space pins digest, production image, project, workload account, SEV hardware and no overrides", () => {
    const provider = one(resources, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(prop(provider, "oidc")).toEqual({ issuerUri: "https://confidentialcomputing.googleapis.com/", allowedAudiences: ["https://sts.googleapis.com"] });
    expect(prop(provider, "attributeCondition")).toBe(
      `assertion.swname == "CONFIDENTIAL_SPACE" && assertion.dbgstat == "disabled-since-boot" && "STABLE" in assertion.submods.confidential_space.support_attributes && assertion.submods.gce.project_id == "example-tee-prover-dev" && "${String(sa().state["email"])}" in assertion.google_service_accounts && assertion.submods.container.image_digest in ["${DIGEST}"] && ` +
        'assertion.hwmodel == "GCP_AMD_SEV" && ' +
        "(!has(assertion.submods.container.cmd_override) || assertion.submods.container.cmd_override == null || size(assertion.submods.container.cmd_override) == 0) && " +
        "(!has(assertion.submods.container.env_override) || assertion.submods.container.env_override == null || size(assertion.submods.container.env_override) == 0)",
    );
    expect(prop(provider, "workloadIdentityPoolId")).toBe(prop(one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"), "workloadIdentityPoolId"));
  });

  test("the API-key and TLS-key secrets are readable by the principal set of the pinned digest only, not by the pool or the VM's account", () => {
    const pool = one(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool");
    const poolName = String(pool.state["name"]);
    expect(poolName).toMatch(/^projects\/\d+\/locations\/global\/workloadIdentityPools\/prover-dev-gcp-pool-[0-9a-f]{6}$/);
    const secrets = ofType(resources, "gcp:secretmanager/secret:Secret");
    expect(secrets.map((s) => prop(s, "secretId")).sort()).toEqual(["prover-dev-gcp-api-keys", "prover-dev-gcp-tls-key"]);
    const bindings = ofType(resources, "gcp:secretmanager/secretIamMember:SecretIamMember").map((b) => [prop(b, "secretId"), prop(b, "role"), prop(b, "member")]);
    const attested = `principalSet://iam.googleapis.com/${poolName}/attribute.image_digest/${DIGEST}`;
    expect(bindings.sort()).toEqual([
      ["prover-dev-gcp-api-keys", "roles/secretmanager.secretAccessor", attested],
      ["prover-dev-gcp-tls-key", "roles/secretmanager.secretAccessor", attested],
    ]);
    // Not the whole pool: a provider added to it later would inherit the secrets.
    expect(bindings.some(([, , member]) => String(member).endsWith("/*"))).toBe(false);
    const roles = ofType(resources, "gcp:projects/iAMMember:IAMMember").filter((m) => prop(m, "member") === `serviceAccount:${String(sa().state["email"])}`).map((m) => [prop(m, "role"), prop(m, "member")]);
    expect(roles.sort()).toEqual([
      ["roles/confidentialcomputing.workloadUser", `serviceAccount:${String(sa().state["email"])}`],
      ["roles/logging.logWriter", `serviceAccount:${String(sa().state["email"])}`],
      ["roles/monitoring.metricWriter", `serviceAccount:${String(sa().state["email"])}`],
    ]);
    expect(secrets.every((s) => s.protect === false && prop(s, "deletionProtection") === false)).toBe(true);
  });
});

test("every child is parented by the component; names fit GCP's rules after auto-naming", () => {
  const component = one(resources, "tee-prover:gcp:ConfidentialSpaceProofServer");
  expect(resources.filter((r) => r !== component).every((r) => r.parent === "tee-prover:gcp:ConfidentialSpaceProofServer::prover-dev-gcp")).toBe(true);
  const keys = resources.map((r) => `${r.type}::${r.name}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const r of ofType(resources, "gcp:compute/backendService:BackendService").concat(ofType(resources, "gcp:compute/instanceTemplate:InstanceTemplate"), ofType(resources, "gcp:compute/firewall:Firewall"))) {
    expect(`${r.name}-abcdefg`).toMatch(GCP_NAME_PATTERN);
    expect(r.name.length + AUTONAME_SUFFIX_LENGTH).toBeLessThanOrEqual(63);
  }
});

// Can this stack's first `pulumi up` create every alert policy? See test/gcp/first-up.ts for the rule.
const key = (r: PlannedResource) => resourceKey(r.type, r.name);
const policies = () => ofType(resources, POLICY);
const kindsOf = (p: PlannedResource) => (p.inputs["conditions"] as Array<Record<string, unknown>>).map((c) => conditionRefs(c).kind);

describe("every alert policy can be created in the first pulumi up", () => {
  test("no policy names a metric that does not exist yet", () => {
    expect(firstUpProblems(resources)).toEqual([]);
  });

  test("the check saw every condition kind the stack uses and every metric it names", () => {
    expect(policies().length).toBeGreaterThanOrEqual(10);
    expect(new Set(policies().flatMap(kindsOf))).toEqual(new Set(["conditionThreshold", "conditionPrometheusQueryLanguage", "conditionMatchedLog"]));
    const named = new Set(policies().flatMap((p) => (p.inputs["conditions"] as Array<Record<string, unknown>>).flatMap((c) => conditionRefs(c).metricTypes)));
    expect([...named].sort()).toEqual([...Object.keys(BUILT_IN_METRIC_TYPES).filter((t) => !t.includes("guest/memory")), "custom.googleapis.com/tee_prover/jobs_pending_max"].sort());
  });

  test("no log-based metric is created: attestation failures are a log-match condition", () => {
    expect(ofType(resources, LOG_METRIC)).toEqual([]);
    const attestation = policies().find((p) => p.name.endsWith("-p0-attestation-failures"))!;
    const [condition] = attestation.inputs["conditions"] as Array<{ conditionMatchedLog?: { filter: string } }>;
    expect(condition!.conditionMatchedLog!.filter).toContain('protoPayload.serviceName="sts.googleapis.com"');
    expect(condition!.conditionMatchedLog!.filter).toContain("protoPayload.status.code>0");
    // Google's own limits for log-match policies: one notification per 5 minutes at most.
    expect(attestation.inputs["alertStrategy"]).toEqual({ notificationRateLimit: { period: "300s" }, autoClose: "1800s" });
    expect(String((attestation.inputs["documentation"] as { content: string }).content)).toContain("**Evaluation:** log-match: every failed STS token exchange");
  });
});

describe("the prober's custom metrics are declared before anything uses them", () => {
  const descriptors = () => ofType(resources, METRIC_DESCRIPTOR);

  test("one descriptor per metric the script writes: same kind, value type and label", () => {
    expect(descriptors().map((d) => [d.inputs["type"], d.inputs["metricKind"], d.inputs["valueType"], d.inputs["labels"]]).sort()).toEqual(
      GCP_PROBER_METRIC_NAMES.map((m) => [`custom.googleapis.com/tee_prover/${m}`, GCP_PROBER_METRICS[m].metricKind, GCP_PROBER_METRICS[m].valueType, [{ key: GCP_PROBER_METRIC_LABEL, valueType: "STRING", description: "Fleet name" }]]).sort(),
    );
  });

  test("a destroy or replacement leaves the shared metric types in place", () => {
    expect(descriptors()).toHaveLength(GCP_PROBER_METRIC_NAMES.length);
    expect(descriptors().every((d) => d.retainOnDelete)).toBe(true);
  });

  test("the prober VM starts writing only after its descriptors exist (no auto-created descriptor)", () => {
    expect(descriptors()).toHaveLength(GCP_PROBER_METRIC_NAMES.length);
    expect(one(resources, "gcp:compute/instance:Instance").dependsOn.sort()).toEqual(descriptors().map(key).sort());
  });

  test("the queue-depth policy and the dashboard depend on the jobs_pending_max descriptor", () => {
    const jobs = descriptors().find((d) => d.inputs["type"] === "custom.googleapis.com/tee_prover/jobs_pending_max")!;
    expect(policies().find((p) => p.name.endsWith("-p1-queue-deep"))!.dependsOn).toEqual([key(jobs)]);
    expect(one(resources, "gcp:monitoring/dashboard:Dashboard").dependsOn).toEqual([key(jobs)]);
  });
});

