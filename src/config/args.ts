import * as pulumi from "@pulumi/pulumi";
import type { ConfidentialSpaceProofServerArgs } from "../../components/gcp/args";
import type { NitroProofServerArgs } from "../../components/aws/args";
import type { AzureConfidentialProofServerArgs } from "../../components/azure/args";
import { SEVERITIES } from "../monitoring/catalogue";
import { ConfigError, isUnresolvedInput, keyOf, type FrontDoor } from "./errors";
import { resolveStackConfig } from "./resolve";
import { PROJECT } from "./schema";
import type { AwsStackConfig, AzureStackConfig, GcpStackConfig, StackConfig } from "./types";

// The library's front door: a component's arguments go through the stack configuration's own
// validation (resolve.ts), so both produce the same checks and messages, worded for the caller.
//
// Arguments that take `pulumi.Input` (ids, ARNs, networks, certificates, notification endpoints)
// may be unknown when the component is constructed. They are validated twice: at construction
// with a placeholder that passes every check, so everything else is checked before any resource
// is declared; and once their values are known, by the same validation with the real values. The
// children receive each such Input only through that second check, so a bad value fails every
// resource that uses it with the argument-path message, and nothing is created from it. During a
// `pulumi preview` whose Inputs are still unknown, the second check runs at `pulumi up`.

/** Where an argument may be a `pulumi.Input`, and a placeholder that passes every check there. */
interface InputSlot {
  readonly path: readonly string[];
  /** A list: the list itself may be an Input (all-or-nothing), or any of its elements. */
  readonly list: boolean;
  /** Whether the whole list may be an Input (false: only its elements; its length decides resources). */
  readonly wholeList?: boolean;
  readonly placeholder: (index: number, region: string) => string;
}

const ALARM_SLOTS: readonly InputSlot[] = SEVERITIES.flatMap((severity): InputSlot[] => [
  { path: ["alarms", severity, "emails"], list: true, wholeList: false, placeholder: (i) => `unresolved-${i}@example.com` },
  { path: ["alarms", severity, "httpsEndpoints"], list: true, wholeList: false, placeholder: (i) => `https://unresolved.example.com/${i}` },
]);

const hex17 = (i: number) => i.toString(16).padStart(17, "0");

const AWS_SLOTS: readonly InputSlot[] = [
  { path: ["aws", "vpc", "vpcId"], list: false, placeholder: () => "vpc-0000000000000000" },
  // Two by default: the subnets' own check wants two AZs, and it runs again with the real list.
  { path: ["aws", "vpc", "privateSubnetIds"], list: true, placeholder: (i) => `subnet-${hex17(i)}` },
  { path: ["aws", "vpc", "publicSubnetIds"], list: true, placeholder: (i) => `subnet-${hex17(i + 16)}` },
  { path: ["aws", "certificateArn"], list: false, placeholder: (_i, region) => `arn:aws:acm:${region}:000000000000:certificate/00000000-0000-0000-0000-000000000000` },
  { path: ["aws", "keyAdministratorArns"], list: true, placeholder: (i) => `arn:aws:iam::000000000000:role/unresolved-${i}` },
  ...ALARM_SLOTS,
];

const GCP_SLOTS: readonly InputSlot[] = [
  { path: ["gcp", "network", "network"], list: false, placeholder: () => "projects/unresolved/global/networks/unresolved" },
  { path: ["gcp", "network", "subnetwork"], list: false, placeholder: (_i, region) => `projects/unresolved/regions/${region}/subnetworks/unresolved` },
  { path: ["gcp", "certificate", "sslCertificates"], list: true, placeholder: (i) => `projects/unresolved/global/sslCertificates/unresolved-${i}` },
  ...ALARM_SLOTS,
];

