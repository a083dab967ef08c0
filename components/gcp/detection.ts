/**
 * Cloud Logging filters over Admin Activity audit logs (always written, cannot be turned off:
 * https://cloud.google.com/logging/docs/audit#admin-activity) for the changes a deployer can make
 * but must not make silently: the Workload Identity pool and provider that check the attestation,
 * the IAM policy of the attested secrets, and the fleet's firewall rules. docs/tamper-detection.md
 * has the sources. Values are matched with anchored regular expressions (`=~`), so pool `p-1` does
 * not also match pool `p-10`.
 */

/**
 * Pool and provider writes, v1 and v1beta: `google.iam.v1.WorkloadIdentityPools.<Method>` (IAM API
 * RPC reference, google.iam.v1.WorkloadIdentityPools). Reads (Get/List) are Data Access logs and are
 * not matched. SetIamPolicy on the pool decides who may impersonate through it.
 */
export const WIF_WRITE_METHODS = /* RE2 */ "^google.iam.v1(beta)?.WorkloadIdentityPools.((Create|Update|Delete|Undelete)WorkloadIdentityPool(Provider)?|SetIamPolicy)$";

/** Secret Manager's IAM write (Secret Manager audit logging: ADMIN_WRITE). GetIamPolicy is ADMIN_READ. */
export const SECRET_SET_IAM_METHOD = "google.cloud.secretmanager.v1.SecretManagerService.SetIamPolicy";

/** Compute Engine firewall writes (`v1.compute.firewalls.insert` ..., and the beta API's). */
export const FIREWALL_WRITE_METHODS = "^(v1|beta).compute.firewalls.(insert|patch|update|delete)$";

function quoted(value: string): string {
  return JSON.stringify(value);
}

/** Only [a-z0-9-] reach a regex here (GCP ids and names); anything else would be a bug upstream. */
function literal(value: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`not a plain GCP id or name: ${JSON.stringify(value)}`);
  return value;
}

/** Last path segment of a network given as name, `projects/P/global/networks/N` or a URL. */
export function networkName(network: string): string {
  return network.split("/").filter(Boolean).pop() ?? network;
}

/** Writes to this Workload Identity pool (and its providers), or to the IAM policy of these secrets. */
export function attestationEnforcementFilter(poolId: string, secretIds: readonly string[]): string {
  const pool = [
    `protoPayload.methodName=~${quoted(WIF_WRITE_METHODS)}`,
    // projects/NUMBER/locations/global/workloadIdentityPools/POOL[/providers/PROVIDER]
    `protoPayload.resourceName=~${quoted(`/workloadIdentityPools/${literal(poolId)}(/|$)`)}`,
  ].join(" AND ");
  const secrets = [
    `protoPayload.methodName=${quoted(SECRET_SET_IAM_METHOD)}`,
    // projects/NUMBER/secrets/ID
    `protoPayload.resourceName=~${quoted(`/secrets/(${secretIds.map(literal).join("|")})$`)}`,
  ].join(" AND ");
  return `(${pool}) OR (${secrets})`;
}

/**
 * Firewall writes on the fleet's network: a rule created there names the network in its request; a
 * patch or delete names only the rule, so the fleet's own rules are matched by name (they all start
 * with `<fleet>-`).
 */
export function firewallChangeFilter(network: string, fleetName: string): string {
  return [
    `protoPayload.methodName=~${quoted(FIREWALL_WRITE_METHODS)}`,
    `(protoPayload.request.network=~${quoted(`/networks/${literal(networkName(network))}$`)} OR protoPayload.resourceName=~${quoted(`/firewalls/${literal(fleetName)}-`)})`,
  ].join(" AND ");
}
