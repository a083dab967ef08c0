import v631 from "../../releases/pcr-measurements.v6.3.1.json";
import { nitroManifestSchema, type NitroManifest } from "../attestation/manifest";

/**
 * A release of the proof server whose published artifacts this package knows: the PCR manifest its
 * maintainers publish, and the facts about the artifact the manifest cannot carry. A release whose
 * manifest matches one of these (by PCR0, the image itself) takes these facts; any other release
 * must state them.
 */
export interface KnownRelease {
  /** Release version, e.g. v6.3.1. */
  readonly version: string;
  /** The published PCR manifest, exactly as released (pass it as `releases[].manifest`). */
  readonly manifest: NitroManifest;
  /** Where the manifest was published, for people who check it against the source. */
  readonly manifestSource: string;
  /**
   * Whether the published EIF serves HTTPS itself. The v6.3.1 EIF runs the server with TLS and
   * authentication disabled: plain HTTP on vsock 6300 (docs/proof-server.md).
   */
  readonly eifServesTls: boolean;
}

function known(version: string, manifest: unknown, facts: Omit<KnownRelease, "version" | "manifest">): KnownRelease {
  // Parsed, not cast: a corrupt copy in the package fails at import, not at a user's deploy.
  const parsed = nitroManifestSchema.parse(manifest);
  if (parsed.version !== version) throw new Error(`known release ${version}: its manifest says ${parsed.version}`);
  return { version, manifest: parsed, ...facts };
}

/**
 * The published releases this package knows, by version: `releases: [{ manifest:
 * knownReleases["v6.3.1"].manifest, eif: { s3Uri } }]` pins v6.3.1 without a file and without
 * restating whether its EIF serves TLS.
 *
 * Confidential Space releases are not here: no published image digest of the proof server has
 * been verified for this package, so a GCP release states its image, ports and launch policy.
 */
export const knownReleases = {
  "v6.3.1": known("v6.3.1", v631, {
    manifestSource: "https://docs.midnight.network/proof-server/attestation-verification (pcr-measurements.v6.3.1.json, published 2026-01-07 by the Midnight Foundation)",
    eifServesTls: false,
  }),
} as const satisfies Record<string, KnownRelease>;

export type KnownReleaseVersion = keyof typeof knownReleases;

/** The known release with this PCR0 (the image digest), if any. */
export function knownReleaseByPcr0(pcr0: string): KnownRelease | undefined {
  const value = pcr0.toLowerCase();
  return Object.values(knownReleases).find((r) => r.manifest.measurements.pcr0.value === value);
}
