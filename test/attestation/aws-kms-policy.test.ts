/**
 * The Nitro KMS key policy, checked by evaluating it with a real IAM evaluator
 * (@cloud-copilot/iam-simulate), not by reading strings.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSimulation, type EvaluationResult, type SimulationIdentityPolicy } from "@cloud-copilot/iam-simulate";
import {
  FORBIDDEN_NON_ENCLAVE_KMS_ACTIONS,
  KEY_ADMIN_SID,
  KMS_KEY_ADMIN_ACTIONS,
  buildNitroKmsKeyPolicy,
  nitroParentRolePcr3,
  nitroPcrExtendFromZero,
  type KmsPolicyDocument,
  type NitroKmsKeyPolicyInput,
} from "../../src/attestation/aws-kms-policy";
import { nitroManifestSchema } from "../../src/attestation/manifest";
import type { NitroPcrIndex, NitroReleasePins, PcrPin } from "../../src/attestation/pins";
import { verifyNitroDocument } from "../../src/verify/nitro-document";

// ---------------------------------------------------------------------------------------------
// Fixtures. ARNs look like real ones: iam-simulate validates them.
// ---------------------------------------------------------------------------------------------

const ACCOUNT = "123456789012";
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const HOST_ROLE = `arn:aws:iam::${ACCOUNT}:role/proof-server-enclave-host`;
const DEPLOYER_ROLE = `arn:aws:iam::${ACCOUNT}:role/pulumi-deployer`;
const OPERATOR_USER = `arn:aws:iam::${ACCOUNT}:user/ops/alice`;
const OTHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/some-other-app`;

const manifest = nitroManifestSchema.parse(
  JSON.parse(readFileSync(join(__dirname, "../../releases/pcr-measurements.v6.3.1.json"), "utf8")),
);

const pin = (expected: string, warnOnly = false): PcrPin => ({ expected, warnOnly });
const fakePcr = (label: string): string => createHash("sha384").update(label).digest("hex");

/** v6.3.1: the real published measurements. */
const V631: NitroReleasePins = {
  version: manifest.version,
  pcrs: {
    0: pin(manifest.measurements.pcr0.value),
    1: pin(manifest.measurements.pcr1.value),
    2: pin(manifest.measurements.pcr2.value),
  },
};

/** v6.4.0: a made-up next release with different (valid) measurements. */
const V640: NitroReleasePins = {
  version: "v6.4.0",
  pcrs: { 0: pin(fakePcr("v6.4.0/pcr0")), 1: pin(fakePcr("v6.4.0/pcr1")), 2: pin(fakePcr("v6.4.0/pcr2")) },
};

const PCR8 = fakePcr("eif-signing-certificate");
const V631_SIGNED: NitroReleasePins = { ...V631, pcrs: { ...V631.pcrs, 8: pin(PCR8) } };
const V631_PCR1_WARN: NitroReleasePins = { ...V631, pcrs: { ...V631.pcrs, 1: pin(V631.pcrs[1].expected, true) } };

function input(releases: NitroReleasePins[], overrides: Partial<NitroKmsKeyPolicyInput> = {}): NitroKmsKeyPolicyInput {
  return {
    partition: "aws",
    accountId: ACCOUNT,
    hostRoleArn: HOST_ROLE,
    keyAdministratorArns: [DEPLOYER_ROLE, OPERATOR_USER],
    releases,
    pinParentRole: true,
    ...overrides,
  };
}

/**
 * The attestation context keys KMS derives from an enclave's attestation document: the release's
 * PCRs and PCR3 of the parent's role (null: a parent without an instance profile, PCR3 all zero).
 */
function attestation(
  release: NitroReleasePins,
  indices: NitroPcrIndex[] = [0, 1, 2],
  parentRoleArn: string | null = HOST_ROLE,
): Record<string, string> {
  return {
    ...Object.fromEntries(
      indices.map((i) => {
        const value = release.pcrs[i]?.expected;
        if (value === undefined) throw new Error(`fixture ${release.version} has no PCR${i}`);
        return [`kms:RecipientAttestation:PCR${i}`, value];
      }),
    ),
    "kms:RecipientAttestation:PCR3": parentRoleArn === null ? "0".repeat(96) : nitroParentRolePcr3(parentRoleArn),
  };
}

