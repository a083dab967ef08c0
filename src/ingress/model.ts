/**
 * The ingress model: where client TLS ends and who can see a proof request
 * (docs/ingress-and-attestation.md; the server's side in docs/proof-server.md).
 * Cloud-neutral; each component maps it onto its own load balancers.
 */

export type IngressMode = "passthrough" | "terminate";
export type Cloud = "aws" | "gcp" | "azure";

/** The proof server's port inside the TEE and on the host (the load balancer's target port). */
export const PROOF_SERVER_PORT = 6300;
/** Health endpoint: answers 200 without an API key on both builds. */
export const HEALTH_PATH = "/health";
/**
 * What the TEE build's rate limiter answers once a bucket is empty. It counts every route, /health
 * included, and behind an L4 load balancer every client and every health check share one bucket,
 * so a busy server answers its health check with this. It proves the server is alive.
 */
export const RATE_LIMITED_STATUS = 429;
/** HTTP statuses a health check reads as "the server is alive": 200, and 429 (alive but busy). */
export const ALIVE_STATUSES = [200, RATE_LIMITED_STATUS] as const;
/** The proof endpoint; routed separately in terminate mode so its latency and errors are measurable. */
export const PROVE_PATH = "/prove";
/** Default job timeout of both proof-server builds, in seconds. */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 600;
/** Every timeout on the request path must exceed the job timeout by at least this much. */
export const REQUEST_PATH_MARGIN_SECONDS = 60;

/** The smallest timeout allowed anywhere on the request path for a given job timeout. */
export function minRequestPathTimeout(jobTimeoutSeconds: number): number {
  return jobTimeoutSeconds + REQUEST_PATH_MARGIN_SECONDS;
}

/** Source ranges of Google's front ends (proxy load balancers) and health checkers. */
export const GCP_PROXY_AND_HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"] as const;

/** Resolved ingress settings the components consume. */
export interface IngressSettings {
  readonly mode: IngressMode;
  /** Client-facing port on the load balancer. */
  readonly listenerPort: number;
  /** Client source ranges admitted to the listener. */
  readonly allowedClientCidrs: readonly string[];
  /** Idle / request timeout on every hop of the request path, seconds. */
  readonly requestTimeoutSeconds: number;
  /** How long a host being removed keeps serving in-flight proofs, seconds. */
  readonly drainTimeoutSeconds: number;
  /** Protocol from the load balancer to the host: always TLS in passthrough (bytes pass through). */
  readonly backendProtocol: "HTTPS" | "HTTP";
  /** Set only when a terminate-mode plaintext hop was explicitly accepted, with the reason given. */
  readonly plaintextHopAcceptedReason?: string;
  /** Per-client request limit at the L7 edge (terminate mode), requests per 5 minutes. */
  readonly rateLimitPer5Minutes: number;
  /**
   * terminate mode: a plaintext HTTP listener on port 80 that only redirects to HTTPS. Off by
   * default: a client pointed at http:// sends its whole request, witness included, in cleartext
   * before the redirect reaches it.
   */
  readonly httpRedirect: boolean;
}

export interface PlaintextExposure {
  /** Parties outside the TEE that can read a proof request (the user's private witness) as declared. */
  readonly seenBy: readonly string[];
  /**
   * Parties who can read proof requests by acting rather than watching: the server's TLS key is not
   * bound to its attestation, so whoever can put a TLS terminator in front of the TEE, with a
   * certificate clients accept, sees plaintext unless clients verify an attested key.
   */
  readonly canInterpose: readonly string[];
  /** What would close `canInterpose`. */
  readonly closedBy: string;
  /** One sentence for the plan, README and policy messages. */
  readonly summary: string;
}

/**
 * What closes the active path in every mode: clients that only trust a TLS key attested by the TEE.
 * The server's `/attestation` evidence carries no TLS key today (no public_key or user_data).
 */
export const RA_TLS_REMEDY =
  "RA-TLS: the server generates its TLS key inside the TEE and puts the key's hash in the attestation's user_data (or public_key), and clients verify that attestation before sending a witness; today's server does not, so nothing outside the client can close this";

/** Who can put a terminator in front of the TEE, per cloud (whatever the mode). */
function interposers(cloud: Cloud): string[] {
  const edge = "whoever controls the load balancer, the DNS name or can obtain a certificate for the domain clients trust";
  switch (cloud) {
    case "aws":
      // The parent instance sits between the NLB/ALB and the enclave's vsock port.
      return ["root on any parent EC2 instance (Session Manager, or a changed launch template or user data) can replace the vsock forwarder with a TLS terminator", edge];
    case "gcp":
      // Confidential Space gives no one a shell on the VM; the path is a VM or proxy of one's own.
      return ["whoever can change the backend service or instance template to route traffic through a VM of their own", edge];
    case "azure":
      return ["root in the guest (Run Command, VM extensions) can put a TLS terminator in front of the container", edge];
  }
}

/**
 * Azure: the confidential VM is the TEE, and attestation (MAA) proves the VM and its boot, not the
 * container in it. Root in the guest sees every decrypted request, and Azure lets principals with
 * rights on the VMs become root without a login (Run Command, VM extensions): they read plaintext
 * in every mode.
 */
export const AZURE_GUEST_ROOT =
  "principals who can run code as root in the confidential VMs (Run Command or VM extensions: Virtual Machine Contributor and above; an SSH key if one is configured): attestation proves the VM and its boot, not the container, so the guest OS is inside the trust boundary";

/** Say in words who can see plaintext for a mode on a cloud. */
export function plaintextExposure(cloud: Cloud, ingress: Pick<IngressSettings, "mode" | "backendProtocol">): PlaintextExposure {
  const active = { canInterpose: interposers(cloud), closedBy: RA_TLS_REMEDY };
  const guest = cloud === "azure" ? [AZURE_GUEST_ROOT] : [];
  if (ingress.mode === "passthrough") {
    return {
      seenBy: guest,
      ...active,
      summary: cloud === "azure"
        ? "passthrough: TLS terminates inside the confidential VM; the load balancer only carries ciphertext. Inside the VM, root in the guest (Run Command, VM extensions) sees plaintext: Azure attestation covers the VM and its boot, not the container. The TLS key is not bound to the attestation either, so an operator who interposes a terminator sees plaintext unless clients verify an attested key."
        : "passthrough: TLS terminates inside the TEE; the load balancer and the host only ever carry ciphertext. That holds against passive observers only: the TLS key is not bound to the attestation, so an operator who interposes a terminator sees plaintext unless clients verify an attested key.",
    };
  }
  const proxy = { aws: "the AWS Application Load Balancer", gcp: "Google's Application Load Balancer", azure: "the Azure Application Gateway" }[cloud];
  if (ingress.backendProtocol === "HTTPS") {
    return {
      seenBy: [proxy, ...guest],
      ...active,
      summary: `terminate: client TLS ends at ${proxy}, which sees plaintext and re-encrypts to the TEE; the host sees only ciphertext.${cloud === "azure" ? " Inside the confidential VM, root in the guest sees plaintext too." : ""}`,
    };
  }
  const host = cloud === "aws" ? ["the parent EC2 instance (outside the enclave)"] : [];
  const seenBy = [proxy, ...host, ...guest, "anyone who can capture traffic on the load balancer -> host hop"];
  return {
    seenBy,
    ...active,
    summary: `terminate with an ACCEPTED PLAINTEXT HOP: proof requests are readable by ${seenBy.join(", ")}.`,
  };
}
