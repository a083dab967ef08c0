import { GcpComputeInstanceTemplate as InstanceTemplate, GcpComputeRegionInstanceTemplate as RegionInstanceTemplate } from "../../common/resource-types";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { acceptedImageDigestsSchema } from "../../common/attestation-gcp";

// Why: the debug Confidential Space image runs SSH with root for the operator and keeps the VM up
// after the workload (https://cloud.google.com/confidential-computing/confidential-space/docs/confidential-space-images#types_of_images),
// and a container referenced by tag can change under the same template; only the production
// family with a digest-pinned container is the workload the attestation vouches for.
export const gcpComputeInstanceTemplateRequireProductionConfidentialSpace: ResourceValidationPolicy = {
  name: "gcp-compute-instancetemplate-require-production-confidential-space",
  description: "A Confidential Space instance template, global or regional (tee-image-reference metadata), boots the production confidential-space image family, never confidential-space-debug, and references the container by a pinned sha256 digest.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Boot from projects/confidential-space-images/global/images/family/confidential-space (not confidential-space-debug), and set tee-image-reference to <repository>@sha256:<digest> with a digest listed in `acceptedImageDigests`.",
  configSchema: { properties: { acceptedImageDigests: acceptedImageDigestsSchema } },
  // One validation for both template types (global and regional share the disks/metadata shape):
  // with an array of per-type validations the engine would also list the policy as notApplicable
  // (from the half that does not match) beside its verdict, and src/policy/evaluate.ts stops at it.
  validateResource: (args, report) => {
    const template = args.asType(InstanceTemplate) ?? args.asType(RegionInstanceTemplate);
    if (template === undefined) return args.notApplicable("not a compute instance template or region instance template");
    const reference: unknown = template.metadata?.["tee-image-reference"];
    if (reference === undefined) args.notApplicable("no tee-image-reference metadata: not a Confidential Space template");
    const accepted = args.getConfig<{ acceptedImageDigests?: string[] }>().acceptedImageDigests ?? [];

    const boot = (template.disks ?? []).find((d) => d.boot === true) ?? template.disks?.[0];
    const image = boot?.sourceImage;
    // The image family or a dated image of it, in Google's project; a full API URL is the same path.
    const production = /(^|\/)projects\/confidential-space-images\/global\/images\/(family\/confidential-space|confidential-space-(?!debug)[a-z0-9-]+)$/;
    if (typeof image !== "string") report("Confidential Space template has no boot disk sourceImage: it must boot the confidential-space image family");
    else if (/debug/.test(image)) report(`Confidential Space template boots the debug image ${image}: the operator gets SSH and root on the VM running the workload`);
    else if (!production.test(image)) report(`Confidential Space template boots ${image}, not the production image family projects/confidential-space-images/global/images/family/confidential-space`);

    const digest = typeof reference === "string" ? /@(sha256:[0-9a-f]{64})$/.exec(reference)?.[1] : undefined;
    if (digest === undefined) report(`tee-image-reference ${JSON.stringify(reference)} is not pinned by digest: use <repository>@sha256:<64 hex>`);
    else if (accepted.length > 0 && !accepted.includes(digest)) report(`tee-image-reference pins ${digest}, which is not an accepted digest (${accepted.join(", ")})`);
  },
};
