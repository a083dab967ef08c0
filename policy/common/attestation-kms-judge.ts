/**
 * What the two KMS attestation rules share: reading their config and walking the key policy's
 * principals and attestation statements through the simulator.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { ATTESTED_KMS_ACTIONS, IMAGE_KEY, allowed, isRoleArn, otherDigest, pcrKey, pinnedAttestation, statementPrincipals, type KmsStatement } from "./attestation-kms";

export interface KmsAttestationConfig {
  /** Accepted releases: PCR index -> SHA-384 hex. Empty: structure checks only. */
  readonly acceptedReleases: ReadonlyArray<{ readonly version: string; readonly pcrs: Readonly<Record<string, string>> }>;
  /** PCRs every attested grant must pin (ImageSha384 counts as PCR0). */
  readonly requiredPcrs: readonly number[];
  /** PCRs whose mismatch is only reported (advisory rule), not enforced. */
  readonly warnOnlyPcrs: readonly number[];
  /** A key carrying any of these tags (key -> value) is not judged (e.g. a log-encryption key). */
  readonly exemptKeyTags: Readonly<Record<string, string>>;
}

export const kmsAttestationConfigSchema: PolicyConfigSchema = {
  properties: {
    acceptedReleases: {
      type: "array",
      description: "Accepted releases (two during a rotation): version and PCR index -> SHA-384 hex, e.g. {\"version\":\"v6.3.1\",\"pcrs\":{\"0\":\"7a4a...\",\"1\":\"...\",\"2\":\"...\"}}. Empty: only the structure of the pins is checked.",
      items: {
        type: "object",
        properties: { version: { type: "string" }, pcrs: { type: "object", additionalProperties: { type: "string", pattern: "^[0-9a-fA-F]{96}$" } } },
        required: ["version", "pcrs"],
      },
      default: [],
    },
    requiredPcrs: { type: "array", items: { type: "integer", minimum: 0, maximum: 31 }, description: "PCRs every attested decrypt must pin (ImageSha384 stands for PCR0).", default: [0, 1, 2] },
    warnOnlyPcrs: { type: "array", items: { type: "integer", minimum: 0, maximum: 31 }, description: "PCRs reported by the advisory rule instead of enforced.", default: [] },
    exemptKeyTags: { type: "object", additionalProperties: { type: "string" }, description: "Keys carrying one of these tags are not attestation keys (e.g. a log-encryption key).", default: {} },
  },
};

export function readKmsConfig(raw: Partial<KmsAttestationConfig>): KmsAttestationConfig {
  return { acceptedReleases: raw.acceptedReleases ?? [], requiredPcrs: raw.requiredPcrs ?? [0, 1, 2], warnOnlyPcrs: raw.warnOnlyPcrs ?? [], exemptKeyTags: raw.exemptKeyTags ?? {} };
}

export function exemptTag(tags: unknown, exempt: Readonly<Record<string, string>>): string | undefined {
  if (typeof tags !== "object" || tags === null) return undefined;
  return Object.entries(exempt).find(([k, v]) => (tags as Record<string, unknown>)[k] === v)?.[0];
}

/** IAM users and roles a statement of the policy allows something to, by name. */
export function namedPrincipals(statements: readonly KmsStatement[]): string[] {
  return [...new Set(statements.filter((s) => s.Effect === "Allow").flatMap(statementPrincipals).filter((p) => isRoleArn(p) || /^arn:[a-z-]+:iam::\d{12}:user\/.+/.test(p)))];
}

/** One attested grant the simulator confirmed: `principal` may `action` given `context`. */
export interface AttestedGrant {
  readonly principal: string;
  readonly action: string;
  readonly sid: string;
  readonly context: Record<string, string>;
}

/**
 * The statements' own pins, replayed: for each named principal and attested action, each Allow
 * statement's exact-match attestation values that the simulator confirms are allowed.
 */
export async function attestedGrants(document: Record<string, unknown>, account: string, statements: readonly KmsStatement[]): Promise<AttestedGrant[]> {
  const grants: AttestedGrant[] = [];
  for (const principal of namedPrincipals(statements)) {
    statements.forEach((s, i) => {
      if (s.Effect !== "Allow") return;
      const names = statementPrincipals(s);
      if (!names.includes(principal) && !names.includes("*")) return;
      const context = pinnedAttestation(s);
      if (Object.keys(context).length === 0) return;
      for (const action of ATTESTED_KMS_ACTIONS) grants.push({ principal, action, sid: typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : `#${i}`, context });
    });
  }
  const confirmed: AttestedGrant[] = [];
  for (const g of grants) if (await allowed(document, account, g.principal, g.action, g.context)) confirmed.push(g);
  return confirmed;
}

/** The grant's context with PCR `index` (and, for PCR0, the image digest) changed. */
export function withOtherPcr(context: Record<string, string>, index: number): Record<string, string> {
  const out = { ...context, [pcrKey(index)]: otherDigest(context[pcrKey(index)]) };
  if (index === 0 && context[IMAGE_KEY] !== undefined) out[IMAGE_KEY] = otherDigest(context[IMAGE_KEY]);
  return out;
}

/** Groups "principal: action" findings into one line per principal and kind. */
export function grouped(findings: ReadonlyArray<{ principal: string; action: string; kind: string }>, render: (principal: string, actions: string, kind: string) => string): string[] {
  const by = new Map<string, { principal: string; kind: string; actions: string[] }>();
  for (const f of findings) {
    const key = `${f.kind}\u0000${f.principal}`;
    const entry = by.get(key) ?? { principal: f.principal, kind: f.kind, actions: [] };
    if (!entry.actions.includes(f.action)) entry.actions.push(f.action);
    by.set(key, entry);
  }
  return [...by.values()].map((e) => render(e.principal, e.actions.join(", "), e.kind));
}
