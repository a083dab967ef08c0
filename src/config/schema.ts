import { z } from "zod";
import { DEFAULT_JOB_TIMEOUT_SECONDS, PROOF_SERVER_PORT } from "../ingress/model";
import { nitroInstanceShape } from "../sizing";
import { azureSchema, azureReleaseSchema, azureTagsSchema } from "./schema-azure";
import { ipv4Cidr } from "./schema-cidr";
import { imageByDigestSchema } from "./schema-image";
import { quarantineSchema } from "../quarantine";

/**
 * The stack configuration as written in `Pulumi.<stack>.yaml` under the project namespace.
 * Every object is strict: an unknown (mistyped) key is an error, never silently ignored.
 * Cross-field rules that need the release manifests live in `resolve.ts`.
 */

export const PROJECT = "tee-prover-infra";

/** The retention periods (days) CloudWatch Logs accepts (PutRetentionPolicy); anything else fails at deploy time. */
export const CLOUDWATCH_LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const cidr = ipv4Cidr("203.0.113.0/24");

const awsRoleOrUserArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/,
    "must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>); the account root and wildcards are refused because they would let any IAM policy in the account bypass attestation",
  );

const subscriptions = z.strictObject({
  /** E-mail addresses subscribed to the severity's topic (each must confirm the subscription). */
  emails: z.array(z.email()).default([]),
  /**
   * HTTPS endpoints (pager or chat webhooks) subscribed to the topic. Their URLs often carry
   * tokens: set them with `pulumi config set --secret --path`; the offline plan, which never
   * decrypts, sees "[secret]" in their place.
   */
  httpsEndpoints: z.array(z.union([z.url({ protocol: /^https$/ }), z.literal("[secret]")], { error: "must be an https:// URL" })).default([]),
});

export const releaseSchema = z.strictObject({
  /**
   * The published PCR manifest: a path relative to the Pulumi project directory, or (library
   * callers) the manifest object itself, e.g. `knownReleases["v6.3.1"].manifest`. The object is
   * checked exactly as a file's content is (resolve.ts).
   */
  manifest: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: "must be the path of a published PCR manifest (relative to the Pulumi project) or the manifest object, e.g. knownReleases[\"v6.3.1\"].manifest",
  }),
  eif: z.strictObject({
    /** Where the EIF built from this release is stored. */
    s3Uri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.eif$/, "must be s3://<bucket>/<key>.eif"),
    /**
     * Whether the EIF serves HTTPS itself. Known for the releases this package knows (the published
     * v6.3.1 EIF serves plain HTTP); required for any other manifest (checked in resolve.ts).
     */
    servesTls: z.boolean().optional(),
  }),
  /** PCR8 (EIF signing certificate) to pin, for signed EIFs. */
  pcr8: z.string().optional(),
  /** PCRs reported but not enforced (PCR0 can never be warn-only). */
  warnOnlyPcrs: z.array(z.union([z.literal(1), z.literal(2), z.literal(8)], { error: "must be 1, 2 or 8: PCR0 (the image itself) is always enforced and can never be warn-only" })).default([]),
});

const awsVpcSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("create"),
    /** /16 to /18: room for a /24 public and a /20 private subnet per AZ. */
    cidrBlock: cidr.refine((c) => { const p = Number(c.split("/")[1]); return p >= 16 && p <= 18; }, "must be a /16, /17 or /18 (room for a /24 public and a /20 private subnet per AZ)").default("10.64.0.0/16"),
    availabilityZoneCount: z.number().int().min(2).max(3).default(2),
    /** "single" saves cost in dev; "perAz" keeps egress up when one AZ fails. */
    natGateways: z.enum(["single", "perAz"]).default("single"),
  }),
  z.strictObject({
    mode: z.literal("existing"),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id (vpc-...)"),
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/)).min(2, "needs subnets in at least 2 AZs"),
    publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/)).min(2, "needs subnets in at least 2 AZs"),
  }),
]);

