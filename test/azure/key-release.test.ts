/**
 * attestedKey (components/azure/keyRelease.ts) under Pulumi's mock runtime, with mocks of its own
 * (one stack for this file: Pulumi's runtime state is global). The release policy is read back
 * from the key's resource inputs, decoded and EVALUATED against MAA guest-token claims.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY_PERMISSIONS,
  KEY_NAME,
  KEY_VAULT_NAME,
  RELEASE_KEY_SPEC,
  attestedKey,
  keyVaultAccessPolicies,
  keyVaultName,
  releaseKeyName,
  type AttestedKey,
  type KeyReleaseInputs,
} from "../../components/azure/keyRelease";
import { buildAzureReleasePolicy, decodeReleasePolicyData } from "../../src/attestation/azure-release-policy";
import { evaluateReleasePolicy } from "../../src/attestation/azure-release-policy-eval";
import { sevSnpToken, tdxToken } from "../helpers/azure-maa-tokens";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const RELEASER = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
const ADMIN_A = "11111111-2222-3333-4444-555555555555";
const ADMIN_B = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
const SHARED_WEU = "https://sharedweu.weu.attest.azure.net";
const OWN_MAA = "https://proverattest.weu.attest.azure.net";

/** The longest fleet name stacks/index.ts produces (fitName(..., 28)). */
const LONGEST_FLEET = "prover-production-westeu-a1b";

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  protect: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
  parent?: string;
}
const recorded: Recorded[] = [];
const options = new Map<string, Pick<Recorded, "protect" | "ignoreChanges" | "replaceOnChanges" | "deleteBeforeReplace" | "parent">>();

class Fleet extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:azure:Fleet", name);
  }
}

const base = (over: Partial<KeyReleaseInputs>): KeyReleaseInputs => ({
  resourceGroupName: pulumi.output("rg-prover"),
  location: "westeurope",
  tenantId: pulumi.output(TENANT),
  releasePrincipalId: pulumi.output(RELEASER),
  technology: "SEV_SNP",
  administratorObjectIds: pulumi.output([ADMIN_A, pulumi.output(ADMIN_B)]),
  protect: true,
  tags: { fleet: "test" },
  ...over,
});

let prod: AttestedKey;
let dev: AttestedKey;
let unknownRegionError: unknown;
let resolvedOutputs: { vaultUri: string; keyName: string };

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        let state: Record<string, unknown> = { ...inputs };
        if (args.type === "random:index/randomId:RandomId") state = { ...inputs, hex: "c0ffee" };
        if (args.type === "azure-native:keyvault:Vault") {
          const properties = inputs["properties"] as Record<string, unknown>;
          state = { ...inputs, name: inputs["vaultName"], properties: { ...properties, vaultUri: `https://${String(inputs["vaultName"])}.vault.azure.net/` } };
        }
        if (args.type === "azure-native:keyvault:Key") state = { ...inputs, name: inputs["keyName"] };
        recorded.push({ type: args.type, name: args.name, inputs, ...(options.get(`${args.type}::${args.name}`) ?? { protect: false, ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false }) });
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "tee-prover-infra",
    "test",
    false,
  );
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const parent = args.opts.parent;
      options.set(`${args.type}::${args.name}`, {
        protect: args.opts.protect === true,
        ignoreChanges: [...(args.opts.ignoreChanges ?? [])],
        replaceOnChanges: [...(args.opts.replaceOnChanges ?? [])],
        deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
        ...(parent && !pulumi.CustomResource.isInstance(parent) ? { parent: "component" } : {}),
      });
      return undefined;
    });
    prod = attestedKey(LONGEST_FLEET, base({}), new Fleet(LONGEST_FLEET));
    // Same pins, another fleet: its key's hash part must equal prod's (control for the pin tests).
    attestedKey("prover-twin", base({}), new Fleet("prover-twin"));
    // One pin changed each: technology, authority.
    attestedKey("prover-tdx", base({ technology: "TDX" }), new Fleet("prover-tdx"));
    attestedKey("prover-own", base({ attestationAuthority: OWN_MAA }), new Fleet("prover-own"));
    dev = attestedKey("prover-dev", base({ technology: "TDX", attestationAuthority: `${OWN_MAA}/`, protect: false }), new Fleet("prover-dev"));
    try {
      attestedKey("prover-nowhere", base({ location: "atlantis" }), new Fleet("prover-nowhere"));
    } catch (e) {
      unknownRegionError = e;
    }
    const [vaultUri, keyName] = await new Promise<[string, string]>((resolve) => pulumi.all([prod.vaultUri, prod.keyName]).apply((v) => resolve(v)));
    resolvedOutputs = { vaultUri, keyName };
    return {};
  });
  await pulumi.runtime.disconnect();
});

