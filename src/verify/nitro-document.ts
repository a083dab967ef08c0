/**
 * Verification of a raw AWS Nitro Enclaves attestation document (what the NSM returns and the TEE
 * proof server serves base64-encoded at `/attestation`): an untagged COSE_Sign1 (RFC 9052) whose
 * payload is the CBOR attestation map. The steps follow AWS's "Verifying the root of trust"
 * (https://docs.aws.amazon.com/enclaves/latest/user/verify-root.html) and the NSM API's
 * attestation process description
 * (https://github.com/aws/aws-nitro-enclaves-nsm-api/blob/main/docs/attestation_process.md):
 * syntactic checks of the payload, the certificate chain from the pinned AWS Nitro Enclaves Root G1
 * (`cabundle[0]`) down to the leaf `certificate`, each certificate valid at the document's own
 * timestamp, and the ES384 COSE signature with the leaf's key. Then our own policy: the nonce the
 * caller sent is echoed, the enclave is not in debug mode (PCR0/1/2 all zero) and its PCRs equal an
 * accepted release's pins.
 *
 * CBOR is decoded with cbor-x, certificates and signatures are checked with node:crypto; nothing
 * here parses ASN.1 or CBOR by hand.
 */
import * as crypto from "node:crypto";
import { Decoder, Encoder, Tag } from "cbor-x";
import { ALL_ZERO_SHA384, AWS_NITRO_ROOT_G1_SHA256, enforcedPcrs, warnOnlyPcrs, type NitroReleasePins } from "../attestation/pins";
import { ok, overall, p0, skip, warn, type Check, type Overall } from "./result";

/** The pinned root, shared with the host agent's verifier (src/bootstrap/nitro-attestation-verifier.ts). */
export { AWS_NITRO_ROOT_G1_SHA256 };

/** COSE algorithm identifier of ES384 (RFC 9053 section 2.1); the NSM signs with nothing else. */
const COSE_ALG_ES384 = -35;

export interface NitroVerifyOptions {
  /** Accepted releases (the stack's `releases`): the document's PCRs must equal one of them. */
  readonly releases: readonly NitroReleasePins[];
  /**
   * The nonce bytes the caller sent. Given: the document must carry exactly these bytes
   * (freshness). Omitted: the nonce check is skipped and reported as such.
   */
  readonly expectedNonce?: Uint8Array;
  /**
   * Clock for certificate validity. Default: the document's own `timestamp`, so that a saved
   * document can be judged after its short-lived certificates expired (incident response).
   */
  readonly at?: Date;
  /** Root pin (hex SHA-256 of the root's DER, colons allowed). Default: AWS Nitro Enclaves Root G1. */
  readonly rootSha256?: string;
  /** Live mode: the document's timestamp must be within this many ms of `now` (a warning otherwise). */
  readonly freshness?: { readonly now: Date; readonly maxSkewMs: number };
}

/** What the document says, for the report and --json (byte fields as lowercase hex). */
export interface NitroDocumentSummary {
  readonly moduleId: string;
  readonly timestamp: string;
  readonly digest: string;
  readonly pcrs: Readonly<Record<number, string>>;
  readonly nonceHex: string | null;
  readonly userDataHex: string | null;
  readonly publicKeyHex: string | null;
  /** Version of the release whose enforced PCRs the document matches, if any. */
  readonly matchedRelease: string | null;
  readonly leafValidTo: string;
}

export interface NitroDocumentResult {
  readonly checks: readonly Check[];
  readonly overall: Overall;
  /** Present once the payload decoded; absent when the structure itself is broken. */
  readonly document?: NitroDocumentSummary;
  /** Decoded payload byte fields that the live TLS-binding check compares (absent if undecodable). */
  readonly boundData?: { readonly publicKey: Buffer | null; readonly userData: Buffer | null; readonly nonce: Buffer | null };
}

interface Payload {
  moduleId: string;
  digest: string;
  timestamp: number;
  pcrs: Map<number, Buffer>;
  certificate: Buffer;
  cabundle: Buffer[];
  publicKey: Buffer | null;
  userData: Buffer | null;
  nonce: Buffer | null;
}

// Maps as Map (PCR indices are integers), no cbor-x record extensions: plain RFC 8949 CBOR.
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false });

class Malformed extends Error {}

function bytes(value: unknown, field: string, min: number, max: number): Buffer {
  if (!(value instanceof Uint8Array)) throw new Malformed(`${field} is not a byte string`);
  if (value.length < min || value.length > max) throw new Malformed(`${field} is ${value.length} bytes, expected ${min}..${max}`);
  return Buffer.from(value.buffer, value.byteOffset, value.length);
}