export const awsSchema = z.strictObject({
  vpc: awsVpcSchema.default({ mode: "create", cidrBlock: "10.64.0.0/16", availabilityZoneCount: 2, natGateways: "single" }),
  /** Checked here rather than after parsing, so it is reported together with any unknown key. */
  instanceType: z
    .string()
    .superRefine((type, ctx) => {
      const verdict = nitroInstanceShape(type);
      if (!verdict.ok) ctx.addIssue({ code: "custom", message: `${verdict.reason}; use an enclave-capable, non-burstable type with at least 4 vCPUs, e.g. m6i.xlarge or c6i.2xlarge` });
    })
    .default("m6i.xlarge"),
  /**
   * The parent instances' AMI. Defaults to the latest Amazon Linux 2023 AMI through SSM, which dev
   * and staging may follow; prod must pin an `ami-...` id (checked in resolve.ts).
   */
  amiId: z.string().regex(/^(ami-[0-9a-f]{8,17}|resolve:ssm:.+)$/).optional(),
  enclave: z
    .strictObject({
      cpuCount: z.number().int().positive().optional(),
      memoryMiB: z.number().int().positive().optional(),
    })
    .default({}),
  fleet: z
    .strictObject({
      minSize: z.number().int().min(1).default(2),
      maxSize: z.number().int().min(1).default(4),
      desiredCapacity: z.number().int().min(1).optional(),
    })
    .default({ minSize: 2, maxSize: 4 }),
  /** ACM certificate for the ALB (terminate mode). */
  certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, "must be an ACM certificate ARN").optional(),
  /** ALB TLS policy; the default negotiates only TLS 1.3 and 1.2 with forward secrecy. */
  tlsPolicy: z.string().regex(/^ELBSecurityPolicy-(TLS13|FS)-/, "must be a TLS 1.2+/forward-secrecy policy (ELBSecurityPolicy-TLS13-* or ELBSecurityPolicy-FS-*)").default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
  /** Principals allowed to administer the KMS key; include the role that runs `pulumi up`. */
  keyAdministratorArns: z.array(awsRoleOrUserArn).min(1, "list at least the role that runs pulumi up"),
  kmsDeletionWindowDays: z.number().int().min(7).max(30).default(30),
  /**
   * Whether the KMS condition also pins PCR3, the parent instance's IAM role (default true). false
   * lets the pinned release decrypt under any parent that holds the host role's credentials; it
   * needs `pinParentRoleOffReason` (checked in resolve.ts) and the plan prints it.
   */
  pinParentRole: z.boolean().default(true),
  /** Why PCR3 is not pinned; required when pinParentRole is false. */
  pinParentRoleOffReason: z.string().optional(),
  /**
   * Session Manager shells on the parent instances. Default: on in dev and staging, off in prod.
   * Off: the host role has no Session Manager permission at all and no session document exists.
   */
  interactiveAccess: z.boolean().optional(),
});


/**
 * A container release for Confidential Space: the image pinned by digest and what its launch
 * policy (image labels `tee.launch_policy.*`) allows. The launcher silently ignores overrides the
 * policy does not list, so config must state the policy and we refuse what it would ignore.
 */
