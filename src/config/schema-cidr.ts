import { z } from "zod";

/**
 * An IPv4 CIDR: four octets 0-255 and a prefix 0-32, with no bits set past the prefix (AWS, GCP
 * and Azure refuse or silently renumber such a block; the reader would not get what the file says).
 */
export function ipv4Cidr(example: string) {
  return z.string().superRefine((value, ctx) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    const octets = m ? m.slice(1, 5).map(Number) : [];
    const prefix = m ? Number(m[5]) : -1;
    // A leading zero (010.66.0.0) is octal to inet_aton and decimal to others: refused as ambiguous.
    const leadingZero = m ? m.slice(1, 6).some((part) => part.length > 1 && part.startsWith("0")) : false;
    if (!m || octets.some((o) => o > 255) || prefix > 32 || leadingZero) {
      ctx.addIssue({ code: "custom", message: `must be an IPv4 CIDR such as ${example} (octets 0-255, prefix 0-32, no leading zeros)` });
      return;
    }
    const address = octets.reduce((a, o) => a * 256 + o, 0);
    const hostBits = 2 ** (32 - prefix);
    if (address % hostBits !== 0) {
      const network = address - (address % hostBits);
      const dotted = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join(".");
      ctx.addIssue({ code: "custom", message: `${value} has bits set past its /${prefix} prefix; the network is ${dotted}/${prefix}` });
    }
  });
}