function optionalBytes(value: unknown, field: string, max: number): Buffer | null {
  return value === null || value === undefined ? null : bytes(value, field, 0, max);
}

/** Payload fields and limits from the NSM API's attestation document specification (section 3.2.2 "syntactical validation"). */
function parsePayload(raw: Buffer): Payload {
  const map: unknown = decoder.decode(raw);
  if (!(map instanceof Map)) throw new Malformed("payload is not a CBOR map");
  const moduleId: unknown = map.get("module_id");
  if (typeof moduleId !== "string" || moduleId.length === 0) throw new Malformed("module_id is missing or empty");
  const digest: unknown = map.get("digest");
  if (typeof digest !== "string") throw new Malformed("digest is missing");
  // A 64-bit unsigned integer on the wire: cbor-x returns a bigint for it.
  const ts: unknown = map.get("timestamp");
  const timestamp = typeof ts === "bigint" ? Number(ts) : ts;
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp <= 0) throw new Malformed("timestamp is not a positive integer (ms since the epoch)");
  const rawPcrs: unknown = map.get("pcrs");
  if (!(rawPcrs instanceof Map) || rawPcrs.size < 1 || rawPcrs.size > 32) throw new Malformed("pcrs is not a map of 1..32 entries");
  const pcrs = new Map<number, Buffer>();
  for (const [k, v] of rawPcrs as Map<unknown, unknown>) {
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > 31) throw new Malformed(`pcrs has an invalid index ${String(k)}`);
    const value = bytes(v, `pcrs[${k}]`, 32, 64);
    if (![32, 48, 64].includes(value.length)) throw new Malformed(`pcrs[${k}] is ${value.length} bytes`);
    pcrs.set(k, value);
  }
  const certificate = bytes(map.get("certificate"), "certificate", 1, 1024);
  const rawBundle: unknown = map.get("cabundle");
  if (!Array.isArray(rawBundle) || rawBundle.length === 0) throw new Malformed("cabundle is not a non-empty array");
  const cabundle = rawBundle.map((c: unknown, i) => bytes(c, `cabundle[${i}]`, 1, 1024));
  return {
    moduleId,
    digest,
    timestamp,
    pcrs,
    certificate,
    cabundle,
    // The specification says user_data and nonce hold at most 512 bytes, yet a genuine document
    // (test fixture nitrite-blocky-2024-09-07) carries 1024 bytes in each: bound them loosely.
    publicKey: optionalBytes(map.get("public_key"), "public_key", 1024),
    userData: optionalBytes(map.get("user_data"), "user_data", 1024),
    nonce: optionalBytes(map.get("nonce"), "nonce", 1024),
  };
}

interface CoseSign1 {
  protectedHeader: Buffer;
  payload: Buffer;
  signature: Buffer;
}

function parseCoseSign1(document: Uint8Array): CoseSign1 {
  let top: unknown;
  try {
    top = decoder.decode(document);
  } catch (e) {
    throw new Malformed(`not CBOR: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The NSM emits it untagged; accept the COSE_Sign1 tag (18) too, as RFC 9052 allows either.
  if (top instanceof Tag && top.tag === 18) top = top.value;
  if (!Array.isArray(top) || top.length !== 4) throw new Malformed("not a 4-element COSE_Sign1 array");
  const [protectedHeader, , payload, signature] = top as unknown[];
  return {
    protectedHeader: bytes(protectedHeader, "protected header", 1, 1024),
    payload: bytes(payload, "payload", 1, 1 << 20),
    signature: bytes(signature, "signature", 0, 1024),
  };
}

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString("hex"));
const normalizeFingerprint = (f: string): string => f.replace(/:/g, "").toUpperCase();

/** X509Certificate.validFrom/validTo are OpenSSL's "Mon DD HH:MM:SS YYYY GMT" strings; Date parses them. */
function validAt(cert: crypto.X509Certificate, at: Date): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return `cannot read the validity of ${cert.subject.replace(/\n/g, ", ")}`;
  if (at < from) return `not yet valid at ${at.toISOString()} (valid from ${from.toISOString()})`;
  if (at > to) return `expired at ${at.toISOString()} (valid until ${to.toISOString()})`;
  return undefined;
}

const cn = (cert: crypto.X509Certificate): string => /CN=([^\n]+)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ", ");

/** Root pin, then every link root -> intermediates -> leaf: issuer name, signature, CA flag, validity at `at`. */
function checkChain(payload: Payload, at: Date, rootSha256: string): { checks: Check[]; leaf?: crypto.X509Certificate } {
  let certs: crypto.X509Certificate[];
  try {
    certs = [...payload.cabundle, payload.certificate].map((der) => new crypto.X509Certificate(der));
  } catch (e) {
    return { checks: [p0("chain", `a certificate does not parse: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  const root = certs[0]!;
  const leaf = certs[certs.length - 1]!;
  const checks: Check[] = [];
  const got = normalizeFingerprint(root.fingerprint256);
  checks.push(
    got === normalizeFingerprint(rootSha256)
      ? ok("root", `cabundle[0] is the pinned root ${cn(root)} (SHA-256 ${got.slice(0, 16)}...)`)
      : p0("root", `cabundle[0] (${cn(root)}, SHA-256 ${got}) is not the pinned root (SHA-256 ${normalizeFingerprint(rootSha256)})`),
  );
  const problems: string[] = [];
  // The root is trusted by its pin; it must still be self-signed, a CA and valid at `at`.
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) problems.push(`root ${cn(root)} is not self-signed`);
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i]!;
    const name = i === certs.length - 1 ? `leaf ${cn(cert)}` : i === 0 ? `root ${cn(cert)}` : `cabundle[${i}] ${cn(cert)}`;
    const validity = validAt(cert, at);
    if (validity) problems.push(`${name} ${validity}`);
    if (i < certs.length - 1 && !cert.ca) problems.push(`${name} is not a CA (basic constraints) but issues ${cn(certs[i + 1]!)}`);
    if (i === 0) continue;
    const issuer = certs[i - 1]!;
    // checkIssued compares names (and key identifiers when present: AWS leaves omit the AKI, see the fixture README).
    if (!cert.checkIssued(issuer)) problems.push(`${name} was not issued by ${cn(issuer)}`);
    else if (!cert.verify(issuer.publicKey)) problems.push(`${name} has a signature that ${cn(issuer)}'s key does not verify`);
  }
  checks.push(
    problems.length === 0
      ? ok("chain", `${certs.length} certificates chain from the root to the leaf, all valid at ${at.toISOString()}`)
      : p0("chain", problems.join("; ")),
  );
  return { checks, leaf };
}

