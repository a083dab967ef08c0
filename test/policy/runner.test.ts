import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { validateResourceOfType, validateStackResourcesOfType, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { Key } from "@pulumi/aws/kms/key";
import { afterAll, describe, expect, it } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { parsePolicyPackConfig, PolicyConfigError, reconcilePolicyConfig, validateJsonSchema } from "../../src/policy/config";
import { configsForPacks, PLAN_PACKS, runPlanPolicies } from "../../src/policy/packs";
import { buildUrn, stackUrn, toOfflineResources, toStateFile } from "../../src/policy/resources";
import { packConfig, runPack, type PackDefinition } from "../../src/policy/run";
import { combineVerdicts, renderVerdict } from "../../src/policy/verdict";

// The offline runner: the engine's config merge, levels, URNs and the state export, with trivial
// test rules (the real rules live in policy/ and have their own tests).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-runner-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function planned(type: string, name: string, extra: Partial<PlannedResource> = {}): PlannedResource {
  return { type, name, custom: true, id: `${name}-id`, inputs: {}, state: {}, protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], ...extra };
}

const COMPONENT = "tee-prover:aws:NitroProofServer";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const KEY = "aws:kms/key:Key";
const recorded: PlannedResource[] = [
  planned(COMPONENT, "fleet", { custom: false, id: "" }),
  planned(SG, "fleet-hosts", { parent: `${COMPONENT}::fleet`, inputs: { ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 22, toPort: 22, protocol: "tcp" }] }, state: { arn: "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1" } }),
  planned(KEY, "fleet-key", { parent: `${COMPONENT}::fleet`, protect: true, dependsOn: [`${SG}::fleet-hosts`], inputs: { description: "k" } }),
  planned(SG, "team-own", { inputs: { ingress: [] } }),
];

/** Reports open SSH; the port it checks is configurable, default 22. */
const openSsh: ResourceValidationPolicy = {
  name: "aws-ec2-securitygroup-disallow-open-ssh",
  description: "no SSH from anywhere",
  // Its own level wins over the pack's.
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps: "close port 22 to 0.0.0.0/0",
  configSchema: { properties: { port: { type: "integer", minimum: 1, maximum: 65535, default: 22 }, note: { type: "string", default: "from schema" } } },
  validateResource: validateResourceOfType(SecurityGroup, (group, args, report) => {
    const { port } = args.getConfig<{ port: number }>();
    for (const rule of group.ingress ?? []) if (rule.cidrBlocks?.includes("0.0.0.0/0") && rule.fromPort <= port && port <= rule.toPort) report(`port ${port} open to the internet`);
  }),
};

/** Every KMS key must be protected; no level of its own (the pack's applies). */
const keyProtected: ResourceValidationPolicy = {
  name: "aws-kms-key-require-protect",
  description: "keys are protected",
  validateResource: validateResourceOfType(Key, (_key, args, report) => {
    if (!args.opts.protect) report("not protected");
  }),
};

function pack(policies: PackDefinition["args"]["policies"], extra: Partial<PackDefinition> = {}, level: "advisory" | "mandatory" = "advisory"): PackDefinition {
  return { name: "test-pack", args: { policies, enforcementLevel: level }, ...extra };
}

