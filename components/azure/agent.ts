import * as pulumi from "@pulumi/pulumi";
import { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment";

/**
 * What the host agent (src/bootstrap/azure-agent.ts) needs from Azure besides the VM: the right to
 * post custom metrics against the scale set. Sources: docs/azure-monitoring.md ("The host agent").
 */

/**
 * Built-in role "Monitoring Metrics Publisher" ("Enables publishing metrics against Azure
 * resources"): https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/monitor#monitoring-metrics-publisher
 */
export const MONITORING_METRICS_PUBLISHER_ROLE_ID = "3913510d-42f4-4e42-8a64-420c390055eb";

/** The custom metrics namespace of a fleet: what the agent posts into and the alerts read. */
export function azureMetricNamespace(fleetName: string): string {
  return `TeeProver/${fleetName}`;
}

/** `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<role>`, in the scope's subscription. */
export function roleDefinitionIdIn(scopeId: string, roleId: string): string {
  const m = /^\/subscriptions\/([^/]+)\//i.exec(scopeId);
  if (!m?.[1]) throw new Error(`not an Azure resource id: ${scopeId}`);
  return `/subscriptions/${m[1]}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export interface AzureAgentAccessInputs {
  /** The scale set the agent posts its metrics against (the alerts' scope). */
  readonly scaleSetId: pulumi.Input<string>;
  /** principalId of the VMs' user-assigned identity. */
  readonly identityPrincipalId: pulumi.Input<string>;
}

/**
 * Monitoring Metrics Publisher for the VMs' identity on the scale set only (not the resource group):
 * it may post metrics for its own fleet and nothing else.
 */
export function azureAgentAccess(name: string, inputs: AzureAgentAccessInputs, parent: pulumi.Resource): RoleAssignment {
  return new RoleAssignment(`${name}-agent-metrics`, {
    scope: inputs.scaleSetId,
    roleDefinitionId: pulumi.output(inputs.scaleSetId).apply((id) => roleDefinitionIdIn(id, MONITORING_METRICS_PUBLISHER_ROLE_ID)),
    principalId: inputs.identityPrincipalId,
    // A just-created identity may not have replicated yet; with the type given, ARM does not look the
    // principal up and the assignment does not fail with PrincipalNotFound:
    // https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal,
    // Azure/AgentBaker#8251 (the same race with a new managed identity, fixed this way).
    principalType: "ServicePrincipal",
    description: `tee-prover ${name}: the host agent posts custom metrics against its scale set`,
  }, { parent });
}
