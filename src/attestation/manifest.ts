import { z } from "zod";
import { ALL_ZERO_SHA384 } from "./pins";

/**
 * The PCR manifest the proof server's maintainers publish per release
 * (e.g. releases/pcr-measurements.v6.3.1.json). Unknown fields are allowed: the publisher owns
 * the format and may add documentation fields; the ones we rely on are checked strictly.
 */
const pcrValue = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => /^[0-9a-f]{96}$/.test(s), {
    message: "must be 96 hex characters (a SHA-384 digest)",
  })
  .refine((s) => s !== ALL_ZERO_SHA384, {
    message: "is all zeros, which is what a debug-mode enclave reports; a release manifest must never pin it",
  });

const pcrEntry = z.object({ value: pcrValue, description: z.string().optional() });

export const nitroManifestSchema = z.object({
  version: z.string().min(1),
  environment: z.string().optional(),
  measurements: z.object({
    hashAlgorithm: z.literal("SHA384", {
      error: "must be SHA384: Nitro PCRs are SHA-384 digests; a manifest with another algorithm cannot be pinned",
    }),
    pcr0: pcrEntry,
    pcr1: pcrEntry,
    pcr2: pcrEntry,
    pcr8: pcrEntry.optional(),
  }),
  buildInfo: z.object({
    dockerImage: z.string().optional(),
    eifFile: z.string().min(1),
    cpuCount: z.number().int().positive(),
    memoryMB: z.number().int().positive(),
    reproducible: z.boolean().optional(),
  }),
  publishedAt: z.string().optional(),
});

export type NitroManifest = z.infer<typeof nitroManifestSchema>;
