import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { knownReleases } from "../../src/releases/known";
import { resolveNitroArgs } from "../../src/config/args";
import { ConfigError } from "../../src/config/errors";
import { readStackFile } from "../../src/config/load";
import { resolveStackConfig } from "../../src/config/resolve";
import { PROJECT } from "../../src/config/schema";
import type { NitroProofServerArgs } from "../../components/aws/args";
import { PROJECT_DIR, devWith, expectOnlyProblem, problemsOf, prodWith, resolveOk, type Json } from "./helpers";

// budget: schema (amount, currency, billing account), prod requires one, GCP's billing account and
// its 5-channel limit (src/config/budget.ts, docs/budgets.md).

const BUDGET = `${PROJECT}:budget`;
const BILLING = "012345-6789AB-CDEF01";

/** A prod AWS stack that passes every other prod rule, with this budget (none: undefined). */
const awsProd = (budget?: Json) =>
  prodWith((v) => {
    if (budget !== undefined) v[BUDGET] = budget;
    else delete v[BUDGET];
  });

function stackValues(stack: string, mutate: (v: Record<string, Json>) => void): Record<string, Json> {
  const values = structuredClone(readStackFile(PROJECT_DIR, stack).values) as Record<string, Json>;
  mutate(values);
  return values;
}

describe("budget in the stack config", () => {
  it("prod without a budget is refused, naming budget.monthlyAmount and how to set it", () => {
    expectOnlyProblem(awsProd(), "budget.monthlyAmount", ["prod needs a monthly cost budget", "80, 100 and 110 %"], "pulumi config set --path budget.monthlyAmount");
  });

  it("prod with a budget resolves; currency defaults to USD; dev needs none", () => {
    expect(resolveOk(awsProd({ monthlyAmount: 1500 })).budget).toEqual({ monthlyAmount: 1500, currency: "USD" });
    expect(resolveOk(awsProd({ monthlyAmount: 99.5, currency: "EUR" })).budget).toEqual({ monthlyAmount: 99.5, currency: "EUR" });
    expect(resolveOk(devWith(() => undefined)).budget).toBeUndefined();
  });

  it("refuses a non-positive or missing amount, a bad currency and unknown keys", () => {
    expectOnlyProblem(devWith((v) => (v[BUDGET] = { monthlyAmount: 0 })), "budget.monthlyAmount", "must be above 0");
    expectOnlyProblem(devWith((v) => (v[BUDGET] = { monthlyAmount: "lots" })), "budget.monthlyAmount", "must be the expected monthly cost");
    expectOnlyProblem(devWith((v) => (v[BUDGET] = { currency: "USD" })), "budget.monthlyAmount", "must be the expected monthly cost");
    expectOnlyProblem(devWith((v) => (v[BUDGET] = { monthlyAmount: 10, currency: "usd" })), "budget.currency", "ISO 4217");
    expectOnlyProblem(devWith((v) => (v[BUDGET] = { monthlyAmount: 10, amount: 10 })), "budget.amount", 'unknown key "amount"');
  });

  it("a billing account is a GCP setting: refused on AWS and Azure", () => {
    expectOnlyProblem(devWith((v) => (v[BUDGET] = { monthlyAmount: 10, billingAccount: BILLING })), "budget.billingAccount", "is a Cloud Billing setting", "remove budget.billingAccount");
    const azure = stackValues("dev-azure", (v) => (v[BUDGET] = { monthlyAmount: 10, billingAccount: BILLING }));
    expect(problemsOf(azure).map((p) => [p.key, p.message])).toEqual([["budget.billingAccount", expect.stringContaining("an Azure budget belongs to the resource group")]]);
  });

  it("a currency is refused on Azure, whose consumption budgets count in the billing currency", () => {
    const azure = stackValues("dev-azure", (v) => (v[BUDGET] = { monthlyAmount: 10, currency: "EUR" }));
    expect(problemsOf(azure).map((p) => [p.key, p.message])).toEqual([["budget.currency", expect.stringContaining("has no effect on Azure")]]);
    expect(resolveStackConfig({ values: stackValues("dev-azure", (v) => (v[BUDGET] = { monthlyAmount: 10 })), projectDir: PROJECT_DIR }).budget).toEqual({ monthlyAmount: 10, currency: "USD" });
  });

  it("GCP needs the billing account, in its own format", () => {
    const without = stackValues("dev-gcp", (v) => (v[BUDGET] = { monthlyAmount: 10 }));
    expect(problemsOf(without).map((p) => [p.key, p.fix])).toEqual([["budget.billingAccount", expect.stringContaining("pulumi config set --path budget.billingAccount")]]);
    const malformed = stackValues("dev-gcp", (v) => (v[BUDGET] = { monthlyAmount: 10, billingAccount: "billingAccounts/0123" }));
    expect(problemsOf(malformed).map((p) => p.key)).toEqual(["budget.billingAccount"]);
    const ok = resolveStackConfig({ values: stackValues("dev-gcp", (v) => (v[BUDGET] = { monthlyAmount: 10, billingAccount: BILLING })), projectDir: PROJECT_DIR });
    expect(ok.budget).toEqual({ monthlyAmount: 10, currency: "USD", billingAccount: BILLING });
  });

  it("GCP: a severity the budget notifies may have at most 5 e-mail addresses (a budget's channel limit); webhooks do not count, P0 may have more", () => {
    const emails = (n: number) => Array.from({ length: n }, (_, i) => `ops${i}@example.com`);
    const values = stackValues("dev-gcp", (v) => {
      v[BUDGET] = { monthlyAmount: 10, billingAccount: BILLING };
      v[`${PROJECT}:alarms`] = { P0: { emails: emails(7) }, P1: { emails: emails(4), httpsEndpoints: ["https://hooks.example.com/a", "https://hooks.example.com/b"] }, P2: { emails: emails(6) }, P3: { emails: emails(5) } };
    });
    const problems = problemsOf(values);
    expect(problems.map((p) => [p.key, p.message.split(",")[0]])).toEqual([["alarms.P2.emails", "has 6 addresses"]]);
    expect(problems[0]!.fix).toContain("at most 5 addresses in alarms.P2.emails");
  });
});

