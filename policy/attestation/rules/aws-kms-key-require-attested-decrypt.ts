import { AwsKmsKey as Key } from "../../common/resource-types";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { ADMINISTRATOR_ACCESS, ALL_ZERO_SHA384, ATTESTED_KMS_ACTIONS, IMAGE_KEY, SHA384_HEX, SimulationRefused, allowed, attestationConditions, parseKeyPolicy, pcrKey, policyAccount } from "../../common/attestation-kms";
import { attestedGrants, exemptTag, grouped, kmsAttestationConfigSchema, namedPrincipals, readKmsConfig, withOtherPcr, type KmsAttestationConfig } from "../../common/attestation-kms-judge";

// Why: the key policy is the only thing between the proof server's secrets and anything that is
// not the attested enclave; every path to plaintext must demand the enclave's pinned measurements.
export const awsKmsKeyRequireAttestedDecrypt: ResourceValidationPolicy = {
  name: "aws-kms-key-require-attested-decrypt",
  description: "A KMS key releases plaintext (Decrypt, GenerateDataKey*, ReEncryptFrom) only to a Nitro Enclave whose attestation document carries the pinned PCRs, and nobody (root, '*', other principals, grants) has a path around that condition.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "In the key policy, grant kms:Decrypt to the enclave host role only, with a Condition StringEqualsIgnoreCase on kms:RecipientAttestation:PCR0, PCR1 and PCR2 (or ImageSha384) equal to the release's published measurements (never StringLike, wildcards, ...IfExists or all-zero values); drop statements for the account root or '*' that allow decrypt or kms:CreateGrant; never grant kms:CreateGrant to the host. Set `acceptedReleases` in the pack config to pin the measurements.",
  configSchema: kmsAttestationConfigSchema,
  validateResource: validateResourceOfType(Key, async (key, args, report) => {
    const config = readKmsConfig(args.getConfig<Partial<KmsAttestationConfig>>());
    const exempt = exemptTag(key.tags, config.exemptKeyTags);
    if (exempt !== undefined) args.notApplicable(`exempt by tag ${exempt}`);
    if (key.policy === undefined) {
      report("KMS key has no key policy: AWS applies the default one, whose account-root statement lets any IAM policy in the account grant kms:Decrypt without attestation");
      return;
    }
    const parsed = parseKeyPolicy(key.policy);
    if (!parsed.ok) {
      report(`key policy ${parsed.error}`);
      return;
    }
    try {
      for (const message of await judge(parsed.document, parsed.statements, config)) report(message);
    } catch (e) {
      if (!(e instanceof SimulationRefused)) throw e;
      report(`key policy is refused by the IAM simulator: ${e.message}`);
    }
  }),
};

const enforced = (config: KmsAttestationConfig): number[] => config.requiredPcrs.filter((i) => !config.warnOnlyPcrs.includes(i));