function checkSignature(cose: CoseSign1, leaf: crypto.X509Certificate | undefined): Check {
  let alg: unknown;
  try {
    const header: unknown = decoder.decode(cose.protectedHeader);
    alg = header instanceof Map ? header.get(1) : undefined;
  } catch {
    return p0("signature", "the protected header is not CBOR");
  }
  if (alg !== COSE_ALG_ES384) return p0("signature", `protected header alg is ${String(alg)}, expected ${COSE_ALG_ES384} (ES384)`);
  if (!leaf) return p0("signature", "no usable leaf certificate to verify the signature with");
  const curve = leaf.publicKey.asymmetricKeyDetails?.namedCurve;
  if (curve !== "secp384r1") return p0("signature", `leaf key is ${curve ?? leaf.publicKey.asymmetricKeyType ?? "unknown"}, ES384 needs P-384`);
  if (cose.signature.length !== 96) return p0("signature", `signature is ${cose.signature.length} bytes; ES384 is 96 bytes r||s`);
  // Sig_structure for COSE_Sign1 (RFC 9052 section 4.4), external_aad empty.
  const toBeSigned = encoder.encode(["Signature1", cose.protectedHeader, Buffer.alloc(0), cose.payload]);
  const valid = crypto.verify("sha384", toBeSigned, { key: leaf.publicKey, dsaEncoding: "ieee-p1363" }, cose.signature);
  return valid
    ? ok("signature", "COSE_Sign1 ES384 signature verifies with the leaf certificate's key")
    : p0("signature", "COSE_Sign1 signature does not verify: the document was altered or not signed by the leaf");
}

function checkNonce(payload: Payload, expected: Uint8Array | undefined): Check {
  if (expected === undefined) return skip("nonce", "no nonce given: freshness not checked (a replayed document would pass)");
  if (payload.nonce === null) return p0("nonce", "the document carries no nonce, but one was sent");
  return Buffer.from(expected).equals(payload.nonce)
    ? ok("nonce", `the nonce sent (${expected.length} bytes) is echoed`)
    : p0("nonce", `the document's nonce (${payload.nonce.length} bytes, ${payload.nonce.toString("hex").slice(0, 32)}...) is not the one sent (${Buffer.from(expected).toString("hex").slice(0, 32)}...): replayed or not fresh`);
}

function pcrHex(payload: Payload, index: number): string | undefined {
  return payload.pcrs.get(index)?.toString("hex");
}