const ALLOW_DECRYPT_EVERYWHERE: SimulationIdentityPolicy = {
  name: "AllowDecryptEverywhere",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] },
};
const ADMINISTRATOR_ACCESS: SimulationIdentityPolicy = {
  name: "AdministratorAccess",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

interface Call {
  policy: KmsPolicyDocument;
  principal: string;
  action?: string;
  context?: Record<string, string>;
  identityPolicies?: SimulationIdentityPolicy[];
}

/**
 * Runs one request against the key. Fails loudly if the simulator rejects the input or silently
 * drops a context key (a dropped attestation key would make the "denied" cases vacuous).
 */
async function simulate(call: Call): Promise<EvaluationResult> {
  const response = await runSimulation(
    {
      request: {
        principal: call.principal,
        action: call.action ?? "kms:Decrypt",
        resource: { resource: KEY_ARN, accountId: ACCOUNT },
        contextVariables: call.context ?? {},
      },
      identityPolicies: call.identityPolicies ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: call.policy,
    },
    { simulationMode: "Strict" },
  );
  if (response.resultType !== "single") {
    throw new Error(`unexpected simulation result: ${JSON.stringify(response)}`);
  }
  expect(response.result.ignoredContextKeys ?? []).toEqual([]);
  return response.overallResult;
}

const uppercase = (ctx: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, v.toUpperCase()]));

// ---------------------------------------------------------------------------------------------

describe("buildNitroKmsKeyPolicy: statement layout", () => {
  it("one conditioned decrypt statement per release and one admin statement, nothing else", () => {
    const policy = buildNitroKmsKeyPolicy(input([V631]));
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowEnclaveDecryptV631",
          Effect: "Allow",
          Principal: { AWS: HOST_ROLE },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: {
            StringEqualsIgnoreCase: {
              "kms:RecipientAttestation:PCR0": V631.pcrs[0].expected,
              "kms:RecipientAttestation:PCR1": V631.pcrs[1].expected,
              "kms:RecipientAttestation:PCR2": V631.pcrs[2].expected,
              "kms:RecipientAttestation:PCR3": nitroParentRolePcr3(HOST_ROLE),
            },
          },
        },
        {
          Sid: KEY_ADMIN_SID,
          Effect: "Allow",
          Principal: { AWS: [DEPLOYER_ROLE, OPERATOR_USER] },
          Action: [...KMS_KEY_ADMIN_ACTIONS],
          Resource: "*",
        },
      ],
    });
  });

  it("Sids are alphanumeric (IAM's rule) and unique; a rotation keeps each release's Sid stable", () => {
    const policy = buildNitroKmsKeyPolicy(input([V631, V640]));
    const sids = policy.Statement.map((s) => s.Sid);
    expect(sids).toEqual(["AllowEnclaveDecryptV631", "AllowEnclaveDecryptV640", "KeyAdministration"]);
    for (const sid of sids) expect(sid).toMatch(/^[a-zA-Z0-9]+$/);
  });

  it("no root, no wildcard principal, and the admin statement matches no forbidden action", () => {
    const policy = buildNitroKmsKeyPolicy(input([V631, V640]));
    const principals = policy.Statement.flatMap((s) => [s.Principal.AWS].flat());
    expect(principals.filter((p) => p === "*" || p.endsWith(":root") || /^\d{12}$/.test(p))).toEqual([]);

    const admin = policy.Statement.find((s) => s.Sid === KEY_ADMIN_SID);
    const actions = [admin?.Action ?? []].flat();
    // Same wildcard semantics as IAM (case-insensitive, * and ?), so a wildcard slipping in is caught.
    const matches = (pattern: string, action: string): boolean =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(
        action,
      );
    for (const forbidden of [...FORBIDDEN_NON_ENCLAVE_KMS_ACTIONS, "kms:SomeFutureAction"]) {
      expect(actions.filter((a) => matches(a, forbidden))).toEqual([]);
    }
    expect(actions.filter((a) => /[*?]/.test(a))).toEqual([]);
  });

  it("a warnOnly PCR1 is left out of the condition", () => {
    const [decrypt] = buildNitroKmsKeyPolicy(input([V631_PCR1_WARN])).Statement;
    expect(Object.keys(decrypt?.Condition?.StringEqualsIgnoreCase ?? {})).toEqual([
      "kms:RecipientAttestation:PCR0",
      "kms:RecipientAttestation:PCR2",
      "kms:RecipientAttestation:PCR3",
    ]);
  });
});

