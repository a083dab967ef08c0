/** Minimal IPv4 CIDR arithmetic for carving subnets out of a VPC range. */

function toInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The `index`-th subnet of size `/newPrefix` inside `cidr`; throws when it does not fit. */
export function subnetCidr(cidr: string, newPrefix: number, index: number): string {
  const [ip, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  if (!ip || !Number.isInteger(prefix) || newPrefix < prefix || newPrefix > 28) {
    throw new Error(`cannot carve a /${newPrefix} out of ${cidr}`);
  }
  const count = 2 ** (newPrefix - prefix);
  if (index < 0 || index >= count) throw new Error(`${cidr} holds ${count} /${newPrefix} subnets; index ${index} does not fit`);
  const base = toInt(ip) - (toInt(ip) % 2 ** (32 - prefix));
  return `${toIp(base + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}
