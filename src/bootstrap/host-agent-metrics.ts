/**
 * The custom metrics the host agent publishes, once this boot's enclave first ran and until the
 * host shuts down (docs/aws-boot-rollout-and-alarms.md). The alarms are built on these
 * exact names, so they live in one list that the monitoring catalogue and the tests import; the
 * agent script must publish exactly these (the bootstrap tests run it and compare).
 */
export const HOST_AGENT_METRICS = {
  /** 1 when `/health` answers 200 or 429 (rate-limited, alive) through the local forwarder, else 0. */
  Availability: { unit: "None" },
  /** `jobsPending` from `/ready` (queue depth); not published when `/ready` gives no counts. */
  JobsPending: { unit: "Count" },
  /** `jobsProcessing` from `/ready`; not published when `/ready` gives no counts. */
  JobsProcessing: { unit: "Count" },
  /** 1 when the enclave runs in production mode with the pinned PCR0 (AWS only). */
  EnclaveRunning: { unit: "None" },
  /** 1 per sample that checked attestation (not when rate-limited): the failure rate's denominator. */
  AttestationChecks: { unit: "Count" },
  /**
   * 1 when `/attestation?nonce=` gave no document that verify-attestation.py verifies as
   * `npm run verify` does (signature, chain to the pinned root, our nonce, an accepted release's
   * PCRs, PCR3 when pinned, not debug, fresh), else 0.
   */
  AttestationFailures: { unit: "Count" },
  /** Parent memory in use, percent, excluding the hugepages reserved for the enclave. */
  MemoryUtilization: { unit: "Percent" },
  /** Days until the served certificate expires; only when the TEE serves TLS. */
  TlsCertDaysToExpiry: { unit: "None" },
} as const;

export type HostAgentMetricName = keyof typeof HOST_AGENT_METRICS;

export const HOST_AGENT_METRIC_NAMES = Object.keys(HOST_AGENT_METRICS) as HostAgentMetricName[];

/** The only dimension: alarms aggregate over the fleet, and instances come and go. */
export const HOST_AGENT_DIMENSION = "Fleet";