describe("PCR3: the parent instance's IAM role", () => {
  it("reproduces AWS's worked PCR3 value (set-up-attestation.html, role Webserver)", () => {
    expect(nitroParentRolePcr3("arn:aws:iam::123456789012:role/Webserver")).toBe(
      "78fce75db17cd4e0a3fb8dad3ad128ca5e77edbb2b2c7f75329dccd99aa5f6ef4fc1f1a452e315b9e98f9e312e6921e6",
    );
  });

  it.each([
    ["nitrite-blocky-2024-09-07.cbor", "i-0a22e5c5f24d22174"],
    ["blindai-debug-2023-03-22.cbor", "i-0592d6788f2a6df5f"],
  ])("the same extend-from-zero reproduces PCR4 (instance id) of the real document %s", (file, instanceId) => {
    const bytes = readFileSync(join(__dirname, "../fixtures/nitro-attestation", file));
    const doc = verifyNitroDocument(bytes, { releases: [] }).document;
    expect(doc?.moduleId.startsWith(`${instanceId}-enc`)).toBe(true);
    expect(doc?.pcrs[4]).toBe(nitroPcrExtendFromZero(instanceId));
  });

  it("the role ARN as IAM prints it, not the instance profile's ARN nor the session ARN", () => {
    const pcr3 = nitroParentRolePcr3(HOST_ROLE);
    expect(pcr3).not.toBe(nitroParentRolePcr3(`arn:aws:iam::${ACCOUNT}:instance-profile/proof-server-enclave-host`));
    expect(pcr3).not.toBe(nitroParentRolePcr3(`arn:aws:sts::${ACCOUNT}:assumed-role/proof-server-enclave-host/i-0123456789abcdef0`));
    expect(pcr3).toMatch(/^[0-9a-f]{96}$/);
  });

  it("pinned in every release's statement (rotation), computed from the host role", () => {
    const policy = buildNitroKmsKeyPolicy(input([V631, V640]));
    const decrypts = policy.Statement.filter((s) => s.Sid !== KEY_ADMIN_SID);
    expect(decrypts.map((s) => s.Condition?.["StringEqualsIgnoreCase"]?.["kms:RecipientAttestation:PCR3"])).toEqual([
      nitroParentRolePcr3(HOST_ROLE),
      nitroParentRolePcr3(HOST_ROLE),
    ]);
  });

  describe("evaluated with iam-simulate", () => {
    const pinned = buildNitroKmsKeyPolicy(input([V631]));
    const unpinned = buildNitroKmsKeyPolicy(input([V631], { pinParentRole: false }));
    // The attack: the public EIF (PCR0-2 match) in an enclave whose parent is another account's
    // instance, calling with credentials taken from one of our hosts.
    const foreignParent = "arn:aws:iam::210987654321:role/proof-server-enclave-host";

    it("our role, PCR0-2 and our role's PCR3 -> Allowed", async () => {
      expect(await simulate({ policy: pinned, principal: HOST_ROLE, context: attestation(V631) })).toBe("Allowed");
    });

    it.each([
      ["another account's role of the same name", foreignParent],
      ["another role in our account", OTHER_ROLE],
    ])("PCR3 of %s -> ImplicitlyDenied", async (_name, parent) => {
      expect(await simulate({ policy: pinned, principal: HOST_ROLE, context: attestation(V631, [0, 1, 2], parent) })).toBe(
        "ImplicitlyDenied",
      );
    });

    it("a parent without an instance profile (PCR3 all zero) -> ImplicitlyDenied", async () => {
      expect(await simulate({ policy: pinned, principal: HOST_ROLE, context: attestation(V631, [0, 1, 2], null) })).toBe(
        "ImplicitlyDenied",
      );
    });

    it("control: with pinParentRole false the foreign parent passes on PCR0-2 alone", async () => {
      expect(await simulate({ policy: unpinned, principal: HOST_ROLE, context: attestation(V631, [0, 1, 2], foreignParent) })).toBe(
        "Allowed",
      );
      expect(Object.keys(unpinned.Statement[0]?.Condition?.["StringEqualsIgnoreCase"] ?? {})).not.toContain(
        "kms:RecipientAttestation:PCR3",
      );
    });
  });
});