const ZERO_SUB = "00000000-0000-0000-0000-000000000000";
const AZURE_SLOTS: readonly InputSlot[] = [
  { path: ["azure", "resourceGroup", "name"], list: false, placeholder: () => "unresolved-rg" },
  { path: ["azure", "network", "hostsSubnetId"], list: false, placeholder: () => `/subscriptions/${ZERO_SUB}/resourceGroups/unresolved/providers/Microsoft.Network/virtualNetworks/unresolved/subnets/hosts` },
  { path: ["azure", "network", "appGatewaySubnetId"], list: false, placeholder: () => `/subscriptions/${ZERO_SUB}/resourceGroups/unresolved/providers/Microsoft.Network/virtualNetworks/unresolved/subnets/gateway` },
  { path: ["azure", "certificate", "keyVaultSecretId"], list: false, placeholder: () => "https://unresolved.vault.azure.net/secrets/unresolved" },
  { path: ["azure", "administratorObjectIds"], list: true, placeholder: (i) => `00000000-0000-0000-0000-${i.toString(16).padStart(12, "0")}` },
  ...ALARM_SLOTS,
];

/** An Input found in the arguments: the whole slot, or one element of a list slot. */
interface FoundInput {
  readonly path: readonly (string | number)[];
  readonly input: pulumi.Input<unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isUnresolvedInput(value);
}

