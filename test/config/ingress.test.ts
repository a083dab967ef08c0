/**
 * Ingress: every timeout on the request path >= job timeout + 60 s
 * and inside the cloud's range; the mode must be possible with the pinned EIF; a plaintext hop
 * must be accepted in writing.
 */
import { describe, expect, it } from "vitest";
import { devWith, expectOnlyProblem, otherRelease, problemsOf, resolveOk, TLS_MANIFEST_REL, type Json } from "./helpers";

/**
 * Pin the TLS-serving test release instead of the published v6.3.1, whose EIF is known to serve
 * plain HTTP (src/releases/known.ts): a release the package does not know states servesTls.
 */
function pinTlsRelease(p: (name: string) => Json): void {
  p("releases")[0] = { manifest: TLS_MANIFEST_REL, eif: { s3Uri: "s3://example-tee-prover-artifacts/proof-server-v6.4.0-tls.eif", servesTls: true } };
}

/** Dev turned into a valid passthrough config: TLS-serving EIF, no terminate-only settings. */
function passthrough(mutate: (v: Record<string, Json>, p: (name: string) => Json) => void = () => {}): Record<string, Json> {
  return devWith((v, p) => {
    const ingress = p("ingress");
    ingress.mode = "passthrough";
    delete ingress.backendProtocol;
    delete ingress.plaintextHop;
    // The WAF rate limit and the ALB's certificate have no effect in passthrough: refused if left.
    delete ingress.rateLimitPer5Minutes;
    pinTlsRelease(p);
    delete p("aws").certificateArn;
    mutate(v, p);
  });
}

/** Dev turned into terminate with HTTPS to a TLS-serving EIF. */
function terminateHttps(mutate: (v: Record<string, Json>, p: (name: string) => Json) => void = () => {}): Record<string, Json> {
  return devWith((v, p) => {
    p("ingress").backendProtocol = "HTTPS";
    delete p("ingress").plaintextHop;
    pinTlsRelease(p);
    mutate(v, p);
  });
}

