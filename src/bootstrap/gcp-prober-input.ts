/**
 * Everything the GCP fleet prober's bootstrap needs, as plain resolved values. Confidential Space
 * runs only the workload container, so a host agent like the AWS one cannot run beside
 * the proof server; a small ordinary VM in the same subnet polls each instance's /health and
 * /ready instead (neither needs a key, and in passthrough it is a TLS client of the TEE like any
 * other, so it never sees a proof request) and publishes the fleet's numbers as custom metrics.
 */
export interface GcpProberInput {
  /** Fleet name: the `fleet` label of every time series. */
  readonly fleetName: string;
  readonly project: string;
  readonly region: string;
  /** Regional managed instance group whose instances are probed. */
  readonly instanceGroupManager: string;
  /** Proof server port on the instances. */
  readonly port: number;
  /** Whether the instances serve HTTPS (the prober then uses TLS without verifying the TEE's certificate). */
  readonly serverTls: boolean;
  /** Prefix of the custom metric types, e.g. `custom.googleapis.com/tee_prover`. */
  readonly metricPrefix: string;
  /** Seconds between samples. */
  readonly intervalSeconds: number;
}
