import { describe, expect, test } from "vitest";
import { knownReleases } from "../../lib";
import { resolveNitroArgs } from "../../src/config/args";
import { ConfigError } from "../../src/config/errors";
import { PROJECT } from "../../src/config/schema";
import { expectOnlyProblem, problemsOf, resolveOk, devValues } from "../config/helpers";
import type { NitroProofServerArgs } from "../../components/aws/args";

// One setting, one schema: `tee-prover-infra:quarantine` in a stack file and `quarantine` in a
// component's arguments go through the same checks (src/quarantine.ts, src/config/resolve.ts).
const Q = `${PROJECT}:quarantine`;
const withQuarantine = (value: unknown) => ({ ...devValues(), [Q]: value });
const REASON = "INC-42: PCR mismatch reported by npm run verify";
const SINCE = "2026-11-30T04:00:00Z";

describe("stack config", () => {
  test("absent or switched off: not quarantined, and a switched-off section may keep its history", () => {
    expect(resolveOk(devValues()).quarantine).toBeUndefined();
    expect(resolveOk(withQuarantine({ enabled: false, reason: REASON, since: SINCE })).quarantine).toBeUndefined();
    expect(resolveOk(withQuarantine({ enabled: false })).quarantine).toBeUndefined();
  });

  test("on: reason and since are carried into the resolved config", () => {
    expect(resolveOk(withQuarantine({ enabled: true, reason: REASON, since: SINCE })).quarantine).toEqual({ reason: REASON, since: SINCE });
  });

  test("on without a reason or a start time: both are reported at once, each with its fix", () => {
    const problems = problemsOf(withQuarantine({ enabled: true }));
    expect(problems.map((p) => p.key)).toEqual(["quarantine.reason", "quarantine.since"]);
    expect(problems[0]!.fix).toContain("pulumi config set --path quarantine.reason");
    expect(problems[1]!.fix).toContain("date -u +%Y-%m-%dT%H:%M:%SZ");
  });

  test("a start time that is not ISO 8601 UTC, a one-word reason, a mistyped key and a non-boolean switch are refused", () => {
    expectOnlyProblem(withQuarantine({ enabled: true, reason: REASON, since: "yesterday" }), "quarantine.since", "ISO 8601 UTC");
    expectOnlyProblem(withQuarantine({ enabled: true, reason: "PCR", since: SINCE }), "quarantine.reason", "at least a sentence");
    expectOnlyProblem(withQuarantine({ enabled: true, reason: REASON, since: SINCE, sicne: SINCE }), "quarantine.sicne", "unknown key");
    expectOnlyProblem(withQuarantine({ enabled: "yes", reason: REASON, since: SINCE }), "quarantine.enabled", "must be true (quarantined) or false (serving)");
  });
});

describe("component arguments", () => {
  const args = (quarantine: NitroProofServerArgs["quarantine"]): NitroProofServerArgs => ({
    environment: "staging",
    releases: [{ manifest: knownReleases["v6.3.1"].manifest, eif: { s3Uri: "s3://team-artifacts/proof-server-v6.3.1.eif" } }],
    ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "the published v6.3.1 EIF serves plain HTTP" } },
    aws: {
      region: "eu-west-1",
      certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
      keyAdministratorArns: ["arn:aws:iam::123456789012:role/deployer"],
    },
    ...(quarantine ? { quarantine } : {}),
  });

  test("the same checks, worded for the argument path", () => {
    expect(resolveNitroArgs("team-prover", args({ enabled: true, reason: REASON, since: SINCE })).quarantine).toEqual({ reason: REASON, since: SINCE });
    expect(resolveNitroArgs("team-prover", args({ enabled: false })).quarantine).toBeUndefined();
    let error: unknown;
    try {
      resolveNitroArgs("team-prover", args({ enabled: true, since: SINCE }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("- args.quarantine.reason: is required while quarantine.enabled is true");
  });
});
