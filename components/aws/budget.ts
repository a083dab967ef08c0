import type * as pulumi from "@pulumi/pulumi";
import * as budgets from "@pulumi/aws/budgets";
import type * as sns from "@pulumi/aws/sns";
import type { BudgetSettings } from "../../src/config/types";
import { BUDGET_NOTIFICATIONS, type Severity } from "../../src/monitoring/catalogue";

/**
 * The stack's AWS Budgets cost budget (docs/budgets.md): monthly, its notifications on actual
 * spend routed to the severities' SNS topics, filtered to the resources tagged with the fleet.
 */

/** The fleet tag every child carries; as a cost allocation tag it is `user:<key>`. */
export const FLEET_TAG = "tee-prover:fleet";

/** Budgets' cost filter value for one tag (`user:<key>$<value>`, the TagKeyValue filter). */
export function fleetCostFilterValue(fleetName: string): string {
  return `user:${FLEET_TAG}$${fleetName}`;
}

/** Severities a budget notification publishes to. */
export const BUDGET_SEVERITIES: ReadonlySet<Severity> = new Set(BUDGET_NOTIFICATIONS.map((n) => n.severity));

/**
 * The topic-policy statement that lets AWS Budgets publish to a topic, limited to this account's
 * budgets, as the Budgets user guide gives it ("Creating an Amazon SNS topic for budget
 * notifications": https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html).
 * Without it the notification is not delivered.
 */
export function budgetsPublishStatement(topicArn: string, accountId: string, partition = "aws") {
  return {
    Sid: "AWSBudgetsPublish",
    Effect: "Allow",
    Principal: { Service: "budgets.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      ArnLike: { "aws:SourceArn": `arn:${partition}:budgets::${accountId}:*` },
    },
  };
}

/** One monthly COST budget with a notification per threshold, each to its severity's topic. */
export function fleetBudget(
  name: string,
  fleetName: string,
  budget: BudgetSettings,
  topics: Readonly<Record<Severity, sns.Topic>>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): budgets.Budget {
  return new budgets.Budget(`${name}-budget`, {
    budgetType: "COST",
    timeUnit: "MONTHLY",
    limitAmount: budget.monthlyAmount.toFixed(2),
    limitUnit: budget.currency,
    // Only what carries the fleet's tag, once `tee-prover:fleet` is an active cost allocation tag
    // (docs/budgets.md: until then the budget sees nothing).
    costFilters: [{ name: "TagKeyValue", values: [fleetCostFilterValue(fleetName)] }],
    notifications: BUDGET_NOTIFICATIONS.map(({ percent, severity }) => ({
      comparisonOperator: "GREATER_THAN",
      notificationType: "ACTUAL",
      threshold: percent,
      thresholdType: "PERCENTAGE",
      subscriberSnsTopicArns: [topics[severity].arn],
    })),
    tags,
  }, { parent });
}

/** For the topic policies: the statement list a topic needs for the budget, given resolved ARN and account. */
export function budgetStatementsFor(severity: Severity, budget: BudgetSettings | undefined, topicArn: string, accountId: string): object[] {
  return budget && BUDGET_SEVERITIES.has(severity) ? [budgetsPublishStatement(topicArn, accountId)] : [];
}