export const containerReleaseSchema = z.strictObject({
  /** Release version, e.g. v6.3.1; a label for people and the plan. */
  version: z.string().min(1),
  /** `<registry>/<path>@sha256:<64 hex>`. A tag can be moved to another image, so it is refused. */
  image: imageByDigestSchema,
  /** Whether the server in this image serves TLS with the environment this stack sets (TEE build: on by default). */
  servesTls: z.boolean(),
  /**
   * TCP ports the image declares with `EXPOSE` (its config's ExposedPorts). The Confidential Space
   * launcher opens only these in the VM's firewall and drops everything else, so a port the stack
   * needs but the image does not expose fails every health check. Required, with no default: read
   * it from the image (`docker buildx imagetools inspect --format '{{json .Image.Config.ExposedPorts}}' <image>`).
   */
  exposedPorts: z
    .array(z.number().int().min(1).max(65535), { error: "must list the TCP port numbers the image EXPOSEs, e.g. [6300]" })
    .refine((ports) => new Set(ports).size === ports.length, "lists a port twice"),
  launchPolicy: z
    .strictObject({
      /** `tee.launch_policy.allow_env_override`: variables `tee-env-*` may set. The upstream image lists none. */
      allowEnvOverride: z.array(z.string()).default([]),
      /** `tee.launch_policy.allow_cmd_override`. */
      allowCmdOverride: z.boolean().default(false),
      /** `tee.launch_policy.log_redirect`: when the production image may send the container's logs to Cloud Logging. */
      logRedirect: z.enum(["always", "debugonly", "never"]).default("debugonly"),
    })
    .default({ allowEnvOverride: [], allowCmdOverride: false, logRedirect: "debugonly" }),
});

const gcpZone = z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, "must be a zone such as us-central1-a");

export const gcpSchema = z.strictObject({
  /**
   * SEV (AMD: n2d, c2d) or TDX (Intel: c3): the two technologies Confidential Space runs on
   * (docs/gcp-confidential-space-facts.md). SEV_SNP is a Confidential VM type, but not one
   * Confidential Space supports: it is refused in resolve.ts with the reason, not here, so the
   * message can say why.
   */
  confidentialInstanceType: z.enum(["SEV", "SEV_SNP", "TDX"]),
  /** Must belong to the family of the confidential type (checked with the type). */
  machineType: z.string().regex(/^[a-z0-9]+-[a-z]+-\d+$/, "must be a machine type such as n2d-standard-8"),
  /** Zones of the regional instance group; at least 2, all in gcp:region, each offering the confidential type. */
  zones: z.array(gcpZone).min(2, "needs at least 2 zones so one zone's outage leaves capacity"),
  /** The Confidential Space image; only the production (non-debug) family is accepted. */
  image: z
    .strictObject({ project: z.string().default("confidential-space-images"), family: z.string().default("confidential-space") })
    .default({ project: "confidential-space-images", family: "confidential-space" }),
  /** `tee-restart-policy` of the launcher. */
  restartPolicy: z.enum(["Always", "OnFailure", "Never"]).default("Always"),
  /** `tee-container-log-redirect`; only if every image's launch policy says "always". */
  logRedirect: z.boolean().default(false),
  fleet: z
    .strictObject({ minSize: z.number().int().min(1).default(2), maxSize: z.number().int().min(1).default(4) })
    .default({ minSize: 2, maxSize: 4 }),
  bootDiskGb: z.number().int().min(11).max(2048).default(20),
  network: z
    .discriminatedUnion("mode", [
      z.strictObject({ mode: z.literal("create"), cidrBlock: cidr.default("10.80.0.0/20") }),
      z.strictObject({
        mode: z.literal("existing"),
        /** Self link or `projects/<p>/global/networks/<n>`. */
        network: z.string().min(1),
        /** Self link or `projects/<p>/regions/<r>/subnetworks/<s>`, in gcp:region. */
        subnetwork: z.string().min(1),
        /**
         * Whether this stack creates a Cloud Router and Cloud NAT for the subnet. Required, no
         * default: a shared network often has a NAT for the region already, and a second one that
         * NATs "all subnetworks" conflicts with it; without any NAT the instances (no external IP)
         * cannot fetch proving parameters. Say which: true (create one) or false (the network's own
         * NAT covers the subnet).
         */
        cloudNat: z.boolean({ error: "say whether this stack creates Cloud NAT: true, or false when the network already has a NAT covering the subnet" }),
      }),
    ])
    .default({ mode: "create", cidrBlock: "10.80.0.0/20" }),
  /** terminate mode: Google-managed certificate for these domains, or existing certificates. */
  certificate: z
    .union([
      z.strictObject({ managedDomains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, "must be a DNS name")).min(1) }),
      z.strictObject({ sslCertificates: z.array(z.string().min(1)).min(1) }),
    ])
    .optional(),
});