const of = (type: string, name: string): Recorded => {
  const found = recorded.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
  return found[0]!;
};
const vaultOf = (fleet: string) => of("azure-native:keyvault:Vault", `${fleet}-vault`);
const keyOf = (fleet: string) => of("azure-native:keyvault:Key", `${fleet}-release-key`);
const props = (r: Recorded) => r.inputs["properties"] as Record<string, unknown>;
const policyOf = (fleet: string): unknown => {
  const releasePolicy = props(keyOf(fleet))["releasePolicy"] as { contentType: string; data: string };
  expect(releasePolicy.contentType).toBe("application/json; charset=utf-8");
  return decodeReleasePolicyData(releasePolicy.data);
};

describe("the vault", () => {
  it("is premium (HSM-backed keys), in the given group, region and tenant, with access policies", () => {
    const v = vaultOf(LONGEST_FLEET);
    expect(props(v)["sku"]).toEqual({ family: "A", name: "premium" });
    expect([v.inputs["resourceGroupName"], v.inputs["location"], props(v)["tenantId"]]).toEqual(["rg-prover", "westeurope", TENANT]);
    expect(props(v)["enableRbacAuthorization"]).toBe(false);
    expect([props(v)["enabledForDeployment"], props(v)["enabledForDiskEncryption"], props(v)["enabledForTemplateDeployment"]]).toEqual([false, false, false]);
    expect(v.parent).toBe("component");
  });

  it("prod: soft delete for 90 days, purge protection, and Pulumi protect", () => {
    const v = vaultOf(LONGEST_FLEET);
    expect([props(v)["enableSoftDelete"], props(v)["softDeleteRetentionInDays"], props(v)["enablePurgeProtection"]]).toEqual([true, 90, true]);
    expect(v.protect).toBe(true);
  });

  it("dev: soft delete for 7 days, purge protection not sent (the API refuses false), not protected", () => {
    const v = vaultOf("prover-dev");
    expect([props(v)["enableSoftDelete"], props(v)["softDeleteRetentionInDays"]]).toEqual([true, 7]);
    expect("enablePurgeProtection" in props(v)).toBe(false);
    expect(v.protect).toBe(false);
  });

  it("has a name within Azure's rules for the longest fleet name: fleet name cut, then the per-deployment suffix", () => {
    const name = String(vaultOf(LONGEST_FLEET).inputs["vaultName"]);
    expect(name).toBe("prover-production-c0ffee");
    expect(name).toMatch(KEY_VAULT_NAME);
    expect(name.length).toBeLessThanOrEqual(24);
    expect(of("random:index/randomId:RandomId", `${LONGEST_FLEET}-vault-suffix`).inputs["byteLength"]).toBe(3);
  });
});

