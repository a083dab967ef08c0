import { BUDGET_NOTIFICATIONS } from "../monitoring/catalogue";
import type { ConfigProblem } from "./errors";
import type { RawStackConfig } from "./schema";

/**
 * The budget's cross-field rules (docs/budgets.md), kept apart from the environment rules so
 * either can move: prod needs a budget; GCP needs the billing account, the other clouds have none.
 */

/** prod must say what it expects to cost: an overrun is otherwise found on the invoice. */
export function prodBudgetProblems(raw: Pick<RawStackConfig, "environment" | "budget">): ConfigProblem[] {
  if (raw.environment !== "prod" || raw.budget !== undefined) return [];
  return [{
    key: "budget.monthlyAmount",
    message: "prod needs a monthly cost budget: notifications at 80, 100 and 110 % of the expected cost go to the P3, P2 and P1 subscribers (docs/budgets.md)",
    fix: "pulumi config set --path budget.monthlyAmount <expected monthly cost> (and budget.currency if not USD)",
  }];
}

/** A Cloud Billing budget sends to at most 5 Cloud Monitoring channels (allUpdatesRule.monitoringNotificationChannels). */
export const GCP_BUDGET_CHANNELS_MAX = 5;

export function budgetProblems(raw: RawStackConfig): ConfigProblem[] {
  const problems = prodBudgetProblems(raw);
  const budget = raw.budget;
  if (!budget) return problems;
  if (raw.cloud === "gcp") {
    if (budget.billingAccount === undefined) {
      problems.push({ key: "budget.billingAccount", message: "a Cloud Billing budget belongs to the billing account that pays for the project", fix: "pulumi config set --path budget.billingAccount <id from gcloud billing projects describe <project>>" });
    }
    for (const { severity } of BUDGET_NOTIFICATIONS) {
      // Only e-mail channels reach a budget (components/gcp/budget.ts), so only they count.
      const count = raw.alarms[severity].emails.length;
      if (count > GCP_BUDGET_CHANNELS_MAX) {
        problems.push({
          key: `alarms.${severity}.emails`,
          message: `has ${count} addresses, but a Cloud Billing budget notifies at most ${GCP_BUDGET_CHANNELS_MAX} e-mail channels, and the budget routes a threshold to ${severity}`,
          fix: `keep at most ${GCP_BUDGET_CHANNELS_MAX} addresses in alarms.${severity}.emails (e.g. one mailing list instead of several addresses)`,
        });
      }
    }
  } else if (budget.billingAccount !== undefined) {
    problems.push({ key: "budget.billingAccount", message: `is a Cloud Billing setting; ${raw.cloud === "aws" ? "an AWS budget belongs to the account" : "an Azure budget belongs to the resource group"} that deploys the stack`, fix: "remove budget.billingAccount" });
  }
  return problems;
}
