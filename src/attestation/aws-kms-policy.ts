/**
 * AWS KMS key policy that releases the proof server's secrets only to an attested Nitro Enclave
 * (docs/ingress-and-attestation.md, "AWS Nitro: the KMS key policy").
 *
 * The key policy is the whole authorisation story for this key:
 * - there is no statement for the account root and no `"*"` principal, so IAM policies in the
 *   account cannot grant anything on the key (KMS only honours IAM policies when the key policy
 *   delegates to the account);
 * - the host role is named directly, so it needs no IAM identity policy for KMS. We deliberately
 *   export no identity statements for it; an identity policy granting kms:Decrypt would be dead
 *   weight here, and on a key that did delegate to the root it would be a bypass;
 * - the administrators can manage the key and encrypt to it, never decrypt or delegate;
 * - the decrypt condition pins, besides the release's PCRs, PCR3: the parent instance's IAM role,
 *   so the public EIF decrypts only under a parent holding our host role
 *   (docs/aws-host-privilege-and-parent-identity.md).
 *
 * Residual trust: an administrator can still rewrite the policy (kms:PutKeyPolicy). That is the
 * governed change path (Pulumi + the policy pack + CloudTrail), not a silent one.
 */
import { createHash } from "node:crypto";
import {
  ALL_ZERO_SHA384,
  SHA384_HEX,
  enforcedPcrs,
  pinnedPcrIndices,
  type NitroPcrIndex,
  type NitroReleasePins,
} from "./pins";

export interface KmsPolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal: { AWS: string | string[] };
  Action: string | string[];
  /** In a key policy `"*"` means "this key". */
  Resource: "*";
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface KmsPolicyDocument {
  Version: "2012-10-17";
  Statement: KmsPolicyStatement[];
}

export interface NitroKmsKeyPolicyInput {
  /** AWS partition + account of the key, e.g. "aws", "123456789012". */
  partition: string;
  accountId: string;
  /** IAM role ARN of the enclave host (parent instance role) — the only decrypter. */
  hostRoleArn: string;
  /**
   * Principals that administer the key (the deploying role must be among them, or Pulumi cannot
   * update the key and AWS's lockout check refuses the policy).
   */
  keyAdministratorArns: string[];
  /** Releases accepted now; two during a rotation. */
  releases: NitroReleasePins[];
  /**
   * true: every decrypt statement also requires PCR3, the measurement of the parent instance's IAM
   * role (`nitroParentRolePcr3(hostRoleArn)`), so only an enclave whose parent runs with this very
   * role can decrypt. false only when the stack says why (`aws.pinParentRole`).
   */
  pinParentRole: boolean;
}

/**
 * A Nitro PCR extended once from its all-zero reset value: SHA-384(48 zero bytes || data). This is
 * how the Nitro Hypervisor fills PCR3 (the parent's IAM role ARN) and PCR4 (the parent's instance
 * id); AWS shows the computation and a worked value in "Where to get an enclave's measurements"
 * (https://docs.aws.amazon.com/enclaves/latest/user/set-up-attestation.html#where). Checked in
 * the tests against that worked value and against PCR4 of real attestation documents.
 */
export function nitroPcrExtendFromZero(data: string): string {
  return createHash("sha384").update(Buffer.alloc(48)).update(data, "utf8").digest("hex");
}

/**
 * PCR3 of an enclave whose parent instance has an instance profile holding this role: the role's
 * ARN exactly as IAM prints it (`arn:<partition>:iam::<account>:role/<path><name>`), not the
 * instance profile's ARN and not the assumed-role session ARN. A parent without an instance
 * profile reports an all-zero PCR3.
 */
export function nitroParentRolePcr3(roleArn: string): string {
  return nitroPcrExtendFromZero(roleArn);
}

/**
 * Actions that reveal plaintext or delegate the power to obtain it, so nobody but the attested
 * enclave may hold them (and the enclave only under an attestation condition). Concrete names,
 * not patterns, so a checker can test any statement's action patterns against each of them.
 * - Decrypt / ReEncryptFrom / ReEncryptTo / GenerateDataKey*: plaintext or re-wrapping of it.
 * - CreateGrant: a grant is a second authorisation path that ignores the key policy's conditions.
 * - ReplicateKey: creates a multi-Region replica with the same key material and a new, unconstrained
 *   key policy, which would then decrypt our ciphertexts.
 */
export const FORBIDDEN_NON_ENCLAVE_KMS_ACTIONS = [
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext",
  "kms:CreateGrant",
  "kms:ReplicateKey",
] as const;

