// The stack's pins, read with the project's own config loader and validator (the same code
// `pulumi up` and `npm run plan` use), so verify judges against exactly what the stack deploys.
import type { NitroReleasePins } from "../attestation/pins";

export type StackPins =
  | { readonly stack: string; readonly cloud: "aws"; readonly releases: readonly NitroReleasePins[] }
  | { readonly stack: string; readonly cloud: "gcp"; readonly releases: ReadonlyArray<{ readonly version: string; readonly digest: string }> };

export async function loadStackPins(projectDir: string, stack: string): Promise<StackPins> {
  // Imported here, not at the top: the loader pulls in @pulumi/pulumi (seconds to load), which a
  // usage error should not pay for.
  const { readStackFile } = await import("../config/load");
  const { resolveStackConfig } = await import("../config/resolve");
  const file = readStackFile(projectDir, stack);
  const config = resolveStackConfig({ values: file.values, projectDir });
  return config.cloud === "aws"
    ? { stack, cloud: "aws", releases: config.releases.map((r) => r.pins) }
    : { stack, cloud: "gcp", releases: config.releases.map((r) => ({ version: r.version, digest: r.digest })) };
}
