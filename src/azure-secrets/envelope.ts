import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";

/**
 * The envelope an Azure fleet's secrets are stored in (one Key Vault secret each), written by the
 * operator (`npm run azure:wrap-secret`) and opened on the host by the unwrap script in
 * src/bootstrap/azure-skr.ts after Secure Key Release (docs/azure-key-release.md):
 *
 * - a random 256-bit data key encrypts the secret with AES-256-GCM (12-byte IV, 16-byte tag), the
 *   key's URI with version (`kid`) as additional authenticated data, so an envelope cannot be
 *   relabelled to another key;
 * - the release key's public half wraps the data key with RSA-OAEP-256 (SHA-256 for OAEP and
 *   MGF1). What is wrapped is the data key's **base64 text** (44 ASCII bytes), not its raw bytes:
 *   the host unwraps with Microsoft's AzureAttestSKR, whose batch mode prints each unwrapped value
 *   as a JSON string, which raw random bytes (not UTF-8) cannot be.
 */
export interface SecretEnvelope {
  /** Format version. */
  readonly v: 1;
  /** The release key's URI with its version: `https://<vault>.vault.azure.net/keys/<name>/<32 hex>`. */
  readonly kid: string;
  readonly alg: "RSA-OAEP-256";
  /** base64 of RSA-OAEP-256(base64 text of the data key). */
  readonly wrappedKey: string;
  readonly enc: "A256GCM";
  /** base64, 12 bytes. */
  readonly iv: string;
  /** base64. */
  readonly ciphertext: string;
  /** base64, 16 bytes. */
  readonly tag: string;
}

/** A Key Vault key URI with version, as `az keyvault key show --query key.kid` prints it. */
export const KEY_ID_WITH_VERSION = /^https:\/\/[a-z0-9-]{3,24}\.vault\.azure\.net\/keys\/[A-Za-z0-9-]{1,127}\/[0-9a-f]{32}$/;

/** Key Vault secrets hold at most 25 KiB (docs/azure-key-release.md); the envelope grows the secret by 4/3 plus ~600 bytes. */
export const MAX_SECRET_BYTES = 16 * 1024;

export class WrapError extends Error {}

/** Wraps `plaintext` under the release key's public half (PEM, SPKI or PKCS#1, as `az keyvault key download --encoding PEM` writes it). */
export function wrapSecret(p: { publicKeyPem: string; kid: string; plaintext: Buffer }): SecretEnvelope {
  // The CLI holds operators to KEY_ID_WITH_VERSION; the host checks the kid against its own vault and key.
  if (p.kid.length === 0) throw new WrapError("the kid is empty");
  if (p.plaintext.length === 0) throw new WrapError("the secret is empty");
  if (p.plaintext.length > MAX_SECRET_BYTES) throw new WrapError(`the secret is ${p.plaintext.length} bytes; at most ${MAX_SECRET_BYTES} fit a Key Vault secret once wrapped`);
  let key: KeyObject;
  try {
    key = createPublicKey(p.publicKeyPem);
  } catch (e) {
    throw new WrapError(`--public-key is not a PEM public key: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The release key is RSA-HSM 3072 (components/azure/keyRelease.ts); refuse anything weaker.
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== "rsa" || bits < 2048) throw new WrapError(`--public-key must be an RSA key of at least 2048 bits (the release key is RSA 3072), got ${key.asymmetricKeyType ?? "unknown"} ${bits}`);
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  cipher.setAAD(Buffer.from(p.kid, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(p.plaintext), cipher.final()]);
  const wrappedKey = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(dataKey.toString("base64"), "ascii"));
  dataKey.fill(0);
  return { v: 1, kid: p.kid, alg: "RSA-OAEP-256", wrappedKey: wrappedKey.toString("base64"), enc: "A256GCM", iv: iv.toString("base64"), ciphertext: ciphertext.toString("base64"), tag: cipher.getAuthTag().toString("base64") };
}