function getIn(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof part === "number" ? !Array.isArray(node) : !isRecord(node)) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** A copy of `root` with `value` at `path`; only the containers along the path are copied. */
function setIn(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (typeof head === "number") {
    const copy = Array.isArray(root) ? [...(root as unknown[])] : [];
    copy[head] = setIn(copy[head], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = isRecord(root) ? { ...root } : {};
  copy[head] = setIn(copy[head], rest, value);
  return copy;
}

/** The Inputs in `args`, and `args` with each replaced by its slot's placeholder. */
function withPlaceholders(args: unknown, slots: readonly InputSlot[], region: string): { plain: unknown; found: FoundInput[] } {
  let plain = args;
  const found: FoundInput[] = [];
  for (const slot of slots) {
    const value = getIn(args, slot.path);
    if (slot.list && Array.isArray(value)) {
      value.forEach((element: unknown, i) => {
        if (!isUnresolvedInput(element)) return;
        found.push({ path: [...slot.path, i], input: element });
        plain = setIn(plain, [...slot.path, i], slot.placeholder(i, region));
      });
    } else if (isUnresolvedInput(value) && (!slot.list || slot.wholeList !== false)) {
      found.push({ path: slot.path, input: value });
      plain = setIn(plain, slot.path, slot.list ? [slot.placeholder(0, region), slot.placeholder(1, region)] : slot.placeholder(0, region));
    }
  }
  return { plain, found };
}

/** Provider settings a library call gives as arguments (`aws.region`), moved to their config keys. */
interface ProviderArg {
  readonly section: "aws" | "gcp" | "azure";
  readonly arg: string;
  readonly configKey: string;
  /** Where `pulumi up` would take it from otherwise: the stack's provider config. */
  readonly fallback: () => string | undefined;
}

function providerConfig(namespace: string, key: string): string | undefined {
  return new pulumi.Config(namespace).get(key);
}

const AWS_PROVIDER_ARGS: readonly ProviderArg[] = [{ section: "aws", arg: "region", configKey: "aws:region", fallback: () => providerConfig("aws", "region") }];
const GCP_PROVIDER_ARGS: readonly ProviderArg[] = [
  { section: "gcp", arg: "project", configKey: "gcp:project", fallback: () => providerConfig("gcp", "project") },
  { section: "gcp", arg: "region", configKey: "gcp:region", fallback: () => providerConfig("gcp", "region") },
];

const AZURE_PROVIDER_ARGS: readonly ProviderArg[] = [
  { section: "azure", arg: "location", configKey: "azure-native:location", fallback: () => providerConfig("azure-native", "location") },
  { section: "azure", arg: "subscriptionId", configKey: "azure-native:subscriptionId", fallback: () => providerConfig("azure-native", "subscriptionId") },
];

/** The stack-config view of a library call's (placeholder-substituted) arguments. */
function configValues(cloud: "aws" | "gcp" | "azure", args: unknown, providerArgs: readonly ProviderArg[]): Record<string, unknown> {
  const values: Record<string, unknown> = { [`${PROJECT}:cloud`]: cloud };
  if (!isRecord(args)) return values;
  const sections: Record<string, unknown> = { ...args };
  for (const p of providerArgs) {
    const section = sections[p.section];
    const given = isRecord(section) ? section[p.arg] : undefined;
    if (isRecord(section) && p.arg in section) {
      const { [p.arg]: _moved, ...rest } = section;
      sections[p.section] = rest;
    }
    const value = given ?? p.fallback();
    if (value !== undefined) values[p.configKey] = value;
  }
  for (const [key, value] of Object.entries(sections)) values[`${PROJECT}:${key}`] = value;
  return values;
}

function resolveArgs(cloud: "aws" | "gcp" | "azure", component: string, name: string, args: unknown, slots: readonly InputSlot[], providerArgs: readonly ProviderArg[]): StackConfig {
  const frontDoor: FrontDoor = { kind: "args", component, name };
  // Relative manifest paths resolve against the working directory: the Pulumi project's, where
  // `pulumi up` runs the program.
  const projectDir = process.cwd();
  const regionGuess = (() => {
    const section = isRecord(args) ? args[cloud] : undefined;
    const given = isRecord(section) ? (section["region"] ?? section["location"]) : undefined;
    return typeof given === "string" ? given : providerArgs.find((p) => p.arg === "region" || p.arg === "location")?.fallback() ?? "us-east-1";
  })();
  const { plain, found } = withPlaceholders(args, slots, regionGuess);
  // The stand-ins are example values by design (000000000000, example.com): not placeholders to refuse.
  const standInKeys = found.map((f) => keyOf(f.path));
  const config = resolveStackConfig({ values: configValues(cloud, plain, providerArgs), projectDir, frontDoor, standInKeys });
  if (found.length === 0) return config;

  // The second validation, once every Input is known; the children see the Inputs only through it.
  const checked = pulumi.all(found.map((f) => f.input)).apply((known) => {
    let real = plain;
    found.forEach((f, i) => {
      real = setIn(real, f.path, known[i]);
    });
    resolveStackConfig({ values: configValues(cloud, real, providerArgs), projectDir, frontDoor });
    return true;
  });
  let gated: unknown = config;
  for (const f of found) {
    gated = setIn(gated, f.path, pulumi.all([checked, f.input]).apply(([, value]) => value));
  }
  return gated as StackConfig;
}

/**
 * The release new hosts boot: the last one listed (the first is the one running during a rotation).
 * Validation guarantees at least one; this says which fleet broke that if a caller did not validate.
 */
export function activeRelease<R>(name: string, releases: readonly R[]): R {
  const active = releases[releases.length - 1];
  if (active === undefined) throw new Error(`${name}: releases must list at least one pinned release`);
  return active;
}

/**
 * Validate `NitroProofServer` arguments: the stack configuration's checks, with messages that
 * name the argument path (`args.aws.vpc.vpcId`). Throws ConfigError before any resource exists.
 */
export function resolveNitroArgs(name: string, args: NitroProofServerArgs): AwsStackConfig {
  const config = resolveArgs("aws", "NitroProofServer", name, args, AWS_SLOTS, AWS_PROVIDER_ARGS);
  if (config.cloud !== "aws") throw new ConfigError([{ key: "(root)", message: "resolved to another cloud" }]);
  return config;
}

/** The same for `ConfidentialSpaceProofServer`. */
export function resolveConfidentialSpaceArgs(name: string, args: ConfidentialSpaceProofServerArgs): GcpStackConfig {
  const config = resolveArgs("gcp", "ConfidentialSpaceProofServer", name, args, GCP_SLOTS, GCP_PROVIDER_ARGS);
  if (config.cloud !== "gcp") throw new ConfigError([{ key: "(root)", message: "resolved to another cloud" }]);
  return config;
}

/** The same for `AzureConfidentialProofServer`. */
export function resolveAzureArgs(name: string, args: AzureConfidentialProofServerArgs): AzureStackConfig {
  const config = resolveArgs("azure", "AzureConfidentialProofServer", name, args, AZURE_SLOTS, AZURE_PROVIDER_ARGS);
  if (config.cloud !== "azure") throw new ConfigError([{ key: "(root)", message: "resolved to another cloud" }]);
  return config;
}
