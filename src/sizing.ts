/**
 * Instance sizing facts the providers' types cannot check: which AWS instance types can run a
 * Nitro Enclave and how many vCPUs and how much memory they have.
 */

export interface InstanceShape {
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** Hardware threads per core: the enclave allocator hands out whole cores. */
  readonly threadsPerCore: number;
}

/** x86_64 Nitro families that support enclaves, with memory per vCPU in GiB. The published EIF is x86_64. */
const NITRO_ENCLAVE_FAMILIES: Readonly<Record<string, number>> = {
  m5: 4, m5a: 4, m5n: 4, m6i: 4, m6a: 4, m6in: 4, m7i: 4, m7a: 4,
  c5: 2, c5a: 2, c5n: 2.625, c6i: 2, c6a: 2, c6in: 2, c7i: 2, c7a: 2,
  r5: 8, r5a: 8, r5n: 8, r6i: 8, r6a: 8, r6in: 8, r7i: 8, r7a: 8,
};

/** AMD Genoa (7a) families run one thread per core; the others two. */
const ONE_THREAD_PER_CORE = new Set(["m7a", "c7a", "r7a"]);

/**
 * `Nxlarge` has 4N vCPUs on every x86_64 family here; `large` (2 vCPUs) is too small, since
 * enclave and parent need >= 4 together, and metal sizes do not run enclaves. Whether a family
 * offers a given N is left to EC2, which refuses an unknown type at launch.
 */
const SIZE = /^(\d*)xlarge$/;

export const ENCLAVE_FAMILIES = Object.keys(NITRO_ENCLAVE_FAMILIES);

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
  const match = SIZE.exec(size);
  const multiple = match ? Number(match[1] || "1") : 0;
  if (!match || multiple < 1) {
    return {
      ok: false,
      reason: `size "${size}" is too small or unknown: enclave hosts need at least 4 vCPUs (xlarge, 2xlarge, 4xlarge, ...; not large or metal)`,
    };
  }
  const vcpus = 4 * multiple;
  return { ok: true, shape: { vcpus, memoryMiB: Math.round(vcpus * gibPerVcpu * 1024), threadsPerCore: ONE_THREAD_PER_CORE.has(family) ? 1 : 2 } };
}

/** The parent instance keeps at least this many vCPUs for the forwarder, agent and OS. */
export const PARENT_MIN_VCPUS = 2;
/** ... and at least this much memory. */
export const PARENT_MIN_MEMORY_MIB = 2048;