describe("request-path timeouts", () => {
  it("default to job timeout + 60 s (660 s)", () => {
    const { ingress } = resolveOk(devWith(() => {}));
    expect(ingress.requestTimeoutSeconds).toBe(660);
    expect(ingress.drainTimeoutSeconds).toBe(660);
  });

  it("refuses requestTimeoutSeconds 600 with the 600 s job timeout", () => {
    const values = devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 600));
    expectOnlyProblem(
      values,
      "ingress.requestTimeoutSeconds",
      "600 s is shorter than the job timeout (600 s) + 60 s: the load balancer would cut long proofs",
      "set it to at least 660, or remove it to use 660",
    );
  });

  it("refuses 659 s and accepts 660 s exactly", () => {
    expectOnlyProblem(devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 659)), "ingress.requestTimeoutSeconds", "659 s is shorter than the job timeout (600 s) + 60 s", "at least 660");
    expect(resolveOk(devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 660))).ingress.requestTimeoutSeconds).toBe(660);
  });

  it("refuses drainTimeoutSeconds 300", () => {
    const values = devWith((_v, p) => (p("ingress").drainTimeoutSeconds = 300));
    expectOnlyProblem(values, "ingress.drainTimeoutSeconds", "300 s is shorter than the job timeout + 60 s: a host leaving the fleet would drop running proofs", "set it to at least 660, or remove it");
  });

  it("terminate (ALB): refuses requestTimeoutSeconds beyond 4000, accepts 4000", () => {
    expectOnlyProblem(devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 4001)), "ingress.requestTimeoutSeconds", "4001 s is beyond the ALB idle timeout range 1-4000 s", "set it between 660 and 4000");
    expect(resolveOk(devWith((_v, p) => (p("ingress").requestTimeoutSeconds = 4000))).ingress.requestTimeoutSeconds).toBe(4000);
  });

  it("passthrough (NLB): refuses requestTimeoutSeconds beyond 6000, accepts 5000 and 6000", () => {
    expectOnlyProblem(passthrough((_v, p) => (p("ingress").requestTimeoutSeconds = 6001)), "ingress.requestTimeoutSeconds", "6001 s is beyond the NLB TCP idle timeout range 60-6000 s", "set it between 660 and 6000");
    expect(resolveOk(passthrough((_v, p) => (p("ingress").requestTimeoutSeconds = 5000))).ingress.requestTimeoutSeconds).toBe(5000);
    expect(resolveOk(passthrough((_v, p) => (p("ingress").requestTimeoutSeconds = 6000))).ingress.requestTimeoutSeconds).toBe(6000);
  });

  it("refuses drainTimeoutSeconds beyond 3600 (deregistration delay), accepts 3600", () => {
    expectOnlyProblem(devWith((_v, p) => (p("ingress").drainTimeoutSeconds = 3601)), "ingress.drainTimeoutSeconds", "3601 s is beyond the target group deregistration delay range 0-3600 s", "set it between 660 and 3600");
    expect(resolveOk(devWith((_v, p) => (p("ingress").drainTimeoutSeconds = 3600))).ingress.drainTimeoutSeconds).toBe(3600);
  });

  it("a longer jobTimeoutSeconds (900) raises the minimum: 900 fails, 960 passes, defaults become 960", () => {
    const job900 = (request?: number) =>
      devWith((_v, p) => {
        p("proofServer").jobTimeoutSeconds = 900;
        if (request !== undefined) p("ingress").requestTimeoutSeconds = request;
      });
    expectOnlyProblem(job900(900), "ingress.requestTimeoutSeconds", "900 s is shorter than the job timeout (900 s) + 60 s", "set it to at least 960, or remove it to use 960");
    expectOnlyProblem(job900(959), "ingress.requestTimeoutSeconds", "959 s is shorter than the job timeout (900 s) + 60 s", "at least 960");
    expect(resolveOk(job900(960)).ingress.requestTimeoutSeconds).toBe(960);
    const defaults = resolveOk(job900());
    expect(defaults.proofServer.jobTimeoutSeconds).toBe(900);
    expect(defaults.ingress.requestTimeoutSeconds).toBe(960);
    expect(defaults.ingress.drainTimeoutSeconds).toBe(960);
    // The old 660 s drain, fine for a 600 s job, is now too short.
    expectOnlyProblem(
      devWith((_v, p) => {
        p("proofServer").jobTimeoutSeconds = 900;
        p("ingress").drainTimeoutSeconds = 660;
      }),
      "ingress.drainTimeoutSeconds",
      "660 s is shorter than the job timeout + 60 s",
      "set it to at least 960",
    );
  });

  it("refuses a job timeout no drain timeout on AWS can outlast (3600 s + 60 s > 3600 s); 3540 s fits", () => {
    expectOnlyProblem(
      devWith((_v, p) => (p("proofServer").jobTimeoutSeconds = 3600)),
      "proofServer.jobTimeoutSeconds",
      "3600 s + 60 s is beyond the target group deregistration delay maximum (3600 s)",
      "set it to at most 3540",
    );
    const config = resolveOk(devWith((_v, p) => (p("proofServer").jobTimeoutSeconds = 3540)));
    expect([config.ingress.requestTimeoutSeconds, config.ingress.drainTimeoutSeconds]).toEqual([3600, 3600]);
  });

  it("refuses a job timeout outside 60-3600 s in the schema", () => {
    expectOnlyProblem(devWith((_v, p) => (p("proofServer").jobTimeoutSeconds = 30)), "proofServer.jobTimeoutSeconds", "Too small: expected number to be >=60", "pulumi config set --path 'proofServer.jobTimeoutSeconds'");
    expectOnlyProblem(devWith((_v, p) => (p("proofServer").jobTimeoutSeconds = 3601)), "proofServer.jobTimeoutSeconds", "Too big: expected number to be <=3600", "pulumi config set --path 'proofServer.jobTimeoutSeconds'");
  });
});

