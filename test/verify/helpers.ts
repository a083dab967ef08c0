// Shared fixtures of the verify tests: the real documents and pins equal to / different from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { NitroReleasePins } from "../../src/attestation/pins";

export const FIXTURES = join(__dirname, "../fixtures/nitro-attestation");
export const fixture = (f: string): Buffer => readFileSync(join(FIXTURES, f));
export const BLOCKY_FILE = join(FIXTURES, "nitrite-blocky-2024-09-07.cbor");
export const BLOCKY_TIMESTAMP = new Date(1725719859545);
/** The production fixture's nonce: 1024 bytes of 0x01 (fixture README, section 1). */
export const BLOCKY_NONCE = Buffer.alloc(1024, 0x01);

export const BLOCKY_PCRS = {
  0: "e72a46ca80a260fb044a125442f0c7e331813bcbaf9724d9f3857758992766f2d65710a27aa94ae3949dd54e7c9fe86a",
  1: "0343b056cd8485ca7890ddd833476d78460aed2aa161548e4e26bedf321726696257d623e8805f3f605946b3d8b0c6aa",
  2: "d5dcbdea0aa39c802f9d55ced2ea6e4d74ecec5f08fe40c508882639c9090642669106a062a3e24ee2805a3024b9b75c",
} as const;
/** The published v6.3.1 manifest's PCRs (releases/pcr-measurements.v6.3.1.json). */
export const V631_PCRS = {
  0: "7a4a106361d6e434a58f63999ba1f59b662d69ee181716061904ff5bd159da139af4a2c430c3f593769c64a42edac34f",
  1: "4b4d5b3661b3efc12920900c80e126e4ce783c522de6c02a2a5bf7af3a2b9327b86776f188e4be1c1c404a129dbda493",
  2: "f707d62f55eef04ca9447c09f735b137fcb39512e869f401cd925594656a6ff91b0476174d73b4e7f170221bb21caf68",
} as const;

export function release(version: string, pcrs: { readonly 0: string; readonly 1: string; readonly 2: string }, warnOnly: readonly number[] = []): NitroReleasePins {
  const pin = (i: 0 | 1 | 2) => ({ expected: pcrs[i], warnOnly: warnOnly.includes(i) });
  return { version, pcrs: { 0: pin(0), 1: pin(1), 2: pin(2) } };
}