describe("access: release only for the scale set's identity", () => {
  const policies = () => props(vaultOf(LONGEST_FLEET))["accessPolicies"] as { tenantId: string; objectId: string; permissions: Record<string, string[]> }[];

  it("the identity alone holds release, and only get + release on keys, get on secrets", () => {
    const withRelease = policies().filter((p) => p.permissions["keys"]!.includes("release") || p.permissions["keys"]!.includes("all"));
    expect(withRelease.map((p) => p.objectId)).toEqual([RELEASER]);
    expect(withRelease[0]!.permissions).toEqual({ keys: ["get", "release"], secrets: ["get"], certificates: [], storage: [] });
  });

  it("every administrator can delete and recover keys (azure-native deletes a replaced key) but not release, purge, use, loosen or copy them", () => {
    const admins = policies().filter((p) => p.objectId !== RELEASER);
    expect(admins.map((p) => p.objectId)).toEqual([ADMIN_A, ADMIN_B.toLowerCase()]);
    for (const a of admins) {
      expect(a.tenantId).toBe(TENANT);
      expect(a.permissions["keys"]).toEqual([...ADMIN_KEY_PERMISSIONS]);
      expect(a.permissions["keys"]).toEqual(expect.arrayContaining(["delete", "recover"]));
      // update changes a live key's release policy; create/import/rotate add versions with any
      // policy; backup/restore copy the key into a vault someone else controls.
      const forbidden = ["release", "purge", "all", "decrypt", "unwrapKey", "sign", "update", "create", "import", "rotate", "setrotationpolicy", "backup", "restore"];
      for (const permission of forbidden) expect(a.permissions["keys"]).not.toContain(permission);
      expect(a.permissions["secrets"]).not.toContain("purge");
    }
  });

  it("refuses an administrator that is also the releaser, no administrator, and ids that are not GUIDs", () => {
    const ok = { tenantId: TENANT, releasePrincipalId: RELEASER, administratorObjectIds: [ADMIN_A] };
    expect(keyVaultAccessPolicies(ok)).toHaveLength(2);
    expect(() => keyVaultAccessPolicies({ ...ok, administratorObjectIds: [ADMIN_A, RELEASER.toUpperCase()] })).toThrow(/^administratorObjectIds: must not contain releasePrincipalId/);
    expect(() => keyVaultAccessPolicies({ ...ok, administratorObjectIds: [] })).toThrow(/^administratorObjectIds: at least one/);
    expect(() => keyVaultAccessPolicies({ ...ok, administratorObjectIds: ["deployer"] })).toThrow(/^administratorObjectIds: deployer not object ids/);
    expect(() => keyVaultAccessPolicies({ ...ok, releasePrincipalId: "" })).toThrow(/^releasePrincipalId: /);
    expect(() => keyVaultAccessPolicies({ ...ok, tenantId: "contoso.onmicrosoft.com" })).toThrow(/^tenantId: /);
  });
});