const ingressSchema = z.strictObject({
  mode: z.enum(["passthrough", "terminate"]),
  listenerPort: z.number().int().min(1).max(65535).default(443),
  allowedClientCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
  /** Idle/request timeout on every hop; defaults to job timeout + 60 s. */
  requestTimeoutSeconds: z.number().int().positive().optional(),
  /** Connection draining on scale-in/rollout; defaults to job timeout + 60 s. */
  drainTimeoutSeconds: z.number().int().nonnegative().optional(),
  /** terminate mode: protocol from the load balancer to the host. */
  backendProtocol: z.enum(["HTTPS", "HTTP"]).default("HTTPS"),
  /** terminate mode: a plaintext hop must be accepted in writing. */
  plaintextHop: z.strictObject({ accepted: z.literal(true), reason: z.string().min(10, "say why, in at least a sentence") }).optional(),
  /** terminate mode: per-client requests per 5 minutes at the WAF / Cloud Armor. */
  rateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000).default(1000),
  /**
   * terminate mode: also listen on plaintext HTTP port 80, answering only with a redirect to the
   * HTTPS listener. Off by default because it exposes a cleartext port: a client pointed at
   * http:// sends its whole request (the proof's private witness, API key headers) in cleartext
   * over the internet before it ever sees the redirect. Turn it on only for browser-style clients
   * that are known to send nothing sensitive over http://.
   */
  httpRedirect: z.boolean().default(false),
});

const proofServerSchema = z
  .strictObject({
    build: z.enum(["tee", "reference"]).default("tee"),
    port: z.literal(PROOF_SERVER_PORT).default(PROOF_SERVER_PORT),
    jobTimeoutSeconds: z.number().int().min(60).max(3600).default(DEFAULT_JOB_TIMEOUT_SECONDS),
    /**
     * Environment for the server (`MIDNIGHT_PROOF_SERVER_*`). GCP: passed as `tee-env-*`, and only
     * for variables the pinned image's launch policy allows. AWS: refused, because nothing can be
     * passed into an enclave at run time; such settings are baked into the EIF.
     */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name (A-Z, 0-9, _)"), z.string()).default({}),
  })
  .default({ build: "tee", port: PROOF_SERVER_PORT, jobTimeoutSeconds: DEFAULT_JOB_TIMEOUT_SECONDS, env: {} });

const alarmsSchema = z
  .strictObject({
    P0: subscriptions.default({ emails: [], httpsEndpoints: [] }),
    P1: subscriptions.default({ emails: [], httpsEndpoints: [] }),
    P2: subscriptions.default({ emails: [], httpsEndpoints: [] }),
    P3: subscriptions.default({ emails: [], httpsEndpoints: [] }),
  })
  .default({ P0: { emails: [], httpsEndpoints: [] }, P1: { emails: [], httpsEndpoints: [] }, P2: { emails: [], httpsEndpoints: [] }, P3: { emails: [], httpsEndpoints: [] } });

/**
 * The stack's monthly cost budget (docs/budgets.md): notifications at 80, 100 and 110 % of the
 * expected monthly cost, routed to the alarm severities. Required in prod (resolve.ts).
 */
export const budgetSchema = z.strictObject({
  /** Expected monthly cost, in `currency`; the 80 / 100 / 110 % notifications are percentages of it. */
  monthlyAmount: z.number({ error: "must be the expected monthly cost, a number such as 1500" }).positive("must be above 0").max(1_000_000_000, "must be at most 1,000,000,000"),
  /**
   * ISO 4217 code of the billing currency. AWS: the budget's unit; GCP: must equal the billing
   * account's currency; Azure: budgets have no currency (the subscription's billing currency is used).
   */
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code such as USD or EUR").default("USD"),
  /** GCP only: the Cloud Billing account that pays for the project (`XXXXXX-XXXXXX-XXXXXX`). */
  billingAccount: z.string().regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, "must be a Cloud Billing account id such as 012345-6789AB-CDEF01").optional(),
});

