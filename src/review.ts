import type { PlaintextExposure } from "./ingress/model";
import type { UnobservableAlarm } from "./monitoring/catalogue";

/**
 * What every component tells a reviewer beyond its resources' properties: who sees plaintext,
 * which releases attestation accepts, and which alarms the mode cannot observe. Exported as the
 * stack's `review` output and read by the offline plan.
 */
export interface ReviewFacts {
  readonly plaintext: PlaintextExposure;
  /** The release new hosts boot (the rollout target). */
  readonly activeRelease: string;
  readonly acceptedReleases: string[];
  readonly unobservableAlarms: UnobservableAlarm[];
}
