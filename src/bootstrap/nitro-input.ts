import type { NitroReleasePins } from "../attestation/pins";

/**
 * Everything the Nitro parent-instance bootstrap needs, as plain resolved values (no Outputs):
 * the component resolves its Outputs and calls the renderer inside `apply`, so the renderer is a
 * pure function that tests and validators can call directly.
 */
export interface NitroBootstrapInput {
  /** Fleet name: metric dimension `Fleet`, log stream prefix, unit descriptions. */
  readonly fleetName: string;
  /** AWS region of the fleet; the KMS vsock-proxy is allow-listed to `kms.<region>.amazonaws.com`. */
  readonly region: string;
  /** TCP port the parent's forwarder listens on (the load balancer's target port), 6300. */
  readonly hostPort: number;
  /** vsock port the enclave listens on (`socat VSOCK-LISTEN:6300` inside the published EIF). */
  readonly enclaveVsockPort: number;
  /** Enclave CID passed to `nitro-cli run-enclave --enclave-cid`, fixed so the forwarder can target it. */
  readonly enclaveCid: number;
  /** Enclave allocation; installed as /etc/nitro_enclaves/allocator.yaml and passed to run-enclave. */
  readonly enclave: { readonly cpuCount: number; readonly memoryMiB: number };
  /** The release new hosts boot (the rollout target); its pins are checked before run-enclave. */
  readonly release: {
    readonly version: string;
    /** `s3://bucket/key` of the EIF. */
    readonly eifS3Uri: string;
    readonly pins: NitroReleasePins;
  };
  /**
   * Every release the stack accepts now (the KMS key policy's releases; two during a rotation), the
   * booted one among them. The host agent's attestation check accepts an enclave that measures as
   * any of them, as KMS does.
   */
  readonly acceptedReleases: readonly NitroReleasePins[];
  /**
   * PCR3 the enclave must report (the parent's IAM role, `nitroParentRolePcr3`), or null when
   * `aws.pinParentRole` is off; the same value the KMS condition pins.
   */
  readonly parentRolePcr3: string | null;
  /** Whether the EIF serves HTTPS itself (TEE build with TLS) or plain HTTP (published EIF). */
  readonly eifServesTls: boolean;
  /** Parent-side vsock port of the KMS vsock-proxy, 8000 by AWS convention. */
  readonly kmsProxyVsockPort: number;
  /** CloudWatch namespace the host agent publishes to (the instance role may write only here). */
  readonly metricNamespace: string;
  /** CloudWatch Logs group the host ships its logs to (the instance role may write only here). */
  readonly logGroupName: string;
  /** How often the host agent samples and publishes, in seconds. */
  readonly agentIntervalSeconds: number;
}
