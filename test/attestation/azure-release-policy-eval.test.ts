/**
 * The Secure Key Release policy evaluator (src/attestation/azure-release-policy-eval.ts) on hand-written
 * policies: every rule of the grammar it models, so that the builder's tests, which rely on it,
 * mean what they say.
 */
import { describe, expect, it } from "vitest";
import { ReleasePolicySyntaxError, evaluateReleasePolicy } from "../../src/attestation/azure-release-policy-eval";
import { sevSnpToken, withTee } from "../helpers/azure-maa-tokens";

const AUTH = "https://sharedwus.wus.attest.azure.net";
const token = sevSnpToken(AUTH);

const policy = (rule: Record<string, unknown>, authority = AUTH) => ({ version: "1.0.0", anyOf: [{ authority, ...rule }] });
const eq = (claim: string, equals: unknown) => ({ claim, equals });

describe("claim conditions", () => {
  it("equals on a top-level claim and on a dotted path into nested objects", () => {
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-attestation-type", "azurevm")] }), token).released).toBe(true);
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-isolation-tee.x-ms-runtime.vm-configuration.secure-boot", true)] }), token).released).toBe(true);
  });

  it("compares type and value exactly: boolean false is not the string \"false\", case matters", () => {
    const stringFalse = evaluateReleasePolicy(policy({ allOf: [eq("x-ms-isolation-tee.x-ms-sevsnpvm-is-debuggable", "false")] }), token);
    expect(stringFalse).toEqual({ released: false, reasons: [`${AUTH}: x-ms-isolation-tee.x-ms-sevsnpvm-is-debuggable is false, not "false"`] });
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-isolation-tee.x-ms-attestation-type", "SEVSNPVM")] }), token).released).toBe(false);
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-azurevm-osversion-major", 18)] }), token).released).toBe(true);
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-azurevm-osversion-major", "18")] }), token).released).toBe(false);
  });

  it("a claim the token lacks fails its condition, whatever the value asked for", () => {
    const verdict = evaluateReleasePolicy(policy({ allOf: [eq("x-ms-isolation-tee.tdx_td_attributes_debug", false)] }), token);
    expect(verdict).toEqual({ released: false, reasons: [`${AUTH}: x-ms-isolation-tee.tdx_td_attributes_debug is absent`] });
  });

  it("arrays cannot be addressed: a path through one is absent", () => {
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-azurevm-attested-pcrs.0", 0)] }), token).released).toBe(false);
  });

  it("refuses the operators the EBNF lists but Key Vault does not allow yet, and object values", () => {
    for (const op of ["notEquals", "less", "lessOrEquals", "greater", "greaterOrEquals", "exists"]) {
      expect(() => evaluateReleasePolicy(policy({ allOf: [{ claim: "x-ms-ver", [op]: "1.0" }] }), token)).toThrow(ReleasePolicySyntaxError);
    }
    expect(() => evaluateReleasePolicy(policy({ allOf: [eq("x-ms-runtime", { keys: [] })] }), token)).toThrow(/string, number or boolean/);
    expect(() => evaluateReleasePolicy(policy({ allOf: [{ claim: "x-ms-ver" }] }), token)).toThrow(/without "equals"/);
    expect(() => evaluateReleasePolicy(policy({ allOf: [{ claim: "x-ms-ver", equals: "1.0", note: "x" }] }), token)).toThrow(/unexpected key/);
  });
});

