import type * as pulumi from "@pulumi/pulumi";

// The argument shapes both components share. They mirror the stack configuration key for key
// (README, Config reference), so one validation (src/config/resolve.ts) serves a stack file and a
// library call alike. Values that decide safety are plain and checked before any resource is
// declared; values that usually come from other resources or stacks take `pulumi.Input`.

/** dev, staging or prod. */
export type EnvironmentArg = "dev" | "staging" | "prod";

/** How clients reach the proof server, and who can see a proof request in plaintext. */
export interface IngressArgs {
  /**
   * `passthrough`: the load balancer forwards TCP and TLS ends inside the TEE (needs an artifact that
   * serves TLS). `terminate`: TLS ends at the load balancer, which adds a WAF / Cloud Armor rate
   * limit but sees every request in plaintext. No default: who sees a user's witness is a choice
   * to make explicitly (docs/ingress-and-attestation.md).
   */
  readonly mode: "passthrough" | "terminate";
  /** Port clients connect to. Default 443. */
  readonly listenerPort?: number;
  /**
   * Client ranges allowed to connect (IPv4 CIDRs). Default `["0.0.0.0/0"]`. On GCP, enforced by
   * Cloud Armor in terminate mode only (at most 100 ranges); passthrough cannot restrict clients there.
   */
  readonly allowedClientCidrs?: readonly string[];
  /**
   * Idle / request timeout on every hop, in seconds. Default: job timeout + 60 s, the least that
   * lets the longest proof finish; shorter values are refused.
   */
  readonly requestTimeoutSeconds?: number;
  /**
   * How long a host leaving the fleet (scale-in, rollout) keeps serving requests it already has.
   * Default: job timeout + 60 s, so no running proof is dropped; shorter values are refused.
   */
  readonly drainTimeoutSeconds?: number;
  /**
   * terminate mode: protocol from the load balancer to the hosts. Default HTTPS (needs an artifact
   * that serves TLS). HTTP needs `plaintextHop`, because the hop is then readable on the host.
   */
  readonly backendProtocol?: "HTTPS" | "HTTP";
  /**
   * terminate mode with backendProtocol HTTP: the written acceptance of the plaintext hop (the
   * reason is printed by the offline plan and kept in the stack's review output). No default.
   */
  readonly plaintextHop?: {
    /** Always `true`: the acceptance is the point of the setting. */
    readonly accepted: true;
    /** Why the plaintext hop is acceptable here, in at least a sentence; printed by the plan. */
    readonly reason: string;
  };
  /** terminate mode: requests per client IP per 5 minutes at the WAF / Cloud Armor. Default 1000. */
  readonly rateLimitPer5Minutes?: number;
  /**
   * terminate mode: also listen on port 80, answering only with a redirect to HTTPS. Default false:
   * a client pointed at http:// would send its whole request (the private witness) in cleartext
   * before it sees the redirect.
   */
  readonly httpRedirect?: boolean;
}

/** The proof server process: which build, and how long a proof may take. */
export interface ProofServerArgs {
  /** `tee` (TLS and API keys) or `reference` (plain HTTP) upstream build. Default `tee`. */
  readonly build?: "tee" | "reference";
  /** The server's port; only 6300, which every health check and rule assumes. Default 6300. */
  readonly port?: 6300;
  /**
   * The server's job timeout in seconds (60-3600). Default 600. It sizes every request-path
   * timeout and the draining time, so a proof is never cut by the infrastructure.
   */
  readonly jobTimeoutSeconds?: number;
  /**
   * `MIDNIGHT_PROOF_SERVER_*` variables. GCP: passed as `tee-env-*`, only those the image's launch
   * policy allows; Azure: the container's environment, written through custom data; refused on AWS,
   * where settings are baked into the EIF. Secret-looking names and values are refused: they would
   * be readable in instance metadata or custom data and in Pulumi state.
   * Default none.
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** Who is notified at one severity. */
export interface SubscriptionArgs {
  /** E-mail addresses (each must confirm its subscription). Default none. */
  readonly emails?: readonly pulumi.Input<string>[];
  /**
   * HTTPS endpoints (pager or chat webhooks). Their URLs often carry tokens: pass them as secrets
   * (`pulumi.secret(...)` or a secret config value). Default none.
   */
  readonly httpsEndpoints?: readonly pulumi.Input<string>[];
}

/** Subscribers per severity of the alarm catalogue (docs/alarms.md). */
export interface AlarmArgs {
  /** Critical: no healthy host, attestation failing, TEE down, attestation enforcement or host role changed. */
  readonly P0?: SubscriptionArgs;
  /** Degraded: 5xx rate, p95 latency, CPU, memory, queue depth above their limits. */
  readonly P1?: SubscriptionArgs;
  /** Early warnings: elevated errors, latency or CPU; TLS certificate expiring within 14 days. */
  readonly P2?: SubscriptionArgs;
  /** Review: security group / firewall changes (configuration drift), sustained CPU. */
  readonly P3?: SubscriptionArgs;
}

/** Quarantine (incident runbook): close the front door, keep every host for forensics. */
export interface QuarantineArgs {
  /**
   * true: clients are refused at the load balancer (health checks keep running) and the cloud
   * stops replacing, rebalancing or scaling in hosts on its own; hosts, disks, keys and logs are
   * unchanged. false: resume. No default (the section itself is optional: absent means serving).
   */
  readonly enabled: boolean;
  /** Why (an incident id and a sentence, at least 10 characters); required while enabled. Printed by the plan. */
  readonly reason?: string;
  /** When the quarantine began, ISO 8601 UTC such as `2026-11-30T04:00:00Z`; required while enabled. */
  readonly since?: string;
}

/** The stack's monthly cost budget (docs/budgets.md). */
export interface BudgetArgs {
  /**
   * Expected monthly cost in `currency`. Notifications at 80 % (P3), 100 % (P2) and 110 % (P1) of
   * it go to the alarm subscribers of those severities. No default.
   */
  readonly monthlyAmount: number;
  /**
   * ISO 4217 code. Default USD. AWS: the budget's unit; GCP: must be the billing account's
   * currency; Azure: budgets take the subscription's billing currency, whatever this says.
   */
  readonly currency?: string;
  /** GCP only, and required there: the Cloud Billing account paying for the project (`XXXXXX-XXXXXX-XXXXXX`). */
  readonly billingAccount?: string;
}

/** What both components take. */
export interface SharedProofServerArgs {
  /**
   * dev, staging or prod; no default. prod protects the key and secrets, keeps logs past a
   * destroy, requires pinned host images and at least two hosts.
   */
  readonly environment: EnvironmentArg;
  /** Build, port and job timeout of the proof server. Default: the TEE build, 600 s jobs. */
  readonly proofServer?: ProofServerArgs;
  /** Ingress mode and its settings; the mode has no default. */
  readonly ingress: IngressArgs;
  /** Notification subscribers per severity. Default none: the alarms exist without subscribers. */
  readonly alarms?: AlarmArgs;
  /**
   * Quarantine the fleet (docs/operations.md): front door closed, no automatic host replacement,
   * nothing holding keys or evidence replaced. Default: not quarantined.
   */
  readonly quarantine?: QuarantineArgs;
  /** The monthly cost budget and its notifications. Default none; required when environment is prod. */
  readonly budget?: BudgetArgs;
}
