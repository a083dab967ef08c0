/**
 * Judges a KMS key policy by simulating requests against it with @cloud-copilot/iam-simulate (the
 * same evaluator test/attestation/aws-kms-policy.test.ts drives), never by matching strings: a
 * wildcard, a `StringLike`, an `...IfExists` operator or an all-zero pin is caught because the
 * simulator ALLOWS a request it should refuse.
 *
 * KMS fills `kms:RecipientAttestation:PCR<n>` / `ImageSha384` from the enclave's signed attestation
 * document, and only when the request carries one (the `Recipient` parameter); a request without
 * it has no such keys, which is why `...IfExists` lets it through
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-nitro-enclave.html, which also
 * lists the operations they guard). A debug enclave's document carries all-zero PCRs
 * (https://docs.aws.amazon.com/enclaves/latest/user/cmd-nitro-run-enclave.html, `--debug-mode`).
 * A grant is a second authorisation path whose grantee is not bound by the key policy's
 * conditions (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html), and a key policy
 * statement for the account root lets IAM identity policies grant the key
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 */
import type { SimulationIdentityPolicy } from "@cloud-copilot/iam-simulate";

/** Actions that return plaintext or re-wrap it: the ones an attestation condition must guard. */
export const ATTESTED_KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:DeriveSharedSecret", "kms:ReEncryptFrom"] as const;

export const SHA384_HEX = /^[0-9a-fA-F]{96}$/;
export const ALL_ZERO_SHA384 = "0".repeat(96);
const ATTESTATION_KEY = /^kms:RecipientAttestation:(PCR(\d+)|ImageSha384)$/i;

export interface KmsStatement {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Condition?: unknown;
}

export type ParsedKeyPolicy = { readonly ok: true; readonly statements: readonly KmsStatement[]; readonly document: Record<string, unknown> } | { readonly ok: false; readonly error: string };

export function parseKeyPolicy(policy: unknown): ParsedKeyPolicy {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch (e) {
      return { ok: false, error: `is not valid JSON (${(e as Error).message})` };
    }
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) return { ok: false, error: "is not a JSON object" };
  const raw = (document as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (!statements.every((s) => typeof s === "object" && s !== null)) return { ok: false, error: "has a Statement that is not an object" };
  return { ok: true, statements: statements as KmsStatement[], document: document as Record<string, unknown> };
}

const list = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** Principals named by a statement: AWS ARNs / account ids, and "*" for `Principal: "*"`. */
export function statementPrincipals(s: KmsStatement): string[] {
  if (s.Principal === "*") return ["*"];
  if (typeof s.Principal === "object" && s.Principal !== null) return list((s.Principal as { AWS?: unknown }).AWS);
  return [];
}

export const isRoleArn = (p: string): boolean => /^arn:[a-z-]+:iam::\d{12}:role\/.+/.test(p);

/** Attestation condition values of a statement: the "release" it pins, as a request context. */
export function pinnedAttestation(s: KmsStatement): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof s.Condition !== "object" || s.Condition === null) return out;
  for (const [operator, entries] of Object.entries(s.Condition as Record<string, unknown>)) {
    // Every positive string operator, StringLike and ...IfExists included: a wildcard pattern is
    // replayed as some digest it matches, so the simulator shows what the pattern lets through.
    if (!/^(ForAnyValue:|ForAllValues:)?String(Equals|EqualsIgnoreCase|Like)(IfExists)?$/i.test(operator) || typeof entries !== "object" || entries === null) continue;
    for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
      const first = list(value)[0];
      if (first !== undefined && ATTESTATION_KEY.test(key)) out[canonicalKey(key)] = SHA384_HEX.test(first) ? first : otherDigest(undefined);
    }
  }
  return out;
}

/** Every attestation condition value a statement names, with its operator (for structure checks). */
export function attestationConditions(s: KmsStatement): Array<{ operator: string; key: string; value: string }> {
  if (typeof s.Condition !== "object" || s.Condition === null) return [];
  return Object.entries(s.Condition as Record<string, unknown>).flatMap(([operator, entries]) =>
    typeof entries === "object" && entries !== null ? Object.entries(entries as Record<string, unknown>).flatMap(([key, value]) => (ATTESTATION_KEY.test(key) ? list(value).map((v) => ({ operator, key: canonicalKey(key), value: v })) : [])) : [],
  );
}

function canonicalKey(key: string): string {
  const m = ATTESTATION_KEY.exec(key);
  if (!m) return key;
  return m[2] !== undefined ? `kms:RecipientAttestation:PCR${m[2]}` : "kms:RecipientAttestation:ImageSha384";
}

export const pcrKey = (index: number): string => `kms:RecipientAttestation:PCR${index}`;
export const IMAGE_KEY = "kms:RecipientAttestation:ImageSha384";

/** A different, well-formed SHA-384 value than `value` (what a different image measures). */
export function otherDigest(value: string | undefined): string {
  const a = "ab".repeat(48);
  return value?.toLowerCase() === a ? "cd".repeat(48) : a;
}

/** The account a policy's principals live in (the key's account); a placeholder if none is named. */
export function policyAccount(statements: readonly KmsStatement[]): string {
  for (const s of statements) {
    for (const p of statementPrincipals(s)) {
      const m = /^arn:[a-z-]+:iam::(\d{12}):/.exec(p) ?? /^(\d{12})$/.exec(p);
      if (m) return m[1]!;
    }
  }
  return "123456789012";
}

export const ADMINISTRATOR_ACCESS: SimulationIdentityPolicy = {
  name: "AdministratorAccess",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

/** The simulator refused the policy document itself (IAM would too). */
export class SimulationRefused extends Error {}

/** Is `action` by `principal` with `context` allowed by the key policy (plus identity policies)? */
export async function allowed(document: Record<string, unknown>, account: string, principal: string, action: string, context: Record<string, string>, identityPolicies: SimulationIdentityPolicy[] = []): Promise<boolean> {
  // Loaded with the first key policy to simulate: GCP and Azure stacks have none (~50 ms of a plan).
  const { runSimulation } = await import("@cloud-copilot/iam-simulate");
  const response = await runSimulation(
    {
      request: { principal, action, resource: { resource: `arn:aws:kms:us-east-1:${account}:key/00000000-0000-4000-8000-000000000000`, accountId: account }, contextVariables: context },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: document,
    },
    { simulationMode: "Strict" },
  );
  if (response.resultType === "error") throw new SimulationRefused(JSON.stringify(response.errors).slice(0, 300));
  if (response.resultType !== "single") throw new Error(`iam-simulate returned a ${response.resultType} result for one key`);
  return response.overallResult === "Allowed";
}
