/** The shipped dev stacks' attestation resources (test/policy/fixtures/attestation-dev-resources.json) as OfflineResources. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { OfflineResource } from "../../../src/policy/evaluate";

interface Recorded {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

const recorded = (JSON.parse(readFileSync(join(__dirname, "../fixtures/attestation-dev-resources.json"), "utf8")) as { resources: Recorded[] }).resources;

/** A deep copy of the dev stacks' resource of this type (tests mutate their copy). */
export function devResource(type: string): OfflineResource {
  const r = recorded.find((x) => x.type === type);
  if (r === undefined) throw new Error(`no ${type} in the dev fixture`);
  return offline(type, r.name, structuredClone(r.props));
}

export function offline(type: string, name: string, props: Record<string, unknown>): OfflineResource {
  return { type, name, urn: `urn:pulumi:dev::tee-prover::${type}::${name}`, props };
}

/** Every recorded resource, for the "shipped stacks pass" checks. */
export const devResources: readonly OfflineResource[] = recorded.map((r) => offline(r.type, r.name, structuredClone(r.props)));
