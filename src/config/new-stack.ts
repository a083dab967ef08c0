// `npm run new-stack -- <name> --cloud aws|gcp|azure --environment dev|staging|prod`:
// start a stack without editing a committed file. Writes Pulumi.<name>.yaml from the shipped file of
// that cloud and environment (which meets every floor of the profile, docs/environments.md) and
// lists the placeholders to replace; never overwrites a file. Loads no Pulumi module.
import * as fs from "node:fs";
import * as path from "node:path";
import { ENVIRONMENT_NAMES, type EnvironmentName } from "./environments";
import { readStackFile } from "./load";
import { findPlaceholders, type PlaceholderFinding } from "./placeholders";
import { CLOUDS, PROJECT } from "./schema";

export type Cloud = (typeof CLOUDS)[number];

/** The shipped stack of a cloud and environment: `prod` (AWS), `prod-gcp`, `prod-azure`. */
export function shippedStack(cloud: Cloud, environment: EnvironmentName): string {
  return cloud === "aws" ? environment : `${environment}-${cloud}`;
}

export class NewStackError extends Error {}

/** Write Pulumi.<name>.yaml; returns its path and the placeholders it still holds. */
export function newStackFile(options: { projectDir: string; name: string; cloud: Cloud; environment: EnvironmentName }): { file: string; from: string; placeholders: PlaceholderFinding[] } {
  const { projectDir, name, cloud, environment } = options;
  // A dot would make the file unreadable as Pulumi.<stack>.yaml; Pulumi allows letters, digits, - _ .
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(name)) throw new NewStackError(`"${name}" is not a stack name this project reads: letters, digits, - and _, at most 100`);
  const file = path.join(projectDir, `Pulumi.${name}.yaml`);
  if (fs.existsSync(file)) throw new NewStackError(`${path.basename(file)} exists already; choose another name (this command never overwrites)`);
  const from = shippedStack(cloud, environment);
  const template = path.join(projectDir, `Pulumi.${from}.yaml`);
  if (!fs.existsSync(template)) throw new NewStackError(`no shipped ${path.basename(template)} to start from`);
  const header = `# Stack ${name}, started from ${path.basename(template)} (npm run new-stack --). Replace every\n# value marked PLACEHOLDER; \`npm run plan -- ${name}\` lists what ${environment === "prod" ? "pulumi up would still refuse" : "is left"}.\n`;
  fs.writeFileSync(file, header + fs.readFileSync(template, "utf8"), { flag: "wx" });
  const placeholders = findPlaceholders(readStackFile(projectDir, name).values, PROJECT);
  return { file, from, placeholders };
}

function parse(argv: readonly string[]): { name: string; cloud: Cloud; environment: EnvironmentName } {
  let name: string | undefined;
  let cloud: string | undefined;
  let environment: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--cloud") cloud = argv[++i];
    else if (arg === "--environment") environment = argv[++i];
    else if (!arg.startsWith("-") && !name) name = arg;
    else throw new NewStackError(`unexpected argument ${arg}`);
  }
  if (!name) throw new NewStackError("name the stack");
  if (!(CLOUDS as readonly string[]).includes(cloud ?? "")) throw new NewStackError(`--cloud must be one of ${CLOUDS.join(", ")}`);
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment ?? "")) throw new NewStackError(`--environment must be one of ${ENVIRONMENT_NAMES.join(", ")}`);
  return { name, cloud: cloud as Cloud, environment: environment as EnvironmentName };
}

/** The command: exit 0 written, 2 usage or refusal. */
export function main(argv: readonly string[], projectDir: string, out: (s: string) => void): number {
  try {
    const { file, from, placeholders } = newStackFile({ projectDir, ...parse(argv) });
    out(`Wrote ${path.basename(file)} from Pulumi.${from}.yaml. Replace these ${placeholders.length} values:\n${placeholders.map((p) => `  ${p.key} = ${p.value}  (${p.reason})`).join("\n")}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof NewStackError)) throw e;
    out(`${e.message}\nusage: npm run new-stack -- <name> --cloud ${CLOUDS.join("|")} --environment ${ENVIRONMENT_NAMES.join("|")}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2), process.cwd(), (s) => process.stdout.write(s));