function checkDebug(payload: Payload): Check {
  const zero = [0, 1, 2].filter((i) => pcrHex(payload, i) === ALL_ZERO_SHA384);
  // A debug-mode enclave reports PCR0-2 as zeros (`nitro-cli run-enclave --debug-mode`,
  // https://docs.aws.amazon.com/enclaves/latest/user/cmd-nitro-run-enclave.html; the blindai fixture
  // is such a document), and the parent can read its console.
  return zero.length === 3
    ? p0("debug", "PCR0, PCR1 and PCR2 are all zero: a debug-mode enclave (its console is open to the parent, and no release measures as zeros)")
    : zero.length > 0
      ? p0("debug", `PCR${zero.join(", PCR")} all zero: not a production measurement`)
      : ok("debug", "not a debug enclave (PCR0-2 are not zero)");
}

function checkPcrs(payload: Payload, releases: readonly NitroReleasePins[]): { checks: Check[]; matched: NitroReleasePins | undefined } {
  if (releases.length === 0) return { checks: [p0("pcrs", "no accepted release to compare the PCRs with")], matched: undefined };
  const misses: string[] = [];
  for (const release of releases) {
    const wrong = enforcedPcrs(release).filter(({ index, value }) => pcrHex(payload, index) !== value);
    if (wrong.length > 0) {
      misses.push(`${release.version}: ${wrong.map(({ index, value }) => `PCR${index} is ${pcrHex(payload, index)?.slice(0, 16) ?? "absent"}..., pinned ${value.slice(0, 16)}...`).join(", ")}`);
      continue;
    }
    const checks: Check[] = [ok("pcrs", `PCRs equal release ${release.version} (enforced: PCR${enforcedPcrs(release).map((p) => p.index).join(", PCR")})`)];
    const loose = warnOnlyPcrs(release).filter((i) => pcrHex(payload, i) !== release.pcrs[i]?.expected);
    if (loose.length > 0) checks.push(warn("pcrs-warn-only", `PCR${loose.join(", PCR")} differ from release ${release.version} (pinned warnOnly, so not enforced)`));
    return { checks, matched: release };
  }
  return { checks: [p0("pcrs", `PCRs match no accepted release (${misses.join("; ")})`)], matched: undefined };
}

/** Verify a raw Nitro attestation document. Never throws on bad input: every problem is a failed check. */
export function verifyNitroDocument(document: Uint8Array, options: NitroVerifyOptions): NitroDocumentResult {
  let cose: CoseSign1;
  let payload: Payload;
  try {
    cose = parseCoseSign1(document);
    payload = parsePayload(cose.payload);
  } catch (e) {
    const checks = [p0("structure", `not a Nitro attestation document: ${e instanceof Error ? e.message : String(e)}`)];
    return { checks, overall: overall(checks) };
  }
  const docTime = new Date(payload.timestamp);
  const at = options.at ?? docTime;
  const checks: Check[] = [ok("structure", `COSE_Sign1 with module_id ${payload.moduleId}, ${payload.pcrs.size} PCRs, ${payload.cabundle.length} CA certificates`)];
  // Nitro PCRs are SHA-384 and the pins are SHA-384: a document with another digest cannot match.
  checks.push(payload.digest === "SHA384" ? ok("digest", "digest is SHA384") : p0("digest", `digest is ${payload.digest}, expected SHA384`));
  const chain = checkChain(payload, at, options.rootSha256 ?? AWS_NITRO_ROOT_G1_SHA256);
  checks.push(...chain.checks);
  checks.push(checkSignature(cose, chain.leaf));
  checks.push(checkNonce(payload, options.expectedNonce));
  checks.push(checkDebug(payload));
  const pcrs = checkPcrs(payload, options.releases);
  checks.push(...pcrs.checks);
  if (options.freshness) {
    const skew = Math.abs(options.freshness.now.getTime() - payload.timestamp);
    checks.push(
      skew <= options.freshness.maxSkewMs
        ? ok("timestamp", `document made ${Math.round(skew / 1000)} s from now`)
        : warn("timestamp", `document timestamp ${docTime.toISOString()} is ${Math.round(skew / 1000)} s from this machine's clock (allowed ${options.freshness.maxSkewMs / 1000} s): check both clocks`),
    );
  } else {
    checks.push(ok("timestamp", `document made at ${docTime.toISOString()}; certificates checked at ${at.toISOString()}`));
  }
  const leafValidTo = chain.leaf ? new Date(chain.leaf.validTo).toISOString() : "";
  return {
    checks,
    overall: overall(checks),
    document: {
      moduleId: payload.moduleId,
      timestamp: docTime.toISOString(),
      digest: payload.digest,
      pcrs: Object.fromEntries([...payload.pcrs].map(([i, v]) => [i, v.toString("hex")])),
      nonceHex: hex(payload.nonce),
      userDataHex: hex(payload.userData),
      publicKeyHex: hex(payload.publicKey),
      matchedRelease: pcrs.matched?.version ?? null,
      leafValidTo,
    },
    boundData: { publicKey: payload.publicKey, userData: payload.userData, nonce: payload.nonce },
  };
}
