import type * as pulumi from "@pulumi/pulumi";
import * as consumption from "@pulumi/azure-native/consumption";
import type * as monitor from "@pulumi/azure-native/monitor";
import type { BudgetSettings } from "../../src/config/types";
import { BUDGET_NOTIFICATIONS, type Severity } from "../../src/monitoring/catalogue";

/**
 * The stack's Azure consumption budget (docs/budgets.md), at the resource group's scope: every cost
 * of the group counts, and nothing outside it. A budget has at most five notifications (the
 * provider's `notifications`: "Budget can have up to five notifications"); each goes to its
 * severity's action group (`contactGroups`, supported at subscription and resource group scope).
 * The amount is in the subscription's billing currency: a budget has no currency of its own.
 */

/** The first day of `now`'s month, UTC: a monthly budget must start on a month's first, within the current period. */
export function budgetStartDate(now: Date): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}-01T00:00:00Z`;
}

export function fleetBudget(
  name: string,
  inputs: {
    readonly budget: BudgetSettings;
    /** `/subscriptions/<id>/resourceGroups/<name>` */
    readonly resourceGroupId: pulumi.Input<string>;
    readonly actionGroups: Readonly<Record<Severity, monitor.ActionGroup>>;
    /** When the budget is created (default now); its start date is that month's first. */
    readonly now?: Date;
  },
  parent: pulumi.Resource,
): consumption.Budget {
  const notifications = Object.fromEntries(BUDGET_NOTIFICATIONS.map(({ percent, severity }) => [
    `actual-${percent}-${severity.toLowerCase()}`,
    {
      enabled: true,
      operator: "GreaterThan",
      threshold: percent,
      // Actual spend, not forecast: see BUDGET_NOTIFICATIONS.
      thresholdType: "Actual",
      contactEmails: [],
      contactGroups: [inputs.actionGroups[severity].id],
    },
  ]));
  return new consumption.Budget(`${name}-budget`, {
    scope: inputs.resourceGroupId,
    category: "Cost",
    amount: inputs.budget.monthlyAmount,
    timeGrain: "Monthly",
    timePeriod: { startDate: budgetStartDate(inputs.now ?? new Date()) },
    notifications,
  }, {
    parent,
    // The start date is the month of creation; a later `pulumi up` must not move it (Azure refuses
    // a start date outside the current period, and the budget keeps running monthly anyway).
    ignoreChanges: ["timePeriod"],
  });
}