async function judge(document: Record<string, unknown>, statements: Parameters<typeof namedPrincipals>[0], config: KmsAttestationConfig): Promise<string[]> {
  const account = policyAccount(statements);
  const messages: string[] = [];
  const open: Array<{ principal: string; action: string; kind: string }> = [];

  // Named principals: nothing without an attestation document, and no grant path.
  for (const principal of namedPrincipals(statements)) {
    for (const action of ATTESTED_KMS_ACTIONS) if (await allowed(document, account, principal, action, {})) open.push({ principal, action, kind: "unattested" });
    if (await allowed(document, account, principal, "kms:CreateGrant", {})) open.push({ principal, action: "kms:CreateGrant", kind: "grant" });
  }
  // Principals the policy does not name: the account root, another principal of the account with
  // administrator IAM policies, a principal of another account.
  const probes: Array<[string, string]> = [
    [`arn:aws:iam::${account}:root`, "root"],
    [`arn:aws:iam::${account}:role/attestation-policy-probe`, "account"],
    ["arn:aws:iam::999999999999:role/attestation-policy-probe", "foreign"],
  ];
  for (const [principal, kind] of probes) {
    for (const action of [...ATTESTED_KMS_ACTIONS, "kms:CreateGrant"]) if (await allowed(document, account, principal, action, {}, kind === "root" ? [] : [ADMINISTRATOR_ACCESS])) open.push({ principal, action, kind });
  }
  messages.push(
    ...grouped(open, (principal, actions, kind) => {
      switch (kind) {
        case "unattested":
          return `key policy allows ${actions} to ${principal} without an attestation document`;
        case "grant":
          return `key policy allows ${actions} to ${principal}: a grant lets its grantee decrypt without the attestation condition`;
        case "root":
          return `key policy allows ${actions} to the account root (${principal}) without attestation, so any IAM policy in the account can grant it`;
        case "account":
          return `key policy lets any principal of account ${principal.split(":")[4]} with an IAM policy for it ${actions} without attestation (a '*' or root principal)`;
        default:
          return `key policy lets principals of other accounts ${actions} without attestation (a '*' principal)`;
      }
    }),
  );

  // Attested statements: replay their own pins, then break them.
  const grants = await attestedGrants(document, account, statements);
  const weak: Array<{ principal: string; action: string; kind: string }> = [];
  // A principal that may already act without any attestation needs no finer finding.
  const unattested = new Set(open.filter((f) => f.kind === "unattested").map((f) => `${f.principal} ${f.action}`));
  for (const g of grants) {
    if (unattested.has(`${g.principal} ${g.action}`)) continue;
    const zero = { ...g.context, [pcrKey(0)]: ALL_ZERO_SHA384, [pcrKey(1)]: ALL_ZERO_SHA384, [pcrKey(2)]: ALL_ZERO_SHA384, ...(g.context[IMAGE_KEY] !== undefined ? { [IMAGE_KEY]: ALL_ZERO_SHA384 } : {}) };
    if (await allowed(document, account, g.principal, g.action, zero)) weak.push({ principal: g.principal, action: g.action, kind: "debug" });
    for (const index of enforced(config)) {
      if (await allowed(document, account, g.principal, g.action, withOtherPcr(g.context, index))) weak.push({ principal: g.principal, action: g.action, kind: `pcr${index}` });
    }
    if (config.acceptedReleases.length > 0 && !matchesRelease(g.context, config)) weak.push({ principal: g.principal, action: g.action, kind: `unpinned ${g.sid}` });
  }
  messages.push(
    ...grouped(weak, (principal, actions, kind) => {
      if (kind === "debug") return `key policy allows ${actions} to ${principal} from a debug-mode enclave (all-zero PCR0, PCR1, PCR2)`;
      if (kind.startsWith("pcr")) return `key policy allows ${actions} to ${principal} whatever PCR${kind.slice(3)} is: require kms:RecipientAttestation:PCR${kind.slice(3)} with StringEqualsIgnoreCase equal to the pinned value`;
      return `key policy statement ${kind.slice("unpinned ".length)} allows ${actions} to ${principal} for measurements of no accepted release`;
    }),
  );

  // Accepted releases must actually decrypt (a pinned release that cannot is an outage).
  if (config.acceptedReleases.length > 0) {
    const decrypters = [...new Set(grants.filter((g) => g.action === "kms:Decrypt").map((g) => g.principal))];
    for (const principal of decrypters) {
      for (const release of config.acceptedReleases) {
        const contexts = grants.filter((g) => g.principal === principal && g.action === "kms:Decrypt").map((g) => ({ ...g.context, ...releaseContext(release.pcrs) }));
        let ok = false;
        for (const c of contexts) if (!ok && (await allowed(document, account, principal, "kms:Decrypt", c))) ok = true;
        if (!ok) messages.push(`key policy does not allow kms:Decrypt to ${principal} for accepted release ${release.version}`);
      }
    }
  }

  // Structure of the pins (also without configured releases): SHA-384 hex, exact-match operators.
  for (const [i, s] of statements.entries()) {
    const sid = typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : `#${i}`;
    for (const c of attestationConditions(s)) {
      if (!/^StringEquals(IgnoreCase)?$/.test(c.operator)) messages.push(`key policy statement ${sid} conditions ${c.key} with ${c.operator}: use StringEqualsIgnoreCase (no wildcards, no ...IfExists)`);
      else if (!SHA384_HEX.test(c.value)) messages.push(`key policy statement ${sid} pins ${c.key} to "${c.value}", not a SHA-384 hex digest`);
      else if (c.value === ALL_ZERO_SHA384) messages.push(`key policy statement ${sid} pins ${c.key} to all zeros (a debug-mode enclave)`);
    }
  }
  if (grants.length === 0 && namedPrincipals(statements).length > 0 && messages.length === 0 && statements.some((s) => attestationConditions(s).length > 0)) {
    messages.push("key policy has attestation conditions but the IAM simulator allows no request that meets them");
  }
  return [...new Set(messages)];
}

function releaseContext(pcrs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(pcrs).map(([i, v]) => [pcrKey(Number(i)), v]));
}

function matchesRelease(context: Record<string, string>, config: KmsAttestationConfig): boolean {
  return config.acceptedReleases.some((release) =>
    enforced(config).every((index) => {
      const expected = release.pcrs[String(index)]?.toLowerCase();
      if (expected === undefined) return true;
      const got = context[pcrKey(index)] ?? (index === 0 ? context[IMAGE_KEY] : undefined);
      return got?.toLowerCase() === expected;
    }),
  );
}