describe("budget in the component args", () => {
  const args = (top: Partial<NitroProofServerArgs>): NitroProofServerArgs => ({
    environment: "prod",
    releases: [{ manifest: knownReleases["v6.3.1"].manifest, eif: { s3Uri: "s3://team-artifacts/proof-server-v6.3.1.eif" } }],
    ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "the published v6.3.1 EIF serves plain HTTP" } },
    alarms: { P0: { httpsEndpoints: ["https://events.pager.acme-prover.io/p0"] }, P1: { httpsEndpoints: ["https://events.pager.acme-prover.io/p1"] } },
    aws: {
      region: "eu-west-1",
      amiId: "ami-0123456789abcdef0",
      vpc: { mode: "create", natGateways: "perAz" },
      certificateArn: pulumi.output("arn:aws:acm:eu-west-1:210987654321:certificate/11111111-2222-3333-4444-555555555555"),
      keyAdministratorArns: ["arn:aws:iam::210987654321:role/deployer"],
    },
    ...top,
  });

  it("prod without a budget is refused in argument language", () => {
    let error: unknown;
    try {
      resolveNitroArgs("team-prover", args({}));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("- args.budget.monthlyAmount: prod needs a monthly cost budget");
    expect((error as ConfigError).message).toContain("fix: set args.budget.monthlyAmount");
  });

  it("prod with a budget resolves to the same settings as the stack config", () => {
    expect(resolveNitroArgs("team-prover", args({ budget: { monthlyAmount: 1200, currency: "EUR" } })).budget).toEqual({ monthlyAmount: 1200, currency: "EUR" });
  });
});
