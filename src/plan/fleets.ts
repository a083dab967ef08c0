import type { DeclaredComponent } from "./engine";
import type { FleetInput } from "./report";

/** The fleet components the plan reviews, by type token, and their cloud. */
export const FLEET_TYPES: Readonly<Record<string, "aws" | "gcp" | "azure">> = {
  "tee-prover:aws:NitroProofServer": "aws",
  "tee-prover:gcp:ConfidentialSpaceProofServer": "gcp",
  "tee-prover:azure:ConfidentialProofServer": "azure",
};

/** A program that declared no fleet: nothing for the plan to review. */
export class NoFleetError extends Error {
  constructor(resourceCount: number) {
    super(
      `the program declared no NitroProofServer, ConfidentialSpaceProofServer or AzureConfidentialProofServer (${resourceCount} other resources): the offline plan reviews proof-server fleets and has none to review. ` +
        "Construct one (see docs/offline-plan.md), or plan this program with `pulumi preview` instead.",
    );
    this.name = "NoFleetError";
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Checks the shape the report reads, so a component from an older or foreign build fails clearly. */
function isReviewOutput(v: unknown): v is FleetInput["review"] & { environment: string; ingressMode: string } {
  if (!v || typeof v !== "object") return false;
  const r = v as Record<string, unknown>;
  const plaintext = r["plaintext"];
  return (
    typeof r["environment"] === "string" &&
    typeof r["ingressMode"] === "string" &&
    typeof r["activeRelease"] === "string" &&
    isStringArray(r["acceptedReleases"]) &&
    Array.isArray(r["unobservableAlarms"]) &&
    !!plaintext &&
    typeof plaintext === "object" &&
    "seenBy" in plaintext &&
    isStringArray(plaintext.seenBy)
  );
}

/**
 * The fleets among the components a program constructed, each with the review facts its instance
 * exposes (src/review.ts). Recognised by type token and read by shape, never by `instanceof`: a
 * program may load the components from its own copy of the package, whose classes are not ours.
 */
export function declaredFleets(components: readonly DeclaredComponent[]): FleetInput[] {
  return components.flatMap((c): FleetInput[] => {
    const cloud = FLEET_TYPES[c.type];
    if (!cloud) return [];
    const review = "review" in c.instance ? c.instance.review : undefined;
    if (!isReviewOutput(review)) {
      throw new Error(`${c.type} ${c.name} exposes no review facts the plan can read (environment, ingressMode, plaintext, releases): is it from an older tee-prover-infra than the plan?`);
    }
    return [{ component: { type: c.type, name: c.name }, cloud, environment: review.environment, ingressMode: review.ingressMode, review }];
  });
}
