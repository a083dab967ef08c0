import * as path from "node:path";
import type { ConfidentialSpaceProofServerArgs } from "../../components/gcp/args";
import type { NitroProofServerArgs } from "../../components/aws/args";
import type { AzureConfidentialProofServerArgs } from "../../components/azure/args";
import type { ConfigSource } from "./resolve";
import { PROJECT } from "./schema";

/** A stack's component and its arguments, taken from the stack's configuration. */
export type StackComponentArgs =
  | { readonly cloud: "aws"; readonly args: NitroProofServerArgs }
  | { readonly cloud: "gcp"; readonly args: ConfidentialSpaceProofServerArgs }
  | { readonly cloud: "azure"; readonly args: AzureConfidentialProofServerArgs };

function section(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

/**
 * The component arguments a stack's configuration stands for: its project keys without the
 * namespace (less `cloud`, `namePrefix` and `previousNamePrefix`, which choose the component,
 * its name and its alias), the
 * provider's region / project as the `aws` / `gcp` section's arguments, manifest paths made
 * absolute against the project directory.
 *
 * Call it only with a source that `resolveStackConfig` accepted: the values are then known to
 * have the arguments' shape, which is what the casts below state. The component validates them
 * again (the same checks), so a mistake here could not slip through unchecked.
 */
export function stackComponentArgs(source: ConfigSource): StackComponentArgs {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source.values)) {
    if (key.startsWith(`${PROJECT}:`)) values[key.slice(PROJECT.length + 1)] = value;
  }
  const { cloud, namePrefix: _namePrefix, previousNamePrefix: _previous, ...rest } = values;
  if (cloud === "aws") {
    const aws = { ...section(rest["aws"]), region: source.values["aws:region"] };
    const releases = Array.isArray(rest["releases"])
      ? rest["releases"].map((r: unknown) => {
          const release = section(r);
          return typeof release["manifest"] === "string" ? { ...release, manifest: path.resolve(source.projectDir, release["manifest"]) } : release;
        })
      : rest["releases"];
    return { cloud: "aws", args: { ...rest, releases, aws } as unknown as NitroProofServerArgs };
  }
  if (cloud === "azure") {
    const azure = { ...section(rest["azure"]), location: source.values["azure-native:location"], subscriptionId: source.values["azure-native:subscriptionId"] };
    return { cloud: "azure", args: { ...rest, azure } as unknown as AzureConfidentialProofServerArgs };
  }
  const gcp = { ...section(rest["gcp"]), project: source.values["gcp:project"], region: source.values["gcp:region"] };
  return { cloud: "gcp", args: { ...rest, gcp } as unknown as ConfidentialSpaceProofServerArgs };
}