describe("buildNitroKmsKeyPolicy: evaluated with iam-simulate", () => {
  const single = buildNitroKmsKeyPolicy(input([V631]));
  const rotation = buildNitroKmsKeyPolicy(input([V631, V640]));

  describe("the host role", () => {
    it("matching PCR0/1/2 -> Allowed (no identity policy needed: the key policy names the role)", async () => {
      expect(await simulate({ policy: single, principal: HOST_ROLE, context: attestation(V631) })).toBe("Allowed");
    });

    it("the role's instance-profile session (assumed-role ARN, what EC2 really sends) -> Allowed", async () => {
      const session = `arn:aws:sts::${ACCOUNT}:assumed-role/proof-server-enclave-host/i-0123456789abcdef0`;
      expect(await simulate({ policy: single, principal: session, context: attestation(V631) })).toBe("Allowed");
      expect(await simulate({ policy: single, principal: session })).toBe("ImplicitlyDenied");
    });

    it("matching PCRs in uppercase hex -> Allowed (StringEqualsIgnoreCase)", async () => {
      expect(await simulate({ policy: single, principal: HOST_ROLE, context: uppercase(attestation(V631)) })).toBe(
        "Allowed",
      );
    });

    it.each([0, 1, 2] as const)("wrong PCR%i -> ImplicitlyDenied", async (wrong) => {
      const context = { ...attestation(V631), [`kms:RecipientAttestation:PCR${wrong}`]: fakePcr(`tampered-${wrong}`) };
      expect(await simulate({ policy: single, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
    });

    it("all-zero PCRs (debug enclave) -> ImplicitlyDenied", async () => {
      const zeros = "0".repeat(96);
      const context = {
        "kms:RecipientAttestation:PCR0": zeros,
        "kms:RecipientAttestation:PCR1": zeros,
        "kms:RecipientAttestation:PCR2": zeros,
      };
      expect(await simulate({ policy: single, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
    });

    it("no attestation context at all -> ImplicitlyDenied", async () => {
      expect(await simulate({ policy: single, principal: HOST_ROLE })).toBe("ImplicitlyDenied");
    });

    it("only PCR0 attested -> ImplicitlyDenied", async () => {
      expect(await simulate({ policy: single, principal: HOST_ROLE, context: attestation(V631, [0]) })).toBe(
        "ImplicitlyDenied",
      );
    });

    it("matching PCRs but another action (kms:GenerateDataKey) -> ImplicitlyDenied", async () => {
      expect(
        await simulate({ policy: single, principal: HOST_ROLE, action: "kms:GenerateDataKey", context: attestation(V631) }),
      ).toBe("ImplicitlyDenied");
    });
  });

  describe("rotation (two releases)", () => {
    it.each([
      ["v6.3.1", V631],
      ["v6.4.0", V640],
    ])("%s's full PCR set -> Allowed", async (_name, release) => {
      expect(await simulate({ policy: rotation, principal: HOST_ROLE, context: attestation(release) })).toBe("Allowed");
    });

    it.each([0, 1, 2] as const)("v6.3.1's PCRs with PCR%i of v6.4.0 -> ImplicitlyDenied (no mixing)", async (i) => {
      const context = { ...attestation(V631), ...attestation(V640, [i]) };
      expect(await simulate({ policy: rotation, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
    });

    it.each([0, 1, 2] as const)("v6.4.0's PCRs with PCR%i of v6.3.1 -> ImplicitlyDenied (no mixing)", async (i) => {
      const context = { ...attestation(V640), ...attestation(V631, [i]) };
      expect(await simulate({ policy: rotation, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
    });

    it("after the old release is dropped, its PCRs -> ImplicitlyDenied", async () => {
      const next = buildNitroKmsKeyPolicy(input([V640]));
      expect(await simulate({ policy: next, principal: HOST_ROLE, context: attestation(V631) })).toBe(
        "ImplicitlyDenied",
      );
      expect(await simulate({ policy: next, principal: HOST_ROLE, context: attestation(V640) })).toBe("Allowed");
    });
  });

  describe("PCR8 pinned (signed EIF)", () => {
    const signed = buildNitroKmsKeyPolicy(input([V631_SIGNED]));

    it("matching PCR0/1/2 without PCR8 -> ImplicitlyDenied", async () => {
      expect(await simulate({ policy: signed, principal: HOST_ROLE, context: attestation(V631_SIGNED) })).toBe(
        "ImplicitlyDenied",
      );
    });

    it("matching PCR0/1/2 with a wrong PCR8 -> ImplicitlyDenied", async () => {
      const context = { ...attestation(V631_SIGNED), "kms:RecipientAttestation:PCR8": fakePcr("other-signer") };
      expect(await simulate({ policy: signed, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
    });

    it("matching PCR0/1/2/8 -> Allowed", async () => {
      expect(
        await simulate({ policy: signed, principal: HOST_ROLE, context: attestation(V631_SIGNED, [0, 1, 2, 8]) }),
      ).toBe("Allowed");
    });
  });

  describe("warnOnly PCR1", () => {
    const relaxed = buildNitroKmsKeyPolicy(input([V631_PCR1_WARN]));

    it("any PCR1 with matching PCR0/2 -> Allowed", async () => {
      const context = { ...attestation(V631), "kms:RecipientAttestation:PCR1": fakePcr("some-other-kernel") };
      expect(await simulate({ policy: relaxed, principal: HOST_ROLE, context })).toBe("Allowed");
      expect(await simulate({ policy: relaxed, principal: HOST_ROLE, context: attestation(V631, [0, 2]) })).toBe(
        "Allowed",
      );
    });

    it("PCR0 still enforced -> wrong PCR0 is ImplicitlyDenied", async () => {
      const context = { ...attestation(V631), "kms:RecipientAttestation:PCR0": fakePcr("other-image") };
      expect(await simulate({ policy: relaxed, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
    });
  });

  describe("other principals", () => {
    it("another role with an unconditional identity Allow kms:Decrypt on * -> ImplicitlyDenied", async () => {
      // Even with a perfect attestation: the key policy neither names it nor delegates to the root.
      for (const context of [undefined, attestation(V631)]) {
        expect(
          await simulate({ policy: single, principal: OTHER_ROLE, identityPolicies: [ALLOW_DECRYPT_EVERYWHERE], context }),
        ).toBe("ImplicitlyDenied");
      }
    });

    it("a role with AdministratorAccess (Allow * on *) -> ImplicitlyDenied for kms:Decrypt", async () => {
      expect(
        await simulate({
          policy: single,
          principal: OTHER_ROLE,
          identityPolicies: [ADMINISTRATOR_ACCESS],
          context: attestation(V631),
        }),
      ).toBe("ImplicitlyDenied");
    });

    it.each(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant"])(
      "a role with AdministratorAccess calling %s -> ImplicitlyDenied (IAM cannot reach the key at all)",
      async (action) => {
        expect(
          await simulate({ policy: single, principal: OTHER_ROLE, action, identityPolicies: [ADMINISTRATOR_ACCESS] }),
        ).toBe("ImplicitlyDenied");
      },
    );

    it.each(["kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"])(
      "key administrator calling %s (even with AdministratorAccess and a valid attestation) -> ImplicitlyDenied",
      async (action) => {
        for (const identityPolicies of [[], [ADMINISTRATOR_ACCESS]]) {
          const context = action === "kms:Decrypt" || action === "kms:GenerateDataKey" ? attestation(V631) : undefined;
          expect(await simulate({ policy: single, principal: DEPLOYER_ROLE, action, identityPolicies, context })).toBe(
            "ImplicitlyDenied",
          );
        }
      },
    );

    it.each(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:Encrypt"])(
      "key administrator calling %s -> Allowed",
      async (action) => {
        expect(await simulate({ policy: single, principal: DEPLOYER_ROLE, action })).toBe("Allowed");
        expect(await simulate({ policy: single, principal: OPERATOR_USER, action })).toBe("Allowed");
      },
    );

    it("every administrative action -> Allowed; every forbidden action -> ImplicitlyDenied (admin)", async () => {
      for (const action of KMS_KEY_ADMIN_ACTIONS) {
        expect([action, await simulate({ policy: rotation, principal: DEPLOYER_ROLE, action })]).toEqual([
          action,
          "Allowed",
        ]);
      }
      for (const action of FORBIDDEN_NON_ENCLAVE_KMS_ACTIONS) {
        expect([action, await simulate({ policy: rotation, principal: DEPLOYER_ROLE, action })]).toEqual([
          action,
          "ImplicitlyDenied",
        ]);
      }
    });

    it("the host role cannot administer the key (kms:PutKeyPolicy -> ImplicitlyDenied)", async () => {
      expect(await simulate({ policy: single, principal: HOST_ROLE, action: "kms:PutKeyPolicy" })).toBe(
        "ImplicitlyDenied",
      );
    });
  });

  describe("control: the classic root statement opens the bypass (so the negative tests mean something)", () => {
    const bad: KmsPolicyDocument = {
      ...single,
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        ...single.Statement,
      ],
    };

    it("other role + identity Allow kms:Decrypt -> Allowed with no attestation at all", async () => {
      expect(await simulate({ policy: bad, principal: OTHER_ROLE, identityPolicies: [ALLOW_DECRYPT_EVERYWHERE] })).toBe(
        "Allowed",
      );
    });

    it("other role without an identity policy -> still ImplicitlyDenied (the root statement only delegates)", async () => {
      expect(await simulate({ policy: bad, principal: OTHER_ROLE })).toBe("ImplicitlyDenied");
    });

    it("host role + identity Allow kms:Decrypt -> Allowed without attestation (the bypass for the host itself)", async () => {
      expect(await simulate({ policy: bad, principal: HOST_ROLE, identityPolicies: [ALLOW_DECRYPT_EVERYWHERE] })).toBe(
        "Allowed",
      );
    });
  });
});

describe("control: one merged statement for both releases would mix PCRs (so the no-mixing tests mean something)", () => {
  // What a naive builder might emit: each key lists both releases' values (StringEqualsIgnoreCase
  // with a list is an OR per key, AND across keys).
  const merged: KmsPolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "MergedDecrypt",
        Effect: "Allow",
        Principal: { AWS: HOST_ROLE },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: {
          StringEqualsIgnoreCase: Object.fromEntries(
            ([0, 1, 2] as const).map((i) => [
              `kms:RecipientAttestation:PCR${i}`,
              [V631.pcrs[i].expected, V640.pcrs[i].expected],
            ]),
          ),
        },
      },
    ],
  };

  it("v6.3.1's PCR0 with v6.4.0's PCR1/2 -> Allowed under the merged statement", async () => {
    const context = { ...attestation(V640), ...attestation(V631, [0]) };
    expect(await simulate({ policy: merged, principal: HOST_ROLE, context })).toBe("Allowed");
    const ours = buildNitroKmsKeyPolicy(input([V631, V640]));
    expect(await simulate({ policy: ours, principal: HOST_ROLE, context })).toBe("ImplicitlyDenied");
  });
});

describe("buildNitroKmsKeyPolicy: input validation", () => {
  const cases: Array<[string, NitroKmsKeyPolicyInput, RegExp]> = [
    ["root ARN as administrator", input([V631], { keyAdministratorArns: [`arn:aws:iam::${ACCOUNT}:root`] }), /account root/],
    ["bare account id as administrator", input([V631], { keyAdministratorArns: [ACCOUNT] }), /account root/],
    ["\"*\" as administrator", input([V631], { keyAdministratorArns: ["*"] }), /wildcard principal/],
    ["role/* as administrator", input([V631], { keyAdministratorArns: [`arn:aws:iam::${ACCOUNT}:role/*`] }), /wildcard/],
    ["\"*\" as host role", input([V631], { hostRoleArn: "*" }), /hostRoleArn .*wildcard/],
    ["root as host role", input([V631], { hostRoleArn: `arn:aws:iam::${ACCOUNT}:root` }), /hostRoleArn .*account root/],
    ["a user as host role", input([V631], { hostRoleArn: `arn:aws:iam::${ACCOUNT}:user/bob` }), /must be an IAM role ARN/],
    [
      "an assumed-role session ARN",
      input([V631], { keyAdministratorArns: [`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session`] }),
      /not an IAM role\/user ARN/,
    ],
    [
      "a principal of another account",
      input([V631], { keyAdministratorArns: ["arn:aws:iam::210987654321:role/deployer"] }),
      /not in the key's partition\/account/,
    ],
    ["the host role as administrator", input([V631], { keyAdministratorArns: [DEPLOYER_ROLE, HOST_ROLE] }), /host role/],
    ["no administrators", input([V631], { keyAdministratorArns: [] }), /keyAdministratorArns is empty.*lockout/],
    ["bad account id", input([V631], { accountId: "12345" }), /accountId "12345" must be 12 digits/],
    ["bad partition", input([V631], { partition: "gcp" }), /not an AWS partition/],
    ["zero releases", input([]), /releases is empty/],
    [
      "three releases",
      input([V631, V640, { ...V640, version: "v6.5.0" }]),
      /3 releases \(v6\.3\.1, v6\.4\.0, v6\.5\.0\); at most two/,
    ],
    ["duplicate versions", input([V631, { ...V640, version: "v6.3.1" }]), /"v6\.3\.1" is listed twice/],
    ["versions whose Sids collide", input([V631, { ...V640, version: "v63.1" }]), /both map to statement id/],
    [
      "PCR0 warnOnly",
      input([{ ...V631, pcrs: { ...V631.pcrs, 0: pin(V631.pcrs[0].expected, true) } }]),
      /PCR0 warnOnly: PCR0 measures the enclave image/,
    ],
    [
      "every PCR warnOnly",
      input([{ version: "v6.3.1", pcrs: { 0: pin(fakePcr("a"), true), 1: pin(fakePcr("b"), true), 2: pin(fakePcr("c"), true) } }]),
      /enforces no PCR/,
    ],
    ["short hex", input([{ ...V631, pcrs: { ...V631.pcrs, 1: pin("abc123") } }]), /PCR1 "abc123" is malformed/],
    ["non-hex", input([{ ...V631, pcrs: { ...V631.pcrs, 2: pin("g".repeat(96)) } }]), /PCR2 .* is malformed/],
    [
      "uppercase hex in the pin",
      input([{ ...V631, pcrs: { ...V631.pcrs, 0: pin(V631.pcrs[0].expected.toUpperCase()) } }]),
      /PCR0 .* malformed: must be 96 lowercase hex/,
    ],
    ["all-zero PCR", input([{ ...V631, pcrs: { ...V631.pcrs, 2: pin("0".repeat(96)) } }]), /PCR2 is all zeros.*debug/],
    [
      "all-zero PCR8",
      input([{ ...V631, pcrs: { ...V631.pcrs, 8: pin("0".repeat(96)) } }]),
      /PCR8 is all zeros/,
    ],
  ];

  it.each(cases)("%s -> throws", (_name, bad, message) => {
    expect(() => buildNitroKmsKeyPolicy(bad)).toThrow(message);
  });

  it("a missing PCR from a JS caller -> throws", () => {
    const missing = { version: "v1", pcrs: { 0: pin(fakePcr("a")), 1: pin(fakePcr("b")) } } as unknown as NitroReleasePins;
    expect(() => buildNitroKmsKeyPolicy(input([missing]))).toThrow(/release "v1" has no PCR2/);
  });

  it("accepts role paths and a single administrator (principal as a string)", () => {
    const policy = buildNitroKmsKeyPolicy(
      input([V631], {
        hostRoleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/enclave-host`,
        keyAdministratorArns: [DEPLOYER_ROLE, DEPLOYER_ROLE],
      }),
    );
    expect(policy.Statement.map((s) => s.Principal.AWS)).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/service-role/enclave-host`,
      DEPLOYER_ROLE,
    ]);
  });
});