describe("config: the engine's merge order", () => {
  const info = [{ name: "a", enforcementLevel: "advisory" as const, configSchema: { properties: { n: { type: "integer" as const, default: 1 }, s: { type: "string" as const, default: "x" } } } }, { name: "b" }];

  it("schema defaults and the policy's level, else the pack's, else advisory", () => {
    const noPack = reconcilePolicyConfig(info, undefined, undefined, {});
    expect(noPack.get("a")).toEqual({ enforcementLevel: "advisory", properties: { n: 1, s: "x" } });
    expect(noPack.get("b")).toEqual({ enforcementLevel: "advisory", properties: {} });
    expect(reconcilePolicyConfig(info, "mandatory", undefined, {}).get("b")!.enforcementLevel).toBe("mandatory");
  });

  it("initialConfig over defaults, the file over initialConfig; 'all' before the per-policy entry; properties merged key by key", () => {
    const merged = reconcilePolicyConfig(info, "advisory", { a: { n: 2 }, all: "disabled" }, parsePolicyPackConfig({ all: "mandatory", a: { enforcementLevel: "remediate", s: "file" } }, "f"));
    expect(merged.get("a")).toEqual({ enforcementLevel: "remediate", properties: { n: 2, s: "file" } });
    expect(merged.get("b")).toEqual({ enforcementLevel: "mandatory", properties: {} });
    // The file's "all" overrides a per-policy level set in an earlier layer (initialConfig).
    expect(reconcilePolicyConfig(info, undefined, { a: "mandatory" }, parsePolicyPackConfig({ all: "advisory" }, "f")).get("a")!.enforcementLevel).toBe("advisory");
    // Properties under "all" are not copied to the policies (only its level is).
    expect(reconcilePolicyConfig(info, undefined, undefined, parsePolicyPackConfig({ all: { n: 9 } }, "f")).get("a")!.properties).toEqual({ n: 1, s: "x" });
  });

  it("parses the file format: a level string or an object; refuses anything else, naming the policy", () => {
    expect(parsePolicyPackConfig({ a: "disabled", b: { enforcementLevel: "advisory", x: 1 }, c: {} }, "f")).toEqual({ a: { enforcementLevel: "disabled" }, b: { enforcementLevel: "advisory", properties: { x: 1 } } });
    expect(() => parsePolicyPackConfig({ a: "warn" }, "cfg.json")).toThrow('cfg.json: parsing enforcement level for "a": "warn" is not a valid enforcement level (one of advisory, mandatory, remediate, disabled)');
    expect(() => parsePolicyPackConfig({ a: { enforcementLevel: "strict" } }, "cfg.json")).toThrow('parsing enforcement level for "a": "strict" is not a valid enforcement level');
    expect(() => parsePolicyPackConfig({ a: 3 }, "cfg.json")).toThrow('cfg.json: parsing "a": 3 is not a valid value; must be a string or object');
    expect(() => parsePolicyPackConfig([1], "cfg.json")).toThrow(PolicyConfigError);
  });

  it("validates the merged properties against each schema, every problem named by policy", () => {
    expect(() => reconcilePolicyConfig(info, undefined, undefined, parsePolicyPackConfig({ a: { n: "two", s: 3 } }, "f"))).toThrow(/policy pack config is invalid:\n {2}a: n: invalid type, expected integer, given string\n {2}a: s: invalid type, expected string, given integer/);
    const required = [{ name: "r", configSchema: { properties: { pin: { type: "string" as const, pattern: "^[0-9a-f]{96}$" } }, required: ["pin"] } }];
    expect(() => reconcilePolicyConfig(required, undefined, undefined, {})).toThrow("r: pin is required");
    expect(() => reconcilePolicyConfig(required, undefined, undefined, { r: { properties: { pin: "00" } } })).toThrow('r: pin: does not match pattern "^[0-9a-f]{96}$"');
    expect(reconcilePolicyConfig(required, undefined, undefined, { r: { properties: { pin: "a".repeat(96) } } }).get("r")!.properties).toEqual({ pin: "a".repeat(96) });
  });

  it("the schema check covers the keywords config schemas use", () => {
    expect(validateJsonSchema({ type: "array", items: { type: "string", enum: ["m5", "c5"] }, minItems: 1, uniqueItems: true }, ["m5", "t3", "m5"], "families")).toEqual(["families: array items must be unique", 'families[1]: must be one of "m5", "c5"']);
    expect(validateJsonSchema({ type: "number", minimum: 600 }, 59.5, "timeout")).toEqual(["timeout: must be greater than or equal to 600"]);
    expect(validateJsonSchema({ type: "object", properties: { a: { type: "boolean" } }, additionalProperties: false }, { a: true, b: 1 }, "")).toEqual(["b: additional property not allowed"]);
    expect(validateJsonSchema({ type: "number" }, 3, "")).toEqual([]);
  });
});

