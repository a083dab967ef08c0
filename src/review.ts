import type { Environment } from "./config/types";
import type { IngressMode, PlaintextExposure } from "./ingress/model";
import type { UnobservableAlarm } from "./monitoring/catalogue";
import type { QuarantineSettings } from "./quarantine";

/**
 * What every component tells a reviewer beyond its resources' properties: who sees plaintext,
 * which releases attestation accepts, and which alarms the mode cannot observe. Exported as the
 * stack's `review` output; the offline plan reads it from each component instance a program
 * declares (src/plan/fleets.ts), so it needs no stack config of its own.
 */
export interface ReviewFacts {
  /** The environment the fleet was built for: it decides the defaults and what prod refuses. */
  readonly environment: Environment;
  readonly ingressMode: IngressMode;
  readonly plaintext: PlaintextExposure;
  /** The release new hosts boot (the rollout target). */
  readonly activeRelease: string;
  readonly acceptedReleases: string[];
  readonly unobservableAlarms: UnobservableAlarm[];
  /** Present while quarantined: why, since when, and what the quarantine changed (src/quarantine.ts). */
  readonly quarantine?: QuarantineSettings & { readonly changes: readonly string[] };
}