describe("passthrough", () => {
  it("refuses an EIF that serves plain HTTP, on ingress.mode", () => {
    // The published v6.3.1, whose EIF is known to serve plain HTTP: no servesTls needed to refuse it.
    const values = passthrough((_v, p) => (p("releases")[0] = { manifest: "releases/pcr-measurements.v6.3.1.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/proof-server-v6.3.1.eif" } }));
    expectOnlyProblem(
      values,
      "ingress.mode",
      ["passthrough needs TLS inside the TEE, but the EIF of v6.3.1 serves plain HTTP", "clients would send their witness in cleartext"],
      ["releases[].eif.servesTls: true", "ingress.mode: terminate"],
    );
  });

  it("names only the plain-HTTP release during a rotation", () => {
    const values = passthrough((_v, p) => p("releases").push({ manifest: "releases/pcr-measurements.v6.6.0.json", eif: { s3Uri: "s3://example-tee-prover-artifacts/proof-server-v6.6.0.eif", servesTls: false } }));
    const problem = expectOnlyProblem(values, "ingress.mode", "but the EIF of v6.6.0 serves plain HTTP", "servesTls: true", { "releases/pcr-measurements.v6.6.0.json": otherRelease("v6.6.0") });
    expect(problem.message).not.toContain("v6.4.0");
  });

  it("resolves with an EIF that serves TLS: backendProtocol HTTPS, no plaintext hop, no certificate", () => {
    const config = resolveOk(passthrough());
    expect(config.ingress).toEqual({
      mode: "passthrough",
      listenerPort: 443,
      allowedClientCidrs: ["0.0.0.0/0"],
      requestTimeoutSeconds: 660,
      drainTimeoutSeconds: 660,
      backendProtocol: "HTTPS",
      rateLimitPer5Minutes: 1000, // the default: a rate limit given in passthrough is refused (no effect)
      httpRedirect: false,
    });
    expect(config.releases[0]!.eifServesTls).toBe(true);
    expect(config.aws.certificateArn).toBeUndefined();
  });

  it("refuses backendProtocol HTTP, which passthrough cannot have (TLS ends in the TEE)", () => {
    expectOnlyProblem(passthrough((_v, p) => (p("ingress").backendProtocol = "HTTP")), "ingress.backendProtocol", "HTTP makes no sense in passthrough", "remove ingress.backendProtocol");
  });

  it("refuses httpRedirect, which only terminate mode can have", () => {
    expectOnlyProblem(passthrough((_v, p) => (p("ingress").httpRedirect = true)), "ingress.httpRedirect", "applies only to terminate mode", "remove ingress.httpRedirect");
  });

  it("refuses a plaintextHop, which only terminate mode can have", () => {
    const values = passthrough((_v, p) => (p("ingress").plaintextHop = { accepted: true, reason: "copied from the dev stack, should not matter" }));
    expectOnlyProblem(values, "ingress.plaintextHop", "applies only to terminate mode; passthrough never has a plaintext hop", "remove ingress.plaintextHop");
  });
});