describe("runPack: levels, notApplicable, config", () => {
  const resources = toOfflineResources(recorded, "dev", "proj");
  const sgUrn = buildUrn("dev", "proj", [COMPONENT, SG], "fleet-hosts");

  it("reports each violation on its resource with the effective level, severity, and counts what was not applicable", async () => {
    const verdict = await runPack(pack([openSsh, keyProtected], {}, "mandatory"), resources);
    const ssh = verdict.policies[0]!;
    expect(ssh).toMatchObject({ name: openSsh.name, level: "advisory", kind: "resource", evaluated: 2, notApplicable: 3, remediationSteps: "close port 22 to 0.0.0.0/0" });
    expect(ssh.violations).toEqual([{ policy: openSsh.name, level: "advisory", severity: "high", message: "port 22 open to the internet", urn: sgUrn }]);
    // No level of its own: the pack's (mandatory); the key is protected, so no violation.
    expect(verdict.policies[1]).toMatchObject({ level: "mandatory", evaluated: 1, notApplicable: 4, violations: [] });
    expect([verdict.mandatory, verdict.advisory]).toEqual([0, 1]);
  });

  it("getConfig: schema defaults, then initialConfig, then the file", async () => {
    const seen: unknown[] = [];
    const spy: ResourceValidationPolicy = { ...openSsh, name: "spy", validateResource: (args) => void seen.push(args.getConfig()) };
    await runPack(pack([spy], { initialConfig: { spy: { port: 2222 } } }), resources.slice(0, 1), { config: { spy: { properties: { note: "file" } } } });
    expect(seen).toEqual([{ port: 2222, note: "file" }]);
    // The configured port changes the verdict: nothing is open on 3389.
    const verdict = await runPack(pack([openSsh]), resources, { config: { [openSsh.name]: { properties: { port: 3389 } } } });
    expect(verdict.policies[0]!.violations).toEqual([]);
  });

  it("remediate that still reports counts as mandatory; disabled is skipped without running", async () => {
    const remediate = await runPack(pack([openSsh]), resources, { config: { [openSsh.name]: { enforcementLevel: "remediate" } } });
    expect(remediate.policies[0]!.level).toBe("remediate");
    expect(remediate.policies[0]!.violations.map((v) => v.level)).toEqual(["mandatory"]);
    expect(remediate.mandatory).toBe(1);
    let ran = false;
    const never: ResourceValidationPolicy = { name: "never", description: "x", validateResource: () => void (ran = true) };
    const disabled = await runPack(pack([never, openSsh]), resources, { config: { all: { enforcementLevel: "disabled" }, [openSsh.name]: { enforcementLevel: "mandatory" } } });
    expect(ran).toBe(false);
    expect(disabled.policies.map((p) => [p.name, p.level, p.evaluated])).toEqual([
      ["never", "disabled", 0],
      [openSsh.name, "mandatory", 2],
    ]);
    expect(disabled.mandatory).toBe(1);
  });

  it("stack policies see parents, dependencies and the stack resource; a violation may name no resource", async () => {
    const stackPolicy: StackValidationPolicy = {
      name: "stack-keys-under-fleet",
      description: "x",
      enforcementLevel: "mandatory",
      validateStack: (args, report) => {
        const keys = args.resources.filter((r) => r.isType(Key));
        const key = args.resources.find((r) => r.urn === buildUrn("dev", "proj", [COMPONENT, KEY], "fleet-key"))!;
        report(`${keys.length} key; parent ${key.parent?.type}; depends on ${key.dependencies.map((d) => d.name).join()}; top-level parent ${args.resources.find((r) => r.name === "team-own")!.parent?.type}; tag ${args.stackTags.get("pulumi:project")}`);
      },
    };
    const verdict = await runPack(pack([stackPolicy]), resources, { stackTags: new Map([["pulumi:project", "proj"]]) });
    expect(verdict.policies[0]!).toMatchObject({ kind: "stack", evaluated: 1, notApplicable: 0 });
    expect(verdict.policies[0]!.violations).toEqual([{ policy: "stack-keys-under-fleet", level: "mandatory", message: `1 key; parent ${COMPONENT}; depends on fleet-hosts; top-level parent pulumi:pulumi:Stack; tag proj` }]);
    // validateStackResourcesOfType declares itself not applicable when the stack has none of its type.
    const none = await runPack(pack([{ ...stackPolicy, validateStack: validateStackResourcesOfType(Key, () => undefined) }]), resources.filter((r) => r.type !== KEY));
    expect(none.policies[0]).toMatchObject({ evaluated: 0, notApplicable: 1, violations: [] });
  });

  it("a rule that throws fails the run naming the pack, the rule and the resource", async () => {
    const broken: ResourceValidationPolicy = { name: "broken", description: "x", validateResource: validateResourceOfType(Key, () => { throw new Error("boom"); }) };
    await expect(runPack(pack([broken]), resources)).rejects.toThrow(`policy 'broken' from pack 'test-pack' failed on ${buildUrn("dev", "proj", [COMPONENT, KEY], "fleet-key")}: boom`);
    const brokenStack: StackValidationPolicy = { name: "broken-stack", description: "x", validateStack: () => { throw new TypeError("nope"); } };
    await expect(runPack(pack([brokenStack]), resources)).rejects.toThrow("policy 'broken-stack' from pack 'test-pack' failed on the stack: nope");
  });

  it("packConfig refuses a config the schema rejects, before any rule runs", () => {
    expect(() => packConfig(pack([openSsh]), { [openSsh.name]: { properties: { port: 70000 } } })).toThrow("aws-ec2-securitygroup-disallow-open-ssh: port: must be less than or equal to 65535");
  });

  it("renders the verdict: each violation with its level, resource and fix; REFUSED on a mandatory one; the offline notes", async () => {
    const verdict = combineVerdicts([await runPack(pack([openSsh]), resources)]);
    const text = renderVerdict(verdict);
    expect(text).toContain(`✗ ${openSsh.name} [advisory]: 1 violation (2 judged, 3 not applicable)`);
    expect(text).toContain(`        [advisory] ${SG}  fleet-hosts: port 22 open to the internet\n        fix: close port 22 to 0.0.0.0/0`);
    expect(text).toContain("Verdict: PASS (0 mandatory, 1 advisory violations).");
    const refused = renderVerdict(combineVerdicts([await runPack(pack([openSsh]), resources, { config: { all: { enforcementLevel: "mandatory" } } })]));
    expect(refused).toContain("Verdict: REFUSED (1 mandatory, 0 advisory violations).");
    expect(refused).toContain("Secret config values are seen as the string [secret]");
  });
});

