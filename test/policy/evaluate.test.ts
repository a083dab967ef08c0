import { validateResourceOfType, validateStackResourcesOfType, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { Key } from "@pulumi/aws/kms/key";
import { describe, expect, it } from "vitest";
import { runResourcePolicy, runStackPolicy, type OfflineResource } from "../../src/policy/evaluate";

// The offline harness must hand a policy what the analyzer hands it: typed helpers that match on
// the type token, the policy's config, notApplicable, parents and dependencies.

const sg: OfflineResource = { type: "aws:ec2/securityGroup:SecurityGroup", name: "hosts", urn: "urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::hosts", props: { ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 22, toPort: 22, protocol: "tcp" }] } };
const key: OfflineResource = { type: "aws:kms/key:Key", name: "k", urn: "urn:pulumi:dev::p::aws:kms/key:Key::k", props: {}, protect: true, parent: sg.urn, dependencies: [sg.urn] };

const openSsh: ResourceValidationPolicy = {
  name: "aws-ec2-securitygroup-disallow-open-ssh",
  description: "no SSH from anywhere",
  validateResource: validateResourceOfType(SecurityGroup, (group, args, report) => {
    const limit = args.getConfig<{ port?: number }>().port ?? 22;
    for (const rule of group.ingress ?? []) if (rule.cidrBlocks?.includes("0.0.0.0/0") && rule.fromPort <= limit && limit <= rule.toPort) report(`port ${limit} open to the internet`);
  }),
};

describe("runResourcePolicy", () => {
  it("runs a typed validation on its own type only, with the policy's config", async () => {
    expect(await runResourcePolicy(openSsh, sg)).toEqual({ kind: "violations", violations: [{ message: "port 22 open to the internet" }] });
    expect(await runResourcePolicy(openSsh, sg, { port: 3389 })).toEqual({ kind: "violations", violations: [] });
    // validateResourceOfType marks other types not applicable, naming the type it wants.
    expect(await runResourcePolicy(openSsh, key)).toEqual({ kind: "notApplicable", reason: expect.stringContaining("aws:ec2/securityGroup:SecurityGroup") });
  });

  it("reports notApplicable with its reason, and the options a policy reads", async () => {
    const policy: ResourceValidationPolicy = {
      name: "x",
      description: "x",
      validateResource: (args, report) => {
        if (!args.isType(Key)) args.notApplicable("not a key");
        if (!args.opts.protect || args.opts.parent !== sg.urn) report("unprotected");
      },
    };
    expect(await runResourcePolicy(policy, sg)).toEqual({ kind: "notApplicable", reason: "not a key" });
    expect(await runResourcePolicy(policy, key)).toEqual({ kind: "violations", violations: [] });
  });
});

describe("runStackPolicy", () => {
  it("sees every resource with its parent and dependencies linked", async () => {
    const policy: StackValidationPolicy = {
      name: "kms-keys-depend-on-groups",
      description: "x",
      validateStack: validateStackResourcesOfType(Key, (keys, args, report) => {
        const all = args.resources.find((r) => r.urn === key.urn)!;
        if (keys.length !== 1 || all.parent?.urn !== sg.urn || all.dependencies.map((d) => d.urn).join() !== sg.urn) report("not linked", key.urn);
      }),
    };
    expect(await runStackPolicy(policy, [sg, key])).toEqual({ kind: "violations", violations: [] });
    expect(await runStackPolicy(policy, [sg, { ...key, parent: undefined }])).toEqual({ kind: "violations", violations: [{ message: "not linked", urn: key.urn }] });
  });
});

describe("validation arrays, as the analyzer runs them", () => {
  it("a validation that is not applicable does not stop the next one; all not applicable is not applicable", async () => {
    const both: ResourceValidationPolicy = {
      name: "two-validations",
      description: "x",
      validateResource: [(args) => args.notApplicable("first does not apply"), (_args, report) => report("second found it")],
    };
    expect(await runResourcePolicy(both, sg)).toEqual({ kind: "violations", violations: [{ message: "second found it" }] });
    const neither: ResourceValidationPolicy = { name: "none", description: "x", validateResource: [(args) => args.notApplicable("a"), (args) => args.notApplicable("b")] };
    expect(await runResourcePolicy(neither, sg)).toEqual({ kind: "notApplicable", reason: "a" });
    expect(await runResourcePolicy({ name: "remediation-only", description: "x", remediateResource: () => undefined }, sg)).toEqual({ kind: "notApplicable", reason: "Policy does not implement validateResource" });
  });
});
