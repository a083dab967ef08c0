import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

/**
 * A Pulumi project directory as the offline plan reads it, without the Pulumi CLI. Only what
 * `pulumi up` itself would use (https://www.pulumi.com/docs/iac/concepts/projects/project-file/):
 * `name`, `runtime` (a string or `{ name, options }`), `main` (a file or a directory, relative to
 * Pulumi.yaml; default the project directory) and `stackConfigDir`.
 *
 * Loads no Pulumi module: a bad directory is answered in milliseconds.
 */
export interface PulumiProject {
  readonly dir: string;
  readonly name: string;
  /** The program file the plan loads. */
  readonly entry: string;
  /** Where Pulumi.<stack>.yaml files live. */
  readonly stackConfigDir: string;
}

/** The directory or project cannot be planned; `exitCode` 2 when the argument itself is wrong. */
export class ProgramError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = "ProgramError";
  }
}

const ENTRY_CANDIDATES = ["index.ts", "index.js"];

/** `main` as Node would load it: a file, or a directory's package.json `main` or index file. */
function resolveEntry(target: string, what: string): string {
  if (fs.existsSync(target) && fs.statSync(target).isFile()) return target;
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    const pkgFile = path.join(target, "package.json");
    if (fs.existsSync(pkgFile)) {
      const pkg: unknown = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
      const main = pkg && typeof pkg === "object" && "main" in pkg && typeof pkg.main === "string" ? pkg.main : undefined;
      // A built library's `main` (dist/...) may not exist before a build; fall through to index.ts.
      if (main) {
        for (const candidate of [main, `${main}.ts`, `${main.replace(/\.js$/, "")}.ts`, path.join(main, "index.ts")]) {
          const file = path.resolve(target, candidate);
          if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
        }
      }
    }
    for (const candidate of ENTRY_CANDIDATES) {
      const file = path.join(target, candidate);
      if (fs.existsSync(file)) return file;
    }
    throw new ProgramError(`${what}: no program in ${target} (looked for package.json "main", ${ENTRY_CANDIDATES.join(", ")})`, 2);
  }
  throw new ProgramError(`${what}: ${target} does not exist`, 2);
}

export function readPulumiProject(dir: string): PulumiProject {
  const projectDir = path.resolve(dir);
  if (!fs.existsSync(projectDir) || !fs.statSync(projectDir).isDirectory()) throw new ProgramError(`--program ${dir}: not a directory`, 2);
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(projectDir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new ProgramError(`--program ${dir}: no Pulumi.yaml in ${projectDir}; point --program at a Pulumi project (the directory \`pulumi up\` runs in)`, 2);
  const doc: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  const project = doc && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
  const name = project["name"];
  if (typeof name !== "string" || !name) throw new ProgramError(`${file}: no project name (name: is required)`, 2);
  const runtime = project["runtime"];
  const runtimeName = typeof runtime === "string" ? runtime : runtime && typeof runtime === "object" && "name" in runtime ? runtime.name : undefined;
  if (runtimeName !== "nodejs") {
    throw new ProgramError(`${file}: runtime is ${JSON.stringify(runtimeName ?? null)}; the offline plan runs Node.js (TypeScript) programs only (runtime: nodejs)`, 2);
  }
  const main = project["main"];
  const entry = resolveEntry(typeof main === "string" ? path.resolve(projectDir, main) : projectDir, `${path.basename(file)} main`);
  const configDir = project["stackConfigDir"];
  return { dir: projectDir, name, entry, stackConfigDir: typeof configDir === "string" ? path.resolve(projectDir, configDir) : projectDir };
}
