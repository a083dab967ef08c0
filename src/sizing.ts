/**
 * Instance sizing facts the providers' types cannot check: which AWS instance types can run a
 * Nitro Enclave and how many vCPUs and how much memory they have.
 */

export interface InstanceShape {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

/** x86_64 Nitro families that support enclaves, with memory per vCPU in GiB. The published EIF is x86_64. */
const NITRO_ENCLAVE_FAMILIES: Readonly<Record<string, number>> = {
  m5: 4, m5a: 4, m5n: 4, m5zn: 4, m6i: 4, m6a: 4, m6in: 4, m7i: 4, m7a: 4,
  c5: 2, c5a: 2, c5n: 2.625, c6i: 2, c6a: 2, c6in: 2, c7i: 2, c7a: 2,
  r5: 8, r5a: 8, r5n: 8, r6i: 8, r6a: 8, r6in: 8, r7i: 8, r7a: 8,
};

/** vCPUs per size suffix; `large` (2 vCPUs) is deliberately absent: enclave + parent need >= 4. */
const SIZE_VCPUS: Readonly<Record<string, number>> = {
  xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96,
};

export const ENCLAVE_FAMILIES = Object.keys(NITRO_ENCLAVE_FAMILIES);
export const ENCLAVE_SIZES = Object.keys(SIZE_VCPUS);

/** Burstable families share CPU credits and do not support enclaves. */
const BURSTABLE = /^t\d[a-z]*$/;

export type InstanceTypeVerdict =
  | { readonly ok: true; readonly shape: InstanceShape }
  | { readonly ok: false; readonly reason: string };

/** Decide whether an instance type can host a Nitro Enclave, and its shape if so. */
export function nitroInstanceShape(instanceType: string): InstanceTypeVerdict {
  const [family, size, ...rest] = instanceType.split(".");
  if (!family || !size || rest.length > 0) {
    return { ok: false, reason: `"${instanceType}" is not an instance type of the form family.size (e.g. m6i.xlarge)` };
  }
  if (BURSTABLE.test(family)) {
    return { ok: false, reason: `"${instanceType}" is burstable: burstable instances cannot run Nitro Enclaves and throttle long proofs` };
  }
  if (family.endsWith("-flex")) {
    return { ok: false, reason: `"${instanceType}" is a flex instance, which does not support Nitro Enclaves` };
  }
  const gibPerVcpu = NITRO_ENCLAVE_FAMILIES[family];
  if (gibPerVcpu === undefined) {
    return {
      ok: false,
      reason: `family "${family}" is not a supported x86_64 Nitro Enclave family (supported: ${ENCLAVE_FAMILIES.join(", ")})`,
    };
  }
  const vcpus = SIZE_VCPUS[size];
  if (vcpus === undefined) {
    return {
      ok: false,
      reason: `size "${size}" is too small or unknown: enclave hosts need at least 4 vCPUs (sizes: ${ENCLAVE_SIZES.join(", ")})`,
    };
  }
  return { ok: true, shape: { vcpus, memoryMiB: Math.round(vcpus * gibPerVcpu * 1024) } };
}

/** The parent instance keeps at least this many vCPUs for the forwarder, agent and OS (DESIGN.md section 2). */
export const PARENT_MIN_VCPUS = 2;
/** ... and at least this much memory. */
export const PARENT_MIN_MEMORY_MIB = 2048;
