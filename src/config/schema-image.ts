import { z } from "zod";

/**
 * A container image pinned by digest: `<registry>/<path>@sha256:<64 hex>`. A tag can be moved to
 * another image, so it is refused with that reason. Shared by the GCP and Azure releases.
 */
export const imageByDigestSchema = z.string().superRefine((ref, ctx) => {
  if (/^[a-z0-9][a-z0-9.-]*(:\d+)?\/[a-z0-9._\/-]+@sha256:[0-9a-f]{64}$/.test(ref)) return;
  const tagged = /^[^@]+:[\w][\w.-]{0,127}$/.test(ref.replace(/^[^/]*\//, ""));
  ctx.addIssue({
    code: "custom",
    message: tagged
      ? `"${ref}" is referenced by tag; pin it by digest (<image>@sha256:<64 hex>), since a tag can be moved to another image`
      : `"${ref}" is not an image reference pinned by digest (<registry>/<path>@sha256:<64 hex>)`,
  });
});
