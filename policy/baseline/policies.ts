import type { Policies } from "@pulumi/policy";

// The baseline pack's rules, one module per rule under rules/ (policy/README.md). The offline
// plan (src/policy/packs.ts) and the real pack (index.ts) both read this array.
export const baselinePolicies: Policies = [];
