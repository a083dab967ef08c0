import { describe, expect, it } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { buildPlan, renderText } from "../../src/plan/report";
import type { ReviewOutput } from "../../src/plan/report";
import { AZURE_GUEST_ROOT, plaintextExposure, RA_TLS_REMEDY } from "../../src/ingress/model";

// The plan's plaintext-listener lines, from hand-made resources (the CLI test covers a real stack).

const review: ReviewOutput = {
  plaintext: plaintextExposure("aws", { mode: "terminate", backendProtocol: "HTTPS" }),
  activeRelease: "v6.4.0",
  acceptedReleases: ["v6.4.0"],
  unobservableAlarms: [],
};

function resource(type: string, name: string, inputs: Record<string, unknown>): PlannedResource {
  return { type, name, custom: true, id: `${name}_id`, inputs, state: inputs, protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [] };
}

const plan = (resources: PlannedResource[]) => buildPlan({ stack: "s", cloud: "aws", environment: "prod", ingressMode: "terminate", review, resources, secretKeys: [] });

const https = resource("aws:lb/listener:Listener", "p-https-443", { protocol: "HTTPS", port: 443, defaultActions: [{ type: "forward" }] });

describe("plaintext listeners in the plan", () => {
  it("says there is none when ingress.httpRedirect is off", () => {
    const p = plan([https]);
    expect(p.ingress.plaintextListeners).toEqual([]);
    expect(renderText(p)).toContain("  plaintext listeners: none (no port 80; ingress.httpRedirect is off)\n");
  });

  it("AWS: names the HTTP :80 listener, that it only redirects, and what it exposes", () => {
    const http = resource("aws:lb/listener:Listener", "p-http-80", { protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS" } }] });
    const p = plan([https, http]);
    expect(p.ingress.plaintextListeners).toEqual([{ resource: "p-http-80", port: 80, action: "redirect to HTTPS only", exposes: expect.stringContaining("witness") }]);
    expect(renderText(p)).toContain("  PLAINTEXT LISTENER p-http-80 on port 80 (redirect to HTTPS only): a client pointed at http:// sends its whole request (the proof's private witness, API key headers) in cleartext");
    // A plaintext listener that forwards is called out as such.
    const forwarding = resource("aws:lb/listener:Listener", "p-http-8080", { protocol: "HTTP", port: 8080, defaultActions: [{ type: "forward" }] });
    expect(plan([forwarding]).ingress.plaintextListeners.map((l) => l.action)).toEqual(["FORWARDS REQUESTS"]);
  });

  it("GCP: follows the forwarding rule to its HTTP proxy and the redirect-only URL map", () => {
    const map = resource("gcp:compute/uRLMap:URLMap", "p-redirect", { defaultUrlRedirect: { httpsRedirect: true } });
    const proxy = resource("gcp:compute/targetHttpProxy:TargetHttpProxy", "p-http", { urlMap: map.id });
    const rule = resource("gcp:compute/globalForwardingRule:GlobalForwardingRule", "p-http-80", { target: proxy.id, portRange: "80" });
    const httpsProxy = resource("gcp:compute/targetHttpsProxy:TargetHttpsProxy", "p-https", {});
    const httpsRule = resource("gcp:compute/globalForwardingRule:GlobalForwardingRule", "p-https-443", { target: httpsProxy.id, portRange: "443" });
    expect(plan([map, proxy, rule, httpsProxy, httpsRule]).ingress.plaintextListeners).toEqual([
      { resource: "p-http-80", port: 80, action: "redirect to HTTPS only", exposes: expect.stringContaining("cleartext") },
    ]);
  });
});

describe("who can see plaintext by interposing", () => {
  it("the plan says, beside who sees plaintext as declared, who can interpose a terminator and what closes it", () => {
    const p = plan([https]);
    expect(p.ingress.plaintextIfInterposed.closedBy).toBe(RA_TLS_REMEDY);
    const text = renderText(p);
    expect(text).toContain("  plaintext visible, by interposing a TLS terminator, to: root on any parent EC2 instance (Session Manager, or a changed launch template or user data) can replace the vsock forwarder with a TLS terminator; whoever controls the load balancer");
    expect(text).toContain("    closed only by RA-TLS: the server generates its TLS key inside the TEE");
  });
});

describe("plaintextExposure: passive and active, per cloud and mode", () => {
  const modes = [
    { mode: "passthrough", backendProtocol: "HTTPS" },
    { mode: "terminate", backendProtocol: "HTTPS" },
    { mode: "terminate", backendProtocol: "HTTP" },
  ] as const;

  it("passthrough hides plaintext from passive observers only, and says so", () => {
    for (const cloud of ["aws", "gcp"] as const) {
      const e = plaintextExposure(cloud, modes[0]);
      expect(e.seenBy).toEqual([]);
      expect(e.summary).toContain("against passive observers only");
      expect(e.canInterpose.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("Azure: root in the guest sees plaintext in every mode, since attestation covers the VM and its boot, not the container", () => {
    for (const m of modes) {
      const e = plaintextExposure("azure", m);
      expect(e.seenBy).toContain(AZURE_GUEST_ROOT);
    }
    expect(AZURE_GUEST_ROOT).toMatch(/Run Command or VM extensions.*attestation proves the VM and its boot, not the container/);
    const passthrough = plaintextExposure("azure", modes[0]);
    expect(passthrough.seenBy).toEqual([AZURE_GUEST_ROOT]);
    expect(passthrough.summary).toContain("root in the guest (Run Command, VM extensions) sees plaintext");
    expect(passthrough.summary).toContain("not the container");
  });

  it("every mode on every cloud names who can interpose and that RA-TLS closes it", () => {
    for (const cloud of ["aws", "gcp", "azure"] as const) {
      for (const m of modes) {
        const e = plaintextExposure(cloud, m);
        expect(e.closedBy).toBe(RA_TLS_REMEDY);
        expect(e.canInterpose.at(-1)).toMatch(/^whoever controls the load balancer, the DNS name or can obtain a certificate/);
      }
    }
    // The AWS parent sits between the load balancer and the enclave; Confidential Space gives no shell.
    expect(plaintextExposure("aws", modes[0]).canInterpose[0]).toMatch(/^root on any parent EC2 instance/);
    expect(plaintextExposure("gcp", modes[0]).canInterpose[0]).toMatch(/^whoever can change the backend service or instance template/);
    expect(plaintextExposure("gcp", modes[0]).canInterpose.join(" ")).not.toMatch(/root/);
  });
});