/** Keys every cloud shares. */
const sharedShape = {
  environment: z.enum(["dev", "staging", "prod"]),
  /** Short prefix of every resource name; lower-case letters, digits and hyphens. */
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,11}$/, "1-12 characters: a lower-case letter, then lower-case letters, digits or hyphens").default("prover"),
  /**
   * The prefix this stack had before a rename of namePrefix: the fleet then gets an alias to its
   * old name, so Pulumi carries every child over instead of replacing the fleet (the KMS key,
   * secrets and logs included). Remove it after the `pulumi up` that renamed.
   */
  previousNamePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,11}$/, "1-12 characters: a lower-case letter, then lower-case letters, digits or hyphens").optional(),
  proofServer: proofServerSchema,
  ingress: ingressSchema,
  alarms: alarmsSchema,
  /**
   * Quarantine (incident runbook): `enabled: true` closes the front door and suspends automatic
   * host replacement while keeping hosts, disks, keys and logs; false resumes (src/quarantine.ts,
   * docs/operations.md).
   */
  quarantine: quarantineSchema.optional(),
  budget: budgetSchema.optional(),
};

const releaseCount = { min: "pin at least one release", max: "at most two releases: the running one and the next during a rotation" };

export const awsStackSchema = z.strictObject({
  cloud: z.literal("aws"),
  ...sharedShape,
  releases: z.array(releaseSchema).min(1, releaseCount.min).max(2, releaseCount.max),
  /** Log retention; only the periods CloudWatch Logs accepts. Defaults per environment (14 / 90 / 365). */
  logRetentionDays: z
    .number()
    .refine((d) => (CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `is not a retention period CloudWatch Logs accepts; use one of ${CLOUDWATCH_LOG_RETENTION_DAYS.join(", ")} (days)`,
    })
    .optional(),
  tags: z.record(z.string().regex(/^[\w.:/=+@-]{1,128}$/), z.string().max(256)).default({}),
  aws: awsSchema.optional(),
});

export const gcpStackSchema = z.strictObject({
  cloud: z.literal("gcp"),
  ...sharedShape,
  releases: z.array(containerReleaseSchema).min(1, releaseCount.min).max(2, releaseCount.max),
  /** Applied as GCP labels: lower-case keys and values, at most 63 characters. */
  tags: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, "GCP label keys: a lower-case letter, then up to 62 of a-z, 0-9, _ or -"), z.string().regex(/^[a-z0-9_-]{0,63}$/, "GCP label values: up to 63 of a-z, 0-9, _ or -")).default({}),
  gcp: gcpSchema,
});

export const azureStackSchema = z.strictObject({
  cloud: z.literal("azure"),
  ...sharedShape,
  releases: z.array(azureReleaseSchema).min(1, releaseCount.min).max(2, releaseCount.max),
  /** Azure resource tags on every child that takes them. */
  tags: azureTagsSchema,
  azure: azureSchema,
});

/** One schema per cloud, chosen by `cloud`; each is strict, so a key of another cloud is an unknown key. */
export const stackConfigSchema = z.discriminatedUnion("cloud", [awsStackSchema, gcpStackSchema, azureStackSchema]);

export const CLOUDS = ["aws", "gcp", "azure"] as const;

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type RawAwsStackConfig = z.infer<typeof awsStackSchema>;
export type RawGcpStackConfig = z.infer<typeof gcpStackSchema>;
export type RawAzureStackConfig = z.infer<typeof azureStackSchema>;
export type RawContainerRelease = z.infer<typeof containerReleaseSchema>;
export type RawRelease = z.infer<typeof releaseSchema>;
export type AwsRawConfig = z.infer<typeof awsSchema>;
export type RawBudget = z.infer<typeof budgetSchema>;
