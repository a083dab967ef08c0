import * as pulumi from "@pulumi/pulumi";
import * as billing from "@pulumi/gcp/billing";
import type * as monitoring from "@pulumi/gcp/monitoring";
import type { BudgetSettings } from "../../src/config/types";
import { BUDGET_NOTIFICATIONS, type Severity } from "../../src/monitoring/catalogue";
import { autoNamed, GCP_NAME_MAX } from "../../src/naming";

/**
 * The stack's Cloud Billing budgets (docs/budgets.md). A budget sends every threshold it crosses to
 * the same notification channels (allUpdatesRule.monitoringNotificationChannels, at most 5:
 * https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets#NotificationsRule),
 * and only to e-mail channels ("For Cloud Billing budget alerts, you must use email notification
 * channels. The other types of notification channels are not supported",
 * https://cloud.google.com/python/docs/reference/billingbudgets/latest/google.cloud.billing.budgets_v1.types.NotificationsRule):
 * a severity's webhooks get no budget alert, and a severity without e-mail leaves its threshold to
 * the billing account's default recipients (its Billing Account Administrators and Users),
 * so routing thresholds to severities takes one budget per threshold, each of the expected amount
 * with one threshold rule and its severity's channels. Scoped to the project (by number, the form
 * the budget filter takes); a project shared with other workloads is counted whole.
 */

/** Money as the Budget API takes it: whole units as a string, and nanos. */
export function budgetMoney(amount: number, currencyCode: string): { currencyCode: string; units: string; nanos: number } {
  const units = Math.floor(amount);
  return { currencyCode, units: String(units), nanos: Math.round((amount - units) * 1e9) };
}

/** One budget per notification threshold, each notifying its severity's channels. */
export function fleetBudgets(
  name: string,
  inputs: {
    readonly budget: BudgetSettings & { readonly billingAccount: string };
    /** The project's number (`gcp.organizations.getProject`). */
    readonly projectNumber: pulumi.Input<string>;
    /** The e-mail channels per severity: the only kind a budget notifies. */
    readonly emailChannels: Readonly<Record<Severity, readonly monitoring.NotificationChannel[]>>;
  },
  parent: pulumi.Resource,
): billing.Budget[] {
  return BUDGET_NOTIFICATIONS.map(({ percent, severity }) =>
    new billing.Budget(autoNamed(`${name}-budget-${severity.toLowerCase()}`, GCP_NAME_MAX), {
      billingAccount: inputs.budget.billingAccount,
      displayName: `${name} ${percent}% ${severity}`.slice(0, 60),
      amount: { specifiedAmount: budgetMoney(inputs.budget.monthlyAmount, inputs.budget.currency) },
      budgetFilter: {
        projects: [pulumi.interpolate`projects/${inputs.projectNumber}`],
        calendarPeriod: "MONTH",
      },
      // Actual spend (CURRENT_SPEND), not forecast: see BUDGET_NOTIFICATIONS.
      thresholdRules: [{ thresholdPercent: percent / 100, spendBasis: "CURRENT_SPEND" }],
      allUpdatesRule: { monitoringNotificationChannels: inputs.emailChannels[severity].map((c) => c.id) },
    }, { parent }),
  );
}
