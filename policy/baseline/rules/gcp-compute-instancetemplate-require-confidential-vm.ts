import type { PolicyConfigSchema, ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { GcpComputeInstanceTemplate as InstanceTemplate, GcpComputeRegionInstanceTemplate as RegionInstanceTemplate } from "../../common/resource-types";
import { bool, configOf, forTypes, rec, str, type Props } from "../../common/baseline-props";

// Why (mandatory): proof-server hosts run witnesses in memory; only a Confidential VM encrypts
// it, on a machine family that supports the chosen technology (SEV: N2D, C2D; SEV_SNP: N2D;
// TDX: C3, https://cloud.google.com/confidential-computing/confidential-vm/docs/supported-configurations);
// SEV-SNP and TDX VMs cannot live-migrate, so the baseline asks TERMINATE on maintenance for every
// technology (the fleet replaces VMs rather than migrating them, one behaviour to test); shielded
// VM (secure boot, vTPM, integrity monitoring) measures the boot chain. vTPM and integrity
// monitoring default to on (https://cloud.google.com/compute/shielded-vm/docs/shielded-vm), secure
// boot to off.

const DEFAULT_FAMILIES: Readonly<Record<string, readonly string[]>> = { SEV: ["n2d", "c2d"], SEV_SNP: ["n2d"], TDX: ["c3"] };

const CONFIG: PolicyConfigSchema = {
  properties: {
    families: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" } },
      default: { SEV: ["n2d", "c2d"], SEV_SNP: ["n2d"], TDX: ["c3"] },
      description: "Machine families allowed per confidentialInstanceType.",
    },
  },
};

/** The machine family of "n2d-standard-8" or a machine type URL. */
function familyOf(machineType: string): string {
  return (machineType.split("/").pop() ?? machineType).split("-")[0]!;
}

function check(props: Props, families: Readonly<Record<string, readonly string[]>>, report: ReportViolation): void {
  const cc = rec(props["confidentialInstanceConfig"]);
  const declared = str(cc?.["confidentialInstanceType"]);
  // enableConfidentialCompute alone means SEV (the provider's documented meaning).
  const technology = declared ?? (bool(cc?.["enableConfidentialCompute"]) === true ? "SEV" : undefined);
  const machineType = str(props["machineType"]) ?? "";
  if (technology === undefined) report("confidentialInstanceConfig is off: the VM's memory is not encrypted; set confidentialInstanceType (SEV, SEV_SNP or TDX)");
  else {
    const allowed = families[technology] ?? [];
    const family = familyOf(machineType);
    if (!allowed.includes(family)) report(`machine type ${machineType || "(unset)"} (family ${family || "?"}) does not run ${technology}; use ${allowed.length > 0 ? allowed.join(", ") : "a technology with configured families"}`);
  }
  const onMaintenance = str(rec(props["scheduling"])?.["onHostMaintenance"]);
  if (onMaintenance !== "TERMINATE") report(`scheduling.onHostMaintenance is ${onMaintenance ?? "unset (MIGRATE)"}; Confidential VMs need TERMINATE`);
  const shielded = rec(props["shieldedInstanceConfig"]);
  const missing = [
    bool(shielded?.["enableSecureBoot"]) !== true ? "enableSecureBoot" : undefined,
    bool(shielded?.["enableVtpm"]) === false ? "enableVtpm" : undefined,
    bool(shielded?.["enableIntegrityMonitoring"]) === false ? "enableIntegrityMonitoring" : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) report(`shieldedInstanceConfig lacks ${missing.join(", ")}`);
}

export const gcpComputeInstanceTemplateRequireConfidentialVm: ResourceValidationPolicy = {
  name: "gcp-compute-instancetemplate-require-confidential-vm",
  description: "Instance templates are Confidential VMs on a machine family matching the technology, terminate on host maintenance, and are shielded (secure boot, vTPM, integrity monitoring).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: 'Set confidentialInstanceConfig { confidentialInstanceType: "SEV" } with an n2d/c2d machine type (TDX: c3), scheduling { onHostMaintenance: "TERMINATE" } and shieldedInstanceConfig { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true }.',
  configSchema: CONFIG,
  validateResource: forTypes([
    [InstanceTemplate, (props, args, report) => check(props, configOf(args, { families: DEFAULT_FAMILIES }).families, report)],
    [RegionInstanceTemplate, (props, args, report) => check(props, configOf(args, { families: DEFAULT_FAMILIES }).families, report)],
  ]),
};
