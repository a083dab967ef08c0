/**
 * The attestation pin model shared by every cloud (docs/ingress-and-attestation.md, "Attestation").
 *
 * A pin set says what may run. It feeds the enforcement points (AWS KMS key policy, GCP Workload
 * Identity condition, Azure key release policy), the host bootstrap (which refuses to start an
 * image whose measurements differ) and the offline plan.
 */

/** Nitro PCR indices we pin. PCR8 (EIF signing certificate) only when the release is signed. */
export type NitroPcrIndex = 0 | 1 | 2 | 8;

/** One pinned PCR, after Constellation's `{ expected, warnOnly }` measurement model. */
export interface PcrPin {
  /** 96 lowercase hex characters (SHA-384). */
  readonly expected: string;
  /**
   * true: a mismatch is reported but not enforced. The PCR is then left out of the KMS
   * condition, and the plan lists it so a reviewer sees the weaker pinning.
   */
  readonly warnOnly: boolean;
}

/** The measurements of one AWS Nitro release (one EIF). */
export interface NitroReleasePins {
  /** Release version from the manifest, e.g. `v6.3.1`. */
  readonly version: string;
  /** PCRs by index; 0, 1 and 2 are always present, 8 only for signed EIFs. */
  readonly pcrs: Readonly<Partial<Record<NitroPcrIndex, PcrPin>>> & {
    readonly 0: PcrPin;
    readonly 1: PcrPin;
    readonly 2: PcrPin;
  };
}

export const SHA384_HEX = /^[0-9a-f]{96}$/;

/**
 * SHA-256 fingerprint of the DER of the AWS Nitro Enclaves Root G1 certificate, as AWS publishes
 * it on https://docs.aws.amazon.com/enclaves/latest/user/verify-root.html (the certificate itself
 * is in https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip; a copy is in
 * test/fixtures/nitro-attestation/). Valid 2019-10-28 to 2049-10-28. Pinned by `npm run verify`
 * and by the host agent's verifier alike.
 */
export const AWS_NITRO_ROOT_G1_SHA256 = "641A0321A3E244EFE456463195D606317ED7CDCC3C1756E09893F3C68F79BB5B";

/**
 * How far a live attestation document's timestamp may be from the checking machine's clock. The
 * nonce already proves freshness; a larger gap means one of the clocks is wrong.
 */
export const NITRO_DOCUMENT_MAX_SKEW_MS = 5 * 60 * 1000;
export const ALL_ZERO_SHA384 = "0".repeat(96);

/** PCR indices of a release in ascending order. */
export function pinnedPcrIndices(release: NitroReleasePins): NitroPcrIndex[] {
  return ([0, 1, 2, 8] as const).filter((i) => release.pcrs[i] !== undefined);
}

/** The PCRs a policy must enforce: every pinned PCR that is not warnOnly. */
export function enforcedPcrs(release: NitroReleasePins): Array<{ index: NitroPcrIndex; value: string }> {
  return pinnedPcrIndices(release).flatMap((index) => {
    const pin = release.pcrs[index];
    return pin && !pin.warnOnly ? [{ index, value: pin.expected }] : [];
  });
}

/** The PCRs left out of enforcement, for the plan and review. */
export function warnOnlyPcrs(release: NitroReleasePins): NitroPcrIndex[] {
  return pinnedPcrIndices(release).filter((i) => release.pcrs[i]?.warnOnly === true);
}
