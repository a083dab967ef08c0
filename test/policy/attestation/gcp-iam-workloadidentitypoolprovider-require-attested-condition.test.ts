/**
 * gcp-iam-workloadidentitypoolprovider-require-attested-condition: the dev-gcp provider's real
 * condition, evaluated with cel-js, passes; conditions with one clause removed or weakened are
 * refused, each by the probe token that differs in that claim only.
 */
import { describe, expect, it } from "vitest";
import { gcpIamWorkloadIdentityPoolProviderRequireAttestedCondition as rule } from "../../../policy/attestation/rules/gcp-iam-workloadidentitypoolprovider-require-attested-condition";
import { runResourcePolicy, type OfflineResource } from "../../../src/policy/evaluate";
import { devResource, offline } from "./fixtures";

const WIP = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const ZERO = "sha256:" + "0".repeat(64);
const REAL = "sha256:4f1c0e5b8a2d7c9e3f6a1b4d8c2e5f7a9b3d6c1e4f8a2b5d7c9e1f3a6b8d2c4e";
const devCondition = devResource(WIP).props["attributeCondition"] as string;

const withCondition = (condition: string | undefined): OfflineResource => {
  const p = devResource(WIP);
  return { ...p, props: { ...p.props, attributeCondition: condition } };
};
/** The dev condition with one clause replaced (the replacement must occur). */
function edited(from: string, to: string): OfflineResource {
  expect(devCondition).toContain(from);
  return withCondition(devCondition.replace(from, to));
}
async function messages(r: OfflineResource, acceptedImageDigests: string[] = []): Promise<string[]> {
  const o = await runResourcePolicy(rule, r, { acceptedImageDigests });
  if (o.kind !== "violations") throw new Error(`notApplicable: ${o.reason ?? ""}`);
  return o.violations.map((v) => v.message);
}
const admitted = (what: string, need: string): string => `attributeCondition admits a token that differs only in ${what}: require ${need}`;

describe("gcp-iam-workloadidentitypoolprovider-require-attested-condition", () => {
  it("passes the dev-gcp provider (its placeholder digest pinned), also with that digest configured", async () => {
    expect(await messages(devResource(WIP))).toEqual([]);
    expect(await messages(devResource(WIP), [ZERO])).toEqual([]);
  });

  it("refuses a condition without the swname clause", async () => {
    expect(await messages(edited('assertion.swname == "CONFIDENTIAL_SPACE" && ', ""))).toEqual([admitted('swname "GCE" (not Confidential Space)', 'assertion.swname == "CONFIDENTIAL_SPACE"')]);
  });

  it("refuses a condition that admits the debug image", async () => {
    expect(await messages(edited('assertion.dbgstat == "disabled-since-boot"', 'assertion.dbgstat in ["disabled-since-boot", "enabled"]'))).toEqual([admitted('dbgstat "enabled" (the debug image)', 'assertion.dbgstat == "disabled-since-boot"')]);
  });

  it("refuses a condition without STABLE", async () => {
    expect(await messages(edited('"STABLE" in', '"USABLE" in'))).toEqual([admitted("support_attributes without STABLE", '"STABLE" in assertion.submods.confidential_space.support_attributes')]);
  });

  it("refuses a condition that pins no digest", async () => {
    expect(await messages(edited(`assertion.submods.container.image_digest in ["${ZERO}"]`, 'assertion.submods.container.image_digest.startsWith("sha256:")'))).toEqual([
      admitted(`image_digest sha256:${"5a".repeat(32)}`, "assertion.submods.container.image_digest in [<pinned digests>]"),
    ]);
  });

  it("refuses a condition that allows command or environment overrides", async () => {
    const noOverrides = devCondition.replace(/ && \(!has\(assertion\.submods\.container\.cmd_override\).*$/, "");
    expect(noOverrides).not.toContain("override");
    expect(await messages(withCondition(noOverrides))).toEqual([
      admitted("a cmd_override", "size(assertion.submods.container.cmd_override) == 0"),
      admitted("an env_override", "size(assertion.submods.container.env_override) == 0 (or exactly the allowed overrides)"),
    ]);
  });

  it("checks the configured digests: an accepted one must pass, an unaccepted one must not be admitted", async () => {
    expect(await messages(devResource(WIP), [REAL])).toEqual([`attributeCondition refuses the production token of accepted image ${REAL}`, `attributeCondition admits image ${ZERO}, which is not an accepted digest`]);
  });

  it("refuses a missing, unparsable or never-true condition", async () => {
    expect(await messages(withCondition(undefined))).toEqual(["Confidential Space provider has no attributeCondition: every Confidential Space VM, debug images and every container included, can obtain the pool's identities"]);
    const [parseError] = await messages(withCondition('assertion.swname == "CONFIDENTIAL_SPACE" &&'));
    expect(parseError).toMatch(/^attributeCondition does not parse as CEL: /);
    expect(await messages(withCondition("false"))).toEqual(["attributeCondition refuses every production Confidential Space token it was given (pinned digests, this project, its service account): no attested workload could authenticate"]);
  });

  it("ignores providers for other issuers", async () => {
    const github = offline(WIP, "gh", { oidc: { issuerUri: "https://token.actions.githubusercontent.com" }, attributeCondition: "true" });
    expect(await runResourcePolicy(rule, github, {})).toEqual({ kind: "notApplicable", reason: "not a Confidential Space (confidentialcomputing.googleapis.com) provider" });
  });
});
