import type { PolicyConfigSchema } from "@pulumi/policy";

// What the proof server answers health checks on: GET /health on its port (200, or 429 when
// busy). Teams with another port or path set them in the rule's config.

export const HEALTH_CONFIG: PolicyConfigSchema = {
  properties: {
    port: { type: "integer", minimum: 1, maximum: 65535, default: 6300, description: "The proof server's port." },
    path: { type: "string", default: "/health", description: "The proof server's health path." },
  },
};

export const HEALTH_DEFAULTS = { port: 6300, path: "/health" };