/**
 * What key administrators get. This is AWS's default key-administrator list (Create*, Describe*,
 * Enable*, List*, Put*, Update*, Revoke*, Disable*, Get*, Delete*, TagResource, UntagResource,
 * ScheduleKeyDeletion, CancelKeyDeletion, RotateKeyOnDemand) expanded into exact actions, because
 * `kms:Create*` matches kms:CreateGrant and a future action could match any other wildcard.
 * Only actions authorised against a key resource are listed; account-level ones (CreateKey,
 * ListKeys, ListAliases, DescribeCustomKeyStores...) have no effect in a key policy.
 * kms:Encrypt lets operators seal secrets for the enclave; it never returns plaintext.
 */
export const KMS_KEY_ADMIN_ACTIONS = [
  "kms:CreateAlias",
  "kms:DescribeKey",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
  "kms:UpdatePrimaryRegion",
  "kms:RevokeGrant",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:GetPublicKey",
  "kms:GetParametersForImport",
  "kms:DeleteAlias",
  "kms:DeleteImportedKeyMaterial",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
  "kms:Encrypt",
] as const;

export const KEY_ADMIN_SID = "KeyAdministration";

/** Condition key KMS fills from the enclave's attestation document (`Recipient` parameter). */
export function recipientAttestationPcrKey(index: NitroPcrIndex | 3): string {
  return `kms:RecipientAttestation:PCR${index}`;
}

/**
 * Sid of a release's decrypt statement. IAM's Sid rule is ^[A-Za-z0-9]*$ (KMS also allows spaces);
 * we keep to the stricter rule so linters and Access Analyzer accept the document, which means
 * dropping the dots: v6.3.1 -> AllowEnclaveDecryptV631.
 */
export function enclaveDecryptSid(version: string): string {
  const alnum = version.replace(/[^A-Za-z0-9]/g, "");
  return `AllowEnclaveDecrypt${alnum.charAt(0).toUpperCase()}${alnum.slice(1)}`;
}

export function buildNitroKmsKeyPolicy(input: NitroKmsKeyPolicyInput): KmsPolicyDocument {
  validateAccount(input.partition, input.accountId);
  const hostRoleArn = validatePrincipalArn(input, input.hostRoleArn, "hostRoleArn", ["role"]);

  if (input.keyAdministratorArns.length === 0) {
    throw new Error(
      "keyAdministratorArns is empty: the key would be unmanageable, and AWS's lockout safety check " +
        "refuses a policy that does not let the deploying role call kms:PutKeyPolicy",
    );
  }
  const admins = [
    ...new Set(
      input.keyAdministratorArns.map((arn, i) =>
        validatePrincipalArn(input, arn, `keyAdministratorArns[${i}]`, ["role", "user"]),
      ),
    ),
  ];
  if (admins.includes(hostRoleArn)) {
    throw new Error(
      `keyAdministratorArns contains the host role ${hostRoleArn}: the parent instance is outside the ` +
        "enclave's trust boundary, and kms:PutKeyPolicy would let it drop the attestation condition",
    );
  }

  // PCR3 ties the attestation to this deployment: the EIF is public, so PCR0-2 alone are met by the
  // same release running under any parent, in any account, including one that holds credentials
  // stolen from our hosts. No other account can put our role in an instance profile.
  const parentRole: Array<[string, string]> = input.pinParentRole
    ? [[recipientAttestationPcrKey(3), nitroParentRolePcr3(hostRoleArn)]]
    : [];
  const decryptStatements = validateReleases(input.releases).map(
    ({ release, sid }): KmsPolicyStatement => ({
      Sid: sid,
      Effect: "Allow",
      Principal: { AWS: hostRoleArn },
      Action: "kms:Decrypt",
      Resource: "*",
      // One condition block per release: PCRs of different releases never mix.
      Condition: {
        StringEqualsIgnoreCase: Object.fromEntries([
          ...enforcedPcrs(release).map(({ index, value }): [string, string] => [recipientAttestationPcrKey(index), value]),
          ...parentRole,
        ]),
      },
    }),
  );

  return {
    Version: "2012-10-17",
    Statement: [
      ...decryptStatements,
      {
        Sid: KEY_ADMIN_SID,
        Effect: "Allow",
        Principal: { AWS: admins.length === 1 ? admins[0]! : admins },
        Action: [...KMS_KEY_ADMIN_ACTIONS],
        Resource: "*",
      },
    ],
  };
}

