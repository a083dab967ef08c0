/**
 * The sizes that exist in each family the stacks accept, so a size that does not exist is refused
 * when config is read, not by the cloud in the middle of `pulumi up`. Sources (docs/environments.md):
 *
 * - AWS, x86_64 enclave families (sizing.ts): the instance type specifications,
 *   https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (m), co.html (c), mo.html (r).
 * - GCP, the Confidential Space families: https://cloud.google.com/compute/docs/general-purpose-machines
 *   (n2d, c3) and https://cloud.google.com/compute/docs/compute-optimized-machines (c2d).
 * - Azure, the confidential VM series: https://learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/dcasv5-series
 *   and its siblings (dcadsv5, dcesv5, dcedsv5, ecasv5, ecadsv5, ecesv5, ecedsv5, and the v6 pages).
 */

/** `xlarge` multiples (N in `Nxlarge`, 1 for `xlarge`) each AWS enclave family offers; large and metal are refused elsewhere. */
const COMMON_6 = [1, 2, 4, 8, 12, 16, 24, 32];
const GEN7_INTEL = [1, 2, 4, 8, 12, 16, 24, 48];
const AMD_48 = [1, 2, 4, 8, 12, 16, 24, 32, 48];
const GEN5 = [1, 2, 4, 8, 12, 16, 24];
export const AWS_XLARGE_MULTIPLES: Readonly<Record<string, readonly number[]>> = {
  m5: GEN5, m5a: GEN5, m5n: GEN5, m6i: COMMON_6, m6a: AMD_48, m6in: COMMON_6, m7i: GEN7_INTEL, m7a: AMD_48,
  c5: [1, 2, 4, 9, 12, 18, 24], c5a: GEN5, c5n: [1, 2, 4, 9, 18], c6i: COMMON_6, c6a: AMD_48, c6in: COMMON_6, c7i: GEN7_INTEL, c7a: AMD_48,
  r5: GEN5, r5a: GEN5, r5n: GEN5, r6i: COMMON_6, r6a: AMD_48, r6in: COMMON_6, r7i: GEN7_INTEL, r7a: AMD_48,
};

/** Why an enclave-capable `family.Nxlarge` does not exist, or undefined. Run after nitroInstanceShape accepted the type. */
export function awsSizeProblem(instanceType: string): string | undefined {
  const [family, size] = instanceType.split(".");
  const multiples = family ? AWS_XLARGE_MULTIPLES[family] : undefined;
  const m = /^(\d*)xlarge$/.exec(size ?? "");
  if (!multiples || !m) return undefined;
  const n = Number(m[1] || "1");
  if (multiples.includes(n)) return undefined;
  return `${instanceType} does not exist: ${family} comes in ${multiples.map((k) => `${k === 1 ? "" : k}xlarge`).join(", ")}`;
}

/** vCPU counts per GCP machine family and shape (standard / highmem / highcpu). */
const N2D = [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224];
const N2D_HIGHMEM = [2, 4, 8, 16, 32, 48, 64, 80, 96];
const C2D = [2, 4, 8, 16, 32, 56, 112];
const C3 = [4, 8, 22, 44, 88, 176];
export const GCP_MACHINE_SIZES: Readonly<Record<string, readonly number[]>> = {
  "n2d-standard": N2D, "n2d-highcpu": N2D, "n2d-highmem": N2D_HIGHMEM,
  "c2d-standard": C2D, "c2d-highcpu": C2D, "c2d-highmem": C2D,
  "c3-standard": C3, "c3-highcpu": C3, "c3-highmem": C3,
};

/** Why a GCP machine type of an accepted family does not exist, or undefined. */
export function gcpMachineTypeProblem(machineType: string): string | undefined {
  const m = /^([a-z0-9]+-[a-z]+)-(\d+)$/.exec(machineType);
  if (!m) return undefined;
  const sizes = GCP_MACHINE_SIZES[m[1]!];
  if (!sizes) {
    const family = m[1]!.split("-")[0]!;
    const shapes = Object.keys(GCP_MACHINE_SIZES).filter((k) => k.startsWith(`${family}-`));
    return shapes.length > 0 ? `${machineType} is not a machine shape this family offers for Confidential VMs (${shapes.join(", ")})` : undefined;
  }
  if (sizes.includes(Number(m[2]))) return undefined;
  return `${machineType} does not exist: ${m[1]} comes with ${sizes.join(", ")} vCPUs`;
}

/** vCPU counts per Azure confidential VM series (the family as azureConfidentialSize names it). */
const DC_V5 = [2, 4, 8, 16, 32, 48, 64, 96];
export const AZURE_SERIES_SIZES: Readonly<Record<string, readonly number[]>> = {
  DCasv5: DC_V5, DCadsv5: DC_V5, DCesv5: DC_V5, DCedsv5: DC_V5,
  ECasv5: [2, 4, 8, 16, 20, 32, 48, 64, 96], ECadsv5: [2, 4, 8, 16, 20, 32, 48, 64, 96],
  ECesv5: [2, 4, 8, 16, 32, 48, 64, 128], ECedsv5: [2, 4, 8, 16, 32, 48, 64, 128],
  DCasv6: DC_V5, DCadsv6: DC_V5, ECasv6: DC_V5, ECadsv6: DC_V5,
  DCesv6: [...DC_V5, 128], DCedsv6: [...DC_V5, 128], ECesv6: [...DC_V5, 128], ECedsv6: [...DC_V5, 128],
};

/** Why an Azure confidential size (already recognised by its pattern) does not exist, or undefined. */
export function azureSizeProblem(vmSize: string, family: string, vcpus: number, isolated: boolean): string | undefined {
  const sizes = AZURE_SERIES_SIZES[family];
  if (!sizes) return `${vmSize}: ${family} is not a confidential VM series Azure offers`;
  // The isolated sizes ("i") are the largest of the EC series only (e.g. Standard_EC96ias_v5).
  if (isolated) return family.startsWith("EC") && vcpus === Math.max(...sizes) ? undefined : `${vmSize} does not exist: only the largest ${family} size comes isolated`;
  if (sizes.includes(vcpus)) return undefined;
  return `${vmSize} does not exist: ${family} comes with ${sizes.join(", ")} vCPUs`;
}