describe("URNs and the recorded resources", () => {
  it("chains parent types with $, leaves the stack out of the chain, and makes the stack every top-level resource's parent", () => {
    const [root, component, sg, key, own] = toOfflineResources(recorded, "dev", "proj");
    expect(root).toEqual({ type: "pulumi:pulumi:Stack", name: "proj-dev", urn: "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", props: {} });
    expect(component!.urn).toBe(`urn:pulumi:dev::proj::${COMPONENT}::fleet`);
    expect(component!.parent).toBe(stackUrn("dev", "proj"));
    expect(sg!.urn).toBe(`urn:pulumi:dev::proj::${COMPONENT}$${SG}::fleet-hosts`);
    expect(key).toMatchObject({ urn: `urn:pulumi:dev::proj::${COMPONENT}$${KEY}::fleet-key`, parent: component!.urn, dependencies: [sg!.urn], protect: true, props: { description: "k" } });
    expect(own!.urn).toBe(`urn:pulumi:dev::proj::${SG}::team-own`);
    // A grandchild carries the whole chain.
    const deep = toOfflineResources([...recorded, planned("aws:iam/role:Role", "r", { parent: `${KEY}::fleet-key` })], "dev", "proj").at(-1)!;
    expect(deep.urn).toBe(`urn:pulumi:dev::proj::${COMPONENT}$${KEY}$aws:iam/role:Role::r`);
  });

  it("exports a version-3 deployment as `pulumi stack export` writes it", () => {
    const state = toStateFile(recorded, "dev", "proj", "2026-01-01T00:00:00Z");
    expect(state.version).toBe(3);
    expect(state.deployment.manifest).toEqual({ time: "2026-01-01T00:00:00Z", magic: "", version: "" });
    const [root, component, sg, key] = state.deployment.resources;
    expect(root).toEqual({ urn: stackUrn("dev", "proj"), custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs: {} });
    // A component has no id and no outputs of its own here.
    expect(component).toEqual({ urn: `urn:pulumi:dev::proj::${COMPONENT}::fleet`, custom: false, type: COMPONENT, inputs: {}, outputs: {}, parent: stackUrn("dev", "proj") });
    expect(sg).toMatchObject({ custom: true, id: "fleet-hosts-id", outputs: { arn: "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1" }, parent: component!.urn });
    expect(key).toMatchObject({ protect: true, dependencies: [sg!.urn], inputs: { description: "k" } });
    // Parents come before their children, as the engine requires of a snapshot.
    const order = state.deployment.resources.map((r) => r.urn);
    for (const r of state.deployment.resources) if (r.parent) expect(order.indexOf(r.parent)).toBeLessThan(order.indexOf(r.urn));
  });
});