describe("terminate", () => {
  it("has no plaintext port 80 unless ingress.httpRedirect asks for one", () => {
    expect(resolveOk(devWith(() => {})).ingress.httpRedirect).toBe(false);
    expect(resolveOk(devWith((_v, p) => (p("ingress").httpRedirect = true))).ingress.httpRedirect).toBe(true);
    expectOnlyProblem(devWith((_v, p) => (p("ingress").httpRedirect = "yes")), "ingress.httpRedirect", "expected boolean", "pulumi config set --path 'ingress.httpRedirect'");
  });

  it("refuses httpRedirect on listener port 80, which the redirect would need too", () => {
    const values = devWith((_v, p) => Object.assign(p("ingress"), { httpRedirect: true, listenerPort: 80 }));
    expectOnlyProblem(values, "ingress.httpRedirect", "needs port 80 for the redirect, but ingress.listenerPort is 80 too", "use another ingress.listenerPort");
  });

  it("refuses backendProtocol HTTP without plaintextHop, on ingress.plaintextHop", () => {
    const values = devWith((_v, p) => delete p("ingress").plaintextHop);
    expectOnlyProblem(
      values,
      "ingress.plaintextHop",
      ["sends proof requests in plaintext from the load balancer to the host", "the parent instance, outside the enclave", "must be accepted explicitly"],
      'set ingress.plaintextHop: {accepted: true, reason: "..."}',
    );
  });

  it("accepts backendProtocol HTTP with plaintextHop {accepted: true, reason}", () => {
    const reason = "staging runs the published EIF; only synthetic witnesses are sent.";
    const config = resolveOk(devWith((_v, p) => (p("ingress").plaintextHop = { accepted: true, reason })));
    expect(config.ingress.backendProtocol).toBe("HTTP");
    expect(config.ingress.plaintextHopAcceptedReason).toBe(reason);
  });

  it("refuses plaintextHop.accepted false", () => {
    const values = devWith((_v, p) => (p("ingress").plaintextHop.accepted = false));
    expectOnlyProblem(values, "ingress.plaintextHop.accepted", "Invalid input: expected true", "pulumi config set --path 'ingress.plaintextHop.accepted'");
  });

  it("refuses a reason shorter than a sentence", () => {
    const values = devWith((_v, p) => (p("ingress").plaintextHop.reason = "dev"));
    expectOnlyProblem(values, "ingress.plaintextHop.reason", "say why, in at least a sentence", "pulumi config set --path 'ingress.plaintextHop.reason'");
  });

  it("refuses backendProtocol HTTPS with an EIF that serves plain HTTP", () => {
    const values = devWith((_v, p) => {
      p("ingress").backendProtocol = "HTTPS";
      delete p("ingress").plaintextHop;
    });
    expectOnlyProblem(
      values,
      "ingress.backendProtocol",
      "HTTPS to the target, but the EIF of v6.3.1 serves plain HTTP: health checks and requests would fail",
      ["pin an EIF that serves TLS", "ingress.plaintextHop"],
    );
  });

  it("treats an omitted backendProtocol as HTTPS (refused with a plain-HTTP EIF)", () => {
    const values = devWith((_v, p) => {
      delete p("ingress").backendProtocol;
      delete p("ingress").plaintextHop;
    });
    expectOnlyProblem(values, "ingress.backendProtocol", "HTTPS to the target, but the EIF of v6.3.1 serves plain HTTP", "pin an EIF that serves TLS");
  });

  it("refuses backendProtocol HTTP to an EIF that serves TLS", () => {
    const values = devWith((_v, p) => pinTlsRelease(p));
    expectOnlyProblem(values, "ingress.backendProtocol", "HTTP to the target, but the EIF of v6.4.0 serves TLS", "set backendProtocol: HTTPS");
  });

  it("refuses a plaintextHop when the backend protocol is HTTPS", () => {
    const values = terminateHttps((_v, p) => (p("ingress").plaintextHop = { accepted: true, reason: "left over from when dev ran plain HTTP" }));
    expectOnlyProblem(values, "ingress.plaintextHop", "is set but the backend protocol is HTTPS, so there is no plaintext hop to accept", "remove ingress.plaintextHop");
  });

  it("resolves HTTPS to a TLS-serving EIF without a plaintext hop", () => {
    const config = resolveOk(terminateHttps());
    expect(config.ingress.mode).toBe("terminate");
    expect(config.ingress.backendProtocol).toBe("HTTPS");
    expect(config.ingress.plaintextHopAcceptedReason).toBeUndefined();
    expect(config.aws.certificateArn).toBe("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000");
  });

  it("refuses terminate without aws.certificateArn", () => {
    const values = devWith((_v, p) => delete p("aws").certificateArn);
    expectOnlyProblem(values, "aws.certificateArn", "is required in terminate mode: the ALB's HTTPS listener needs an ACM certificate", "pulumi config set --path aws.certificateArn arn:aws:acm:");
  });

  it("refuses a certificateArn that is not an ACM ARN", () => {
    const values = devWith((_v, p) => (p("aws").certificateArn = "arn:aws:iam::123456789012:server-certificate/dev"));
    expectOnlyProblem(values, "aws.certificateArn", "must be an ACM certificate ARN", "pulumi config set --path 'aws.certificateArn'");
  });
});

describe("other ingress values", () => {
  it("refuses a client range that is not a CIDR", () => {
    const values = devWith((_v, p) => p("ingress").allowedClientCidrs.push("203.0.113.7"));
    expectOnlyProblem(values, "ingress.allowedClientCidrs[1]", "must be an IPv4 CIDR such as 203.0.113.0/24", "pulumi config set --path 'ingress.allowedClientCidrs[1]'");
  });

  it("refuses an unknown mode, listing the allowed ones", () => {
    const values = devWith((_v, p) => (p("ingress").mode = "tls-passthrough"));
    expectOnlyProblem(values, "ingress.mode", 'expected one of "passthrough"|"terminate"', "pulumi config set --path 'ingress.mode'");
  });

  it("reports every timeout and mode problem of one config together", () => {
    const problems = problemsOf(
      passthrough((_v, p) => {
        p("releases")[0].eif.servesTls = false;
        p("ingress").requestTimeoutSeconds = 600;
        p("ingress").drainTimeoutSeconds = 4000;
      }),
    );
    expect(problems.map((p) => p.key)).toEqual(["ingress.requestTimeoutSeconds", "ingress.drainTimeoutSeconds", "ingress.mode"]);
  });
});