function validateAccount(partition: string, accountId: string): void {
  if (!/^aws(-[a-z]+)*$/.test(partition)) {
    throw new Error(`partition "${partition}" is not an AWS partition (aws, aws-cn, aws-us-gov, ...)`);
  }
  if (!/^\d{12}$/.test(accountId)) {
    throw new Error(`accountId "${accountId}" must be 12 digits`);
  }
}

const IAM_NAME = "[\\w+=,.@-]+";
const IAM_PRINCIPAL_ARN = new RegExp(`^arn:([^:]+):iam::(\\d{12}):(role|user)/(?:${IAM_NAME}/)*${IAM_NAME}$`);

function validatePrincipalArn(
  input: NitroKmsKeyPolicyInput,
  arn: string,
  field: string,
  kinds: ReadonlyArray<"role" | "user">,
): string {
  const expected = kinds.map((k) => `arn:${input.partition}:iam::${input.accountId}:${k}/NAME`).join(" or ");
  if (arn.includes("*") || arn.includes("?")) {
    throw new Error(
      `${field} "${arn}" is a wildcard principal: anyone it matches could use the key, which opens a ` +
        `path around attestation; name the principal exactly (${expected})`,
    );
  }
  if (/^arn:[^:]+:iam::\d{12}:root$/.test(arn) || /^\d{12}$/.test(arn)) {
    throw new Error(
      `${field} "${arn}" is the account root: a key policy statement for the root delegates to every ` +
        `IAM policy in the account and so opens a path around attestation; name a role (${expected})`,
    );
  }
  const match = IAM_PRINCIPAL_ARN.exec(arn);
  if (!match) {
    throw new Error(`${field} "${arn}" is not an IAM ${kinds.join("/")} ARN (${expected})`);
  }
  const [, partition, accountId, kind] = match;
  if (!(kinds as readonly string[]).includes(kind!)) {
    throw new Error(`${field} "${arn}" must be an IAM ${kinds.join(" or ")} ARN (${expected})`);
  }
  if (partition !== input.partition || accountId !== input.accountId) {
    throw new Error(
      `${field} "${arn}" is not in the key's partition/account (${input.partition}/${input.accountId}); ` +
        "this policy only names principals of the key's own account",
    );
  }
  return arn;
}

function validateReleases(releases: NitroReleasePins[]): Array<{ release: NitroReleasePins; sid: string }> {
  if (releases.length === 0) {
    throw new Error("releases is empty: no enclave could ever decrypt; pin at least one release");
  }
  if (releases.length > 2) {
    throw new Error(
      `releases lists ${releases.length} releases (${releases.map((r) => r.version).join(", ")}); at most two ` +
        "are accepted at once (the running one and the next during a rotation) — drop the old release",
    );
  }
  const sids = new Map<string, string>();
  return releases.map((release) => {
    const where = `release "${release.version}"`;
    if (release.version.trim() === "") throw new Error("a release has an empty version");
    for (const index of [0, 1, 2] as const) {
      if (release.pcrs[index] === undefined) {
        throw new Error(`${where} has no PCR${index}; PCR0, PCR1 and PCR2 are always pinned`);
      }
    }
    for (const index of pinnedPcrIndices(release)) {
      const expected = release.pcrs[index]!.expected;
      if (!SHA384_HEX.test(expected)) {
        throw new Error(
          `${where} PCR${index} "${expected}" is malformed: must be 96 lowercase hex characters (SHA-384)`,
        );
      }
      if (expected === ALL_ZERO_SHA384) {
        throw new Error(
          `${where} PCR${index} is all zeros, which is what a debug-mode enclave reports; it must never be pinned`,
        );
      }
    }
    if (enforcedPcrs(release).length === 0) {
      throw new Error(
        `${where} enforces no PCR (all are warnOnly): the condition would be empty and any enclave, ` +
          "or no enclave at all, could decrypt",
      );
    }
    if (release.pcrs[0].warnOnly) {
      throw new Error(
        `${where} marks PCR0 warnOnly: PCR0 measures the enclave image itself, so without it any image ` +
          "(including one with a different program) could decrypt; PCR0 must be enforced",
      );
    }
    const sid = enclaveDecryptSid(release.version);
    const clash = sids.get(sid);
    if (clash !== undefined) {
      throw new Error(
        clash === release.version
          ? `release "${release.version}" is listed twice`
          : `releases "${clash}" and "${release.version}" both map to statement id ${sid}; rename one`,
      );
    }
    sids.set(sid, release.version);
    return { release, sid };
  });
}