describe("allOf / anyOf", () => {
  const yes = eq("x-ms-ver", "1.0");
  const no = eq("x-ms-ver", "2.0");

  it("allOf needs every condition, anyOf one", () => {
    expect(evaluateReleasePolicy(policy({ allOf: [yes, yes] }), token).released).toBe(true);
    expect(evaluateReleasePolicy(policy({ allOf: [yes, no] }), token).released).toBe(false);
    expect(evaluateReleasePolicy(policy({ anyOf: [no, yes] }), token).released).toBe(true);
    expect(evaluateReleasePolicy(policy({ anyOf: [no, no] }), token).released).toBe(false);
  });

  it("nest", () => {
    expect(evaluateReleasePolicy(policy({ allOf: [yes, { anyOf: [no, { allOf: [yes, yes] }] }] }), token).released).toBe(true);
    expect(evaluateReleasePolicy(policy({ allOf: [yes, { anyOf: [no, { allOf: [yes, no] }] }] }), token).released).toBe(false);
  });

  it("refuses both together, neither, and empty lists", () => {
    expect(() => evaluateReleasePolicy(policy({ allOf: [yes], anyOf: [yes] }), token)).toThrow(/not allowed together/);
    expect(() => evaluateReleasePolicy(policy({ allOf: [{ anyOf: [yes], allOf: [yes] }] }), token)).toThrow(/not allowed together/);
    expect(() => evaluateReleasePolicy(policy({}), token)).toThrow(/expected a claim condition, allOf or anyOf/);
    expect(() => evaluateReleasePolicy(policy({ allOf: [] }), token)).toThrow(/non-empty array/);
  });

  it("a malformed condition is reported even after a decisive one", () => {
    expect(() => evaluateReleasePolicy(policy({ anyOf: [yes, { claim: "x", notEquals: 1 }] }), token)).toThrow(/notEquals/);
  });
});

describe("authorities", () => {
  it("the authority must be the token's issuer; one trailing slash is ignored", () => {
    expect(evaluateReleasePolicy(policy({ allOf: [eq("x-ms-ver", "1.0")] }, `${AUTH}/`), token).released).toBe(true);
    const other = evaluateReleasePolicy(policy({ allOf: [eq("x-ms-ver", "1.0")] }, "https://sharedweu.weu.attest.azure.net"), token);
    expect(other).toEqual({ released: false, reasons: [`https://sharedweu.weu.attest.azure.net: the token was issued by "${AUTH}"`] });
  });

  it("any authority statement may release; each failure is reported", () => {
    const two = {
      version: "1.0.0",
      anyOf: [
        { authority: "https://sharedweu.weu.attest.azure.net", allOf: [eq("x-ms-ver", "1.0")] },
        { authority: AUTH, allOf: [eq("x-ms-ver", "1.0")] },
      ],
    };
    expect(evaluateReleasePolicy(two, token).released).toBe(true);
    expect(evaluateReleasePolicy(two, sevSnpToken("https://sharedeus.eus.attest.azure.net")).reasons).toHaveLength(2);
  });

  it("refuses a policy without version 1.0.0, without authorities, or with unknown keys", () => {
    expect(() => evaluateReleasePolicy({ anyOf: [{ authority: AUTH, allOf: [eq("x-ms-ver", "1.0")] }] }, token)).toThrow(/version/);
    expect(() => evaluateReleasePolicy({ version: "1.0.0", anyOf: [] }, token)).toThrow(/non-empty array of authorities/);
    expect(() => evaluateReleasePolicy({ version: "1.0.0", anyOf: [{ allOf: [eq("x-ms-ver", "1.0")] }] }, token)).toThrow(/authority/);
    expect(() => evaluateReleasePolicy({ version: "1.0.0", allOf: [] }, token)).toThrow(/unexpected key/);
  });
});

it("a token without an RSA encryption key in x-ms-runtime.keys gets nothing: there is nothing to wrap the key to", () => {
  const p = policy({ allOf: [eq("x-ms-ver", "1.0")] });
  const bare = { ...token, "x-ms-runtime": { "client-payload": { nonce: "MTIzNA==" } } };
  expect(evaluateReleasePolicy(p, bare)).toEqual({ released: false, reasons: ["the token has no RSA encryption key in x-ms-runtime.keys to wrap the released key to"] });
  // The key under x-ms-isolation-tee (HCLAkPub) is not the one Key Vault wraps to.
  expect(evaluateReleasePolicy(p, withTee(bare, () => undefined)).released).toBe(false);
  expect(evaluateReleasePolicy(p, token).released).toBe(true);
});