describe("the plan's packs and config files", () => {
  const file = (name: string, body: string) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, body);
    return f;
  };

  it("one file applies to every pack, one per pack in order; another count is refused", () => {
    const a = file("a.json", '{"all": "advisory"}');
    const b = file("b.json", '{"all": {"enforcementLevel": "disabled"}}');
    expect(configsForPacks([a]).configs).toEqual([{ all: { enforcementLevel: "advisory" } }, { all: { enforcementLevel: "advisory" } }]);
    expect(configsForPacks([a, b]).configs).toEqual([{ all: { enforcementLevel: "advisory" } }, { all: { enforcementLevel: "disabled" } }]);
    expect(() => configsForPacks([a, b, a])).toThrow("--policy-pack-config given 3 times: give it once (for every pack) or once per pack, in the order tee-prover-attestation, tee-prover-baseline");
  });

  it("names policies the config mentions that no pack has; refuses unreadable or non-JSON files; an empty file is no config", () => {
    expect(configsForPacks([file("typo.json", '{"aws-kms-key-enfroce-pcrs": "advisory", "all": "mandatory"}')]).unknownNames).toEqual(["aws-kms-key-enfroce-pcrs"]);
    expect(() => configsForPacks([file("bad.json", "{all: mandatory}")])).toThrow(/^--policy-pack-config \S+bad\.json: not JSON/);
    expect(() => configsForPacks([path.join(tmp, "missing.json")])).toThrow(/missing\.json: cannot read it/);
    expect(configsForPacks([file("empty.json", "  \n")]).configs).toEqual([{}, {}]);
  });

  it("runs both shipped packs over recorded resources, by name, with the offline notes", async () => {
    const verdict = await runPlanPolicies(recorded, { stack: "dev", project: "proj" });
    expect(verdict.packs.map((p) => p.pack)).toEqual(PLAN_PACKS.map((p) => p.name));
    expect(verdict.packs.map((p) => p.pack)).toEqual(["tee-prover-attestation", "tee-prover-baseline"]);
    expect(verdict.evaluated).toBe(true);
    expect(verdict.notes.join(" ")).toMatch(/provider defaults and auto-names are not applied.*unknown.*\[secret\]/s);
  });
});
