import * as pulumi from "@pulumi/pulumi";
import { renamedChildNames } from "./naming";

/** The earlier names a component's `aliases` option gives as `{ name }` or a plain name string. */
function previousNames(aliases: pulumi.ComponentResourceOptions["aliases"]): string[] {
  return (aliases ?? []).flatMap((alias) => {
    const name = typeof alias === "object" && alias !== null && !pulumi.Output.isInstance(alias) ? (alias as pulumi.Alias).name : undefined;
    return typeof name === "string" ? [name] : [];
  });
}

/**
 * A fleet component's options, so a rename (the component given `aliases: [{ name: "<old>" }]`)
 * keeps every child rather than replacing the fleet: children named `<fleet>-...` inherit the
 * alias in the engine; the few whose names were cut to fit a limit get their old names from a
 * transformation, which Pulumi applies to every child of the component.
 */
export function fleetComponentOptions(fleet: string, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions | undefined {
  const previous = previousNames(opts?.aliases);
  if (previous.length === 0) return opts;
  const carryCutNames: pulumi.ResourceTransformation = (args) => {
    const names = renamedChildNames(args.name, fleet, previous);
    if (names.length === 0) return undefined;
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, { aliases: names.map((name) => ({ name })) }) };
  };
  return { ...opts, transformations: [...(opts?.transformations ?? []), carryCutNames] };
}
