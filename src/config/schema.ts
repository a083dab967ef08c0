import { z } from "zod";
import { DEFAULT_JOB_TIMEOUT_SECONDS, PROOF_SERVER_PORT } from "../ingress/model";
import { nitroInstanceShape } from "../sizing";

/**
 * The stack configuration as written in `Pulumi.<stack>.yaml` under the project namespace.
 * Every object is strict: an unknown (mistyped) key is an error, never silently ignored.
 * Cross-field rules that need the release manifests live in `resolve.ts`.
 */

export const PROJECT = "tee-prover-infra";

/** The retention periods (days) CloudWatch Logs accepts (PutRetentionPolicy); anything else fails at deploy time. */
export const CLOUDWATCH_LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 203.0.113.0/24");

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
  /** Path of the published PCR manifest, relative to the Pulumi project directory. */
  manifest: z.string().min(1),
  eif: z.strictObject({
    /** Where the EIF built from this release is stored. */
    s3Uri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.eif$/, "must be s3://<bucket>/<key>.eif"),
    /** Whether the EIF serves HTTPS itself; the published EIF serves plain HTTP. */
    servesTls: z.boolean(),
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
  /** Defaults to the latest Amazon Linux 2023 AMI through SSM; pin an AMI id for reproducible prod hosts. */
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
});

export const stackConfigSchema = z.strictObject({
  environment: z.enum(["dev", "staging", "prod"]),
  cloud: z.enum(["aws", "gcp", "azure"]),
  /** Short prefix of every resource name; lower-case letters, digits and hyphens. */
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,11}$/, "1-12 characters: a lower-case letter, then lower-case letters, digits or hyphens").default("prover"),
  proofServer: z
    .strictObject({
      build: z.enum(["tee", "reference"]).default("tee"),
      port: z.literal(PROOF_SERVER_PORT).default(PROOF_SERVER_PORT),
      jobTimeoutSeconds: z.number().int().min(60).max(3600).default(DEFAULT_JOB_TIMEOUT_SECONDS),
    })
    .default({ build: "tee", port: PROOF_SERVER_PORT, jobTimeoutSeconds: DEFAULT_JOB_TIMEOUT_SECONDS }),
  releases: z.array(releaseSchema).min(1, "pin at least one release").max(2, "at most two releases: the running one and the next during a rotation"),
  ingress: ingressSchema,
  alarms: z
    .strictObject({
      P0: subscriptions.default({ emails: [], httpsEndpoints: [] }),
      P1: subscriptions.default({ emails: [], httpsEndpoints: [] }),
      P2: subscriptions.default({ emails: [], httpsEndpoints: [] }),
      P3: subscriptions.default({ emails: [], httpsEndpoints: [] }),
    })
    .default({ P0: { emails: [], httpsEndpoints: [] }, P1: { emails: [], httpsEndpoints: [] }, P2: { emails: [], httpsEndpoints: [] }, P3: { emails: [], httpsEndpoints: [] } }),
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

export type RawStackConfig = z.infer<typeof stackConfigSchema>;
export type RawRelease = z.infer<typeof releaseSchema>;
export type AwsRawConfig = z.infer<typeof awsSchema>;
