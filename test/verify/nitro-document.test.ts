/**
 * The Nitro attestation document verifier against REAL documents (test/fixtures/nitro-attestation,
 * provenance in its README): a production enclave's document, a debug enclave's, and a copy with one
 * payload byte changed. Each negative case asserts the specific check that fails.
 */
import { X509Certificate } from "node:crypto";
import { Decoder, Encoder } from "cbor-x";
import { describe, expect, it } from "vitest";
import { AWS_NITRO_ROOT_G1_SHA256, verifyNitroDocument, type NitroDocumentResult } from "../../src/verify/nitro-document";
import { BLOCKY_NONCE, BLOCKY_PCRS, V631_PCRS, fixture, release } from "./helpers";

const read = fixture;
const BLOCKY = read("nitrite-blocky-2024-09-07.cbor");
const TAMPERED = read("nitrite-blocky-2024-09-07.tampered.cbor");
const DEBUG = read("blindai-debug-2023-03-22.cbor");
const BLOCKY_RELEASE = release("blocky-2024-09-07", BLOCKY_PCRS);
const V631 = release("v6.3.1", V631_PCRS);

const check = (r: NitroDocumentResult, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${r.checks.map((x) => x.id).join(",")}`);
  return c;
};
const failed = (r: NitroDocumentResult) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);

describe("verifyNitroDocument on the real production document", () => {
  it("accepts it at its own timestamp against pins equal to its PCR0-2, with its nonce", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [BLOCKY_RELEASE], expectedNonce: BLOCKY_NONCE });
    expect(failed(r)).toEqual([]);
    expect(r.overall).toBe("ok");
    for (const id of ["structure", "digest", "root", "chain", "signature", "nonce", "debug", "pcrs"]) expect(check(r, id).status).toBe("ok");
    expect(check(r, "chain").reason).toContain("2024-09-07T14:37:39.545Z");
    expect(r.document).toMatchObject({
      moduleId: "i-0a22e5c5f24d22174-enc0191cceb4289903f",
      timestamp: "2024-09-07T14:37:39.545Z",
      digest: "SHA384",
      matchedRelease: "blocky-2024-09-07",
      leafValidTo: "2024-09-07T17:37:39.000Z",
    });
    expect(r.document?.pcrs[0]).toBe(BLOCKY_PCRS[0]);
    expect(r.document?.pcrs[4]).toBe("45706d7b621e4620a332e147a5ddb000b049f73d47d3e61f6b03d2069152d4df6a4a786ad1c10102b955799a9dc96b44");
  });

  it("skips (does not pass) freshness when no nonce is given", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [BLOCKY_RELEASE] });
    expect(check(r, "nonce").status).toBe("skip");
    expect(r.overall).toBe("ok");
  });

  it("matches the second release of a rotation", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [V631, BLOCKY_RELEASE] });
    expect(check(r, "pcrs").status).toBe("ok");
    expect(r.document?.matchedRelease).toBe("blocky-2024-09-07");
  });

  it("rejects a wrong nonce as P0 (nonce only)", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [BLOCKY_RELEASE], expectedNonce: Buffer.from("00".repeat(32), "hex") });
    expect(failed(r)).toEqual(["nonce"]);
    expect(check(r, "nonce").severity).toBe("P0");
    expect(r.overall).toBe("P0");
  });

  it("rejects other PCRs (the published v6.3.1 pins) as P0, naming the PCRs", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [V631] });
    expect(failed(r)).toEqual(["pcrs"]);
    expect(check(r, "pcrs").reason).toContain("PCR0 is e72a46ca80a260fb..., pinned 7a4a106361d6e434...");
    expect(r.overall).toBe("P0");
    expect(r.document?.matchedRelease).toBeNull();
  });

  it("rejects a single differing enforced PCR, but only warns for a warnOnly one", () => {
    const otherPcr2 = { ...BLOCKY_PCRS, 2: V631.pcrs[2].expected };
    expect(failed(verifyNitroDocument(BLOCKY, { releases: [release("x", otherPcr2)] }))).toEqual(["pcrs"]);
    const loose = verifyNitroDocument(BLOCKY, { releases: [release("x", otherPcr2, [2])] });
    expect(failed(loose)).toEqual([]);
    expect(check(loose, "pcrs-warn-only")).toMatchObject({ status: "warn", reason: expect.stringContaining("PCR2") });
    expect(loose.overall).toBe("warning");
  });

  it("rejects the chain checked against the current time (the certificates expired)", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [BLOCKY_RELEASE], at: new Date("2026-01-01T00:00:00Z") });
    expect(failed(r)).toEqual(["chain"]);
    expect(check(r, "chain").reason).toMatch(/leaf i-0a22e5c5f24d22174-enc0191cceb4289903f\.us-east-1\.aws expired at 2026-01-01T00:00:00\.000Z/);
    // Before the leaf existed it is not yet valid.
    const early = verifyNitroDocument(BLOCKY, { releases: [BLOCKY_RELEASE], at: new Date("2024-09-07T14:00:00Z") });
    expect(check(early, "chain").reason).toContain("not yet valid");
  });

  it("rejects a different root pin", () => {
    const r = verifyNitroDocument(BLOCKY, { releases: [BLOCKY_RELEASE], rootSha256: "00".repeat(32) });
    expect(failed(r)).toEqual(["root"]);
    expect(check(r, "root").severity).toBe("P0");
  });
});

describe("verifyNitroDocument on the negative fixtures", () => {
  it("rejects the tampered copy on its signature while its chain still verifies", () => {
    const r = verifyNitroDocument(TAMPERED, { releases: [BLOCKY_RELEASE] });
    expect(check(r, "chain").status).toBe("ok");
    expect(check(r, "signature")).toMatchObject({ status: "fail", severity: "P0" });
    // Its altered PCR0 (e6...) also matches no pin: both are reported.
    expect(failed(r)).toEqual(["signature", "pcrs"]);
    expect(r.overall).toBe("P0");
  });

  it("rejects the genuine debug-mode document as a debug enclave", () => {
    const r = verifyNitroDocument(DEBUG, { releases: [BLOCKY_RELEASE] });
    expect(check(r, "signature").status).toBe("ok");
    expect(check(r, "chain").status).toBe("ok");
    expect(check(r, "debug")).toMatchObject({ status: "fail", severity: "P0", reason: expect.stringContaining("debug-mode enclave") });
    expect(r.document?.moduleId).toBe("i-0592d6788f2a6df5f-enc018709b898cd0326");
    // It carries no nonce, so a caller that sent one gets a P0 too.
    expect(check(verifyNitroDocument(DEBUG, { releases: [BLOCKY_RELEASE], expectedNonce: BLOCKY_NONCE }), "nonce").status).toBe("fail");
  });

  it("rejects a chain with a missing intermediate (cabundle[2] removed from the genuine payload)", () => {
    const plain = { mapsAsObjects: false, useRecords: false } as const;
    const [protectedHeader, unprotected, payload, signature] = new Decoder(plain).decode(BLOCKY) as [Buffer, unknown, Buffer, Buffer];
    const map = new Decoder(plain).decode(payload) as Map<string, unknown>;
    map.set("cabundle", (map.get("cabundle") as Buffer[]).filter((_, i) => i !== 2));
    const encoder = new Encoder(plain);
    const broken = encoder.encode([protectedHeader, unprotected, encoder.encode(map), signature]);
    const r = verifyNitroDocument(broken, { releases: [BLOCKY_RELEASE] });
    expect(check(r, "root").status).toBe("ok");
    expect(check(r, "chain")).toMatchObject({ status: "fail", severity: "P0", reason: expect.stringContaining("was not issued by ec28cbbaae08094d.us-east-1.aws") });
  });

  it("reports bytes that are not a COSE_Sign1 as a structural P0 without throwing", () => {
    for (const bad of [Buffer.from("not cbor at all"), Buffer.from([0x83, 0x01, 0x02, 0x03]), BLOCKY.subarray(0, 200)]) {
      const r = verifyNitroDocument(bad, { releases: [BLOCKY_RELEASE] });
      expect(failed(r)).toEqual(["structure"]);
      expect(r.overall).toBe("P0");
    }
  });
});

describe("the pinned root", () => {
  it("is the SHA-256 fingerprint of the AWS Nitro Enclaves Root G1 certificate", () => {
    const root = new X509Certificate(read("aws-nitro-enclaves-root-g1.pem"));
    expect(root.subject).toContain("CN=aws.nitro-enclaves");
    expect(root.fingerprint256.replace(/:/g, "")).toBe(AWS_NITRO_ROOT_G1_SHA256);
  });
});