describe("the key", () => {
  it("is an exportable RSA-HSM key in the fleet's vault, Pulumi-protected in prod only (a pin change there needs an unprotect), tags ignored", () => {
    const k = keyOf(LONGEST_FLEET);
    expect(props(k)["kty"]).toBe("RSA-HSM");
    expect(props(k)["keySize"]).toBe(3072);
    expect(props(k)["attributes"]).toEqual({ enabled: true, exportable: true });
    expect(k.inputs["vaultName"]).toBe(vaultOf(LONGEST_FLEET).inputs["vaultName"]);
    expect(k.protect).toBe(true);
    expect(keyOf("prover-dev").protect).toBe(false);
    expect(k.ignoreChanges).toEqual(["tags"]);
    // Replaced when the name changes, new key first; never on properties (see keyRelease.ts).
    expect([k.replaceOnChanges, k.deleteBeforeReplace]).toEqual([["keyName"], false]);
    expect(String(k.inputs["keyName"])).toMatch(KEY_NAME);
  });

  it("carries a release policy that, evaluated, releases to a compliant SEV-SNP CVM via the region's shared MAA", () => {
    expect(evaluateReleasePolicy(policyOf(LONGEST_FLEET), sevSnpToken(SHARED_WEU))).toEqual({ released: true, reasons: [] });
  });

  it("and to nothing else: a TDX CVM, another authority", () => {
    expect(evaluateReleasePolicy(policyOf(LONGEST_FLEET), tdxToken(SHARED_WEU)).released).toBe(false);
    expect(evaluateReleasePolicy(policyOf(LONGEST_FLEET), sevSnpToken(OWN_MAA)).released).toBe(false);
  });

  it("uses the configured authority and technology when given (dev: TDX via its own MAA provider)", () => {
    expect(evaluateReleasePolicy(policyOf("prover-dev"), tdxToken(OWN_MAA)).released).toBe(true);
    expect(evaluateReleasePolicy(policyOf("prover-dev"), tdxToken(SHARED_WEU)).released).toBe(false);
    expect(evaluateReleasePolicy(policyOf("prover-dev"), sevSnpToken(OWN_MAA)).released).toBe(false);
    expect(dev.releasePolicy).toEqual(policyOf("prover-dev"));
  });

  it("a changed pin yields a different key name; the same pins the same hash", () => {
    const hashPart = (fleet: string) => String(keyOf(fleet).inputs["keyName"]).replace(`${fleet}-release-`, "");
    expect(hashPart(LONGEST_FLEET)).toMatch(/^[0-9a-f]{8}$/);
    expect(hashPart("prover-twin")).toBe(hashPart(LONGEST_FLEET));
    expect(new Set([hashPart(LONGEST_FLEET), hashPart("prover-tdx"), hashPart("prover-own")]).size).toBe(3);
    // The same fleet, pins changed: the key ARM is asked for is a new one.
    const spec = (technology: "SEV_SNP" | "TDX", authority: string) => ({ ...RELEASE_KEY_SPEC, releasePolicy: buildAzureReleasePolicy({ technology, authority }) });
    expect(releaseKeyName(LONGEST_FLEET, spec("SEV_SNP", SHARED_WEU))).toBe(keyOf(LONGEST_FLEET).inputs["keyName"]);
    expect(releaseKeyName(LONGEST_FLEET, spec("TDX", SHARED_WEU))).not.toBe(keyOf(LONGEST_FLEET).inputs["keyName"]);
    expect(releaseKeyName(LONGEST_FLEET, { ...spec("SEV_SNP", SHARED_WEU), keySize: 4096 })).not.toBe(keyOf(LONGEST_FLEET).inputs["keyName"]);
  });

  it("exposes the vault URI and key name", () => {
    expect(resolvedOutputs).toEqual({ vaultUri: "https://prover-production-c0ffee.vault.azure.net/", keyName: keyOf(LONGEST_FLEET).inputs["keyName"] });
  });
});

it("a region without a known shared MAA provider and no attestationAuthority fails before declaring anything", () => {
  expect(String(unknownRegionError)).toMatch(/attestationAuthority: no shared Microsoft Azure Attestation provider is known for region "atlantis"/);
  expect(recorded.filter((r) => r.name.startsWith("prover-nowhere-"))).toEqual([]);
});

describe("keyVaultName", () => {
  it("keeps 3-24 characters, a leading letter, no double or trailing hyphen", () => {
    expect(keyVaultName(LONGEST_FLEET, "abcdef")).toBe("prover-production-abcdef");
    expect(keyVaultName("prover-a--b", "abcdef")).toBe("prover-a-b-abcdef");
    // The cut lands on a hyphen: it goes, rather than doubling with the separator.
    expect(keyVaultName("prover-productio-x", "abcdef")).toBe("prover-productio-abcdef");
    expect(keyVaultName("p", "abcdef")).toBe("p-abcdef");
    expect(() => keyVaultName("9lives", "abcdef")).toThrow(/breaks Azure's rules/);
    expect(() => keyVaultName("prover", "XYZ")).toThrow(/hex/);
  });
});
