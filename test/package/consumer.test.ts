import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { isBuiltin } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";
import { afterAll, beforeAll, expect, test } from "vitest";
import { danglingDocReferences } from "../helpers/doc-references";
import { undocumentedArgs } from "../helpers/undocumented-args";
import { PROJECT_DIR } from "../helpers/offline";

/** A child process's exit code and output (async, so that independent children overlap). */
function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => stdout.push(b));
    child.stderr.on("data", (b: Buffer) => stderr.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }));
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const r = await run(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

// A platform team installs the packed tarball and imports "tee-prover-infra". The consumer lives
// under the repository so Node resolves @pulumi/* from the repository's node_modules, as an
// installed dependency's would.
let consumerDir: string;
let packedFiles: string[];
let pkgDir: string;

beforeAll(async () => {
  consumerDir = fs.mkdtempSync(path.join(PROJECT_DIR, ".consumer-"));
  const out = await mustRun("npm", ["pack", "--json", "--pack-destination", consumerDir], PROJECT_DIR);
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = info!.files.map((f) => f.path).sort();
  pkgDir = path.join(consumerDir, "node_modules", "tee-prover-infra");
  fs.mkdirSync(pkgDir, { recursive: true });
  await mustRun("tar", ["-xzf", path.join(consumerDir, path.basename(info!.filename)), "-C", pkgDir, "--strip-components=1"], PROJECT_DIR);
  // The consumer's type-check and run start now, in the background, while the tests below read
  // the extracted files and parse them with TypeScript 5.9 in this process.
  consumerRun = startConsumer();
  // Reported by the tests that await them.
  consumerRun.tsc.catch(() => {});
  consumerRun.mock.catch(() => {});
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([consumerRun?.tsc, consumerRun?.mock]);
  if (consumerDir) fs.rmSync(consumerDir, { recursive: true, force: true });
});

test("the tarball ships compiled JavaScript, declarations, the README, docs/ and the packaged manifests only", () => {
  for (const f of ["package.json", "README.md", "docs/README.md", "docs/alarms.md", "docs/architecture.md", "dist/lib.js", "dist/lib.d.ts", "dist/components/aws/nitroProofServer.js", "dist/components/aws/nitroProofServer.d.ts", "dist/components/gcp/confidentialSpaceProofServer.js", "dist/components/gcp/confidentialSpaceProofServer.d.ts", "dist/src/config/resolve.js", "dist/releases/pcr-measurements.v6.3.1.json"]) {
    expect(packedFiles).toContain(f);
  }
  const stray = packedFiles.filter((f) => /^(test|stacks|policy)\//.test(f) || /^Pulumi\./.test(f) || f === "index.ts" || f === "dist/index.js" || (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.includes("plan/cli"));
  expect(stray).toEqual([]);
  expect(packedFiles.filter((f) => f.startsWith("docs/") && !f.endsWith(".md"))).toEqual([]);
});

// A reader of a shipped .d.ts or of the README follows "see docs/x.md": that page must be in the
// package, and nothing may point at the team's notes or beside the repository.
test("no shipped file refers to a document outside the package", () => {
  const files = new Map(packedFiles.filter((f) => /\.(js|d\.ts|md)$/.test(f)).map((f) => [f, fs.readFileSync(path.join(pkgDir, f), "utf8")] as const));
  expect(files.size).toBeGreaterThan(50);
  expect([...files.values()].some((t) => /docs\/[\w-]+\.md/.test(t))).toBe(true); // the scan has something to check
  expect(danglingDocReferences(files, new Set(packedFiles))).toEqual([]);
});

test("the reference scan catches a missing docs page, a broken relative link and the team's notes, and skips URLs", () => {
  const shipped = new Set(["README.md", "docs/README.md", "docs/alarms.md", "dist/lib.d.ts"]);
  const files = new Map([
    ["dist/lib.d.ts", "/** see docs/alarms.md and docs/gone.md; https://github.com/aws/aws-nitro-enclaves-nsm-api/blob/main/docs/attestation_process.md */\n// DESIGN.md section 6"],
    ["README.md", "[alarms](docs/alarms.md) [x](docs/x.md#a) [anchor](#alarms) [web](https://example.com/a.md) ../shared/notes"],
    ["docs/README.md", "[ok](alarms.md) [up](../README.md) [no](testing.md) \u00a7 3 of the notes"],
  ]);
  expect(danglingDocReferences(files, shipped).map((d) => `${d.file}:${d.line} ${d.reference}`)).toEqual([
    "dist/lib.d.ts:1 docs/gone.md",
    "dist/lib.d.ts:2 DESIGN.md",
    "README.md:1 docs/x.md",
    "README.md:1 docs/x.md",
    "README.md:1 ../shared",
    "docs/README.md:1 testing.md",
    "docs/README.md:1 \u00a7 3",
  ]);
});

// The build emits declarations with TypeScript 7, and consumers on TypeScript 5.x (the compiler
// Pulumi's ts-node runs) must still read them: every shipped .d.ts parses under 5.9. The
// examples' full type-check against these declarations runs with TypeScript 7 below.
test("the shipped declarations parse under TypeScript 5.9", () => {
  const declarations = packedFiles.filter((f) => f.endsWith(".d.ts")).map((f) => path.join(pkgDir, f));
  expect(declarations.length).toBeGreaterThan(20);
  expect(ts.version).toMatch(/^5\./);
  const program = ts.createProgram(declarations, { noResolve: true, noLib: true, types: [], skipLibCheck: true });
  const problems = program.getSyntacticDiagnostics().map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  expect(problems).toEqual([]);
  // Not vacuous: syntax 5.9 does not know is reported.
  const probe = ts.createSourceFile("probe.d.ts", "export declare const x: number;\nexport declare function f(): void; )", ts.ScriptTarget.ES2022);
  expect(ts.createProgram({ rootNames: ["probe.d.ts"], options: { noResolve: true, noLib: true }, host: { ...ts.createCompilerHost({}), getSourceFile: () => probe, fileExists: () => true } }).getSyntacticDiagnostics().length).toBeGreaterThan(0);
});

/**
 * The imports of shipped files (`import`, `export ... from`, `import("...")` types, `require`) that
 * do not resolve inside the package: a relative one must name a shipped file, a bare one a
 * dependency of package.json (or a Node built-in). `files` maps a path in the package to its text.
 */
function unresolvedImports(files: Map<string, string>, shipped: Set<string>, dependencies: Set<string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of files) {
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (spec.startsWith(".")) {
        const base = path.posix.join(path.posix.dirname(file), spec);
        const candidates = file.endsWith(".d.ts") ? [`${base}.d.ts`, `${base}/index.d.ts`, base.replace(/\.js$/, ".d.ts"), base] : [base, `${base}.js`, `${base}/index.js`, `${base}.json`];
        if (!candidates.some((c) => shipped.has(c))) problems.push(`${file}: ${spec}`);
      } else {
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!isBuiltin(spec) && !dependencies.has(name)) problems.push(`${file}: ${spec}`);
      }
    }
  }
  return problems;
}

// The consumer's skipLibCheck (most teams set it) hides an import a shipped declaration cannot
// resolve: the names it brings in become `any` and the examples still type-check. A `files`
// pattern that drops dist/src/**/*.d.ts passed every other test here. So every import of every
// shipped file is resolved here, against the tarball's own file list and dependencies.
// @pulumi/policy is a devDependency that the Plan type's declarations import (lib.d.ts ->
// src/plan/report.d.ts -> src/policy/run.d.ts): known, listed exactly so a new one fails.
test("every import of a shipped file resolves to a shipped file, a dependency or a Node built-in", () => {
  const files = new Map(packedFiles.filter((f) => /\.(js|d\.ts)$/.test(f)).map((f) => [f, fs.readFileSync(path.join(pkgDir, f), "utf8")] as const));
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  expect(unresolvedImports(files, new Set(packedFiles), new Set(Object.keys(manifest.dependencies)))).toEqual([]);
  // Not vacuous: an unshipped relative declaration, an unshipped script, a devDependency and a
  // dependency's submodule, a built-in and a shipped file.
  const probe = new Map([
    ["dist/lib.d.ts", 'import { A } from "./src/a";\nexport declare const b: typeof import("./src/b").b;\nexport type { C } from "@pulumi/aws/ec2";\nimport type { D } from "vitest";'],
    ["dist/lib.js", 'const a = require("./src/a");\nconst fs = require("node:fs");\nconst c = require("./src/c.json");'],
  ]);
  expect(unresolvedImports(probe, new Set(["dist/src/b.d.ts", "dist/src/a.js"]), new Set(["@pulumi/aws"]))).toEqual(["dist/lib.d.ts: ./src/a", "dist/lib.d.ts: vitest", "dist/lib.js: ./src/c.json"]);
});

// The editor shows a property's JSDoc from the shipped .d.ts: every argument has one.
test("every property of the components' arguments is documented in the shipped declarations", () => {
  const declarations = new Map(packedFiles.filter((f) => f.endsWith(".d.ts")).map((f) => [f, fs.readFileSync(path.join(pkgDir, f), "utf8")] as const));
  expect(undocumentedArgs(declarations, ["NitroProofServerArgs", "ConfidentialSpaceProofServerArgs", "AzureConfidentialProofServerArgs"])).toEqual([]);
  // Not vacuous: a property without a comment, nested in an inline type, is found.
  const bare = new Map([["x.d.ts", "export interface A {\n  /** ok */\n  readonly b: { readonly c: string };\n}\n"]]);
  expect(undocumentedArgs(bare, ["A"])).toEqual(["A.b.c"]);
});

/** The README's library examples: fenced ts blocks whose first line is `// example: <name>`. */
function readmeExamples(): Record<string, string> {
  const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
  const examples: Record<string, string> = {};
  for (const match of readme.matchAll(/```ts\n\/\/ example: ([a-z-]+)\n([\s\S]*?)```/g)) examples[match[1]!] = match[2]!;
  return examples;
}

interface ConsumerResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

// Two consumer processes answer the tests below, side by side (separate processes, so they
// overlap on the two cores): TypeScript 7 type-checks the README's examples against the
// package's declarations (strict, node16 resolution through `exports`), and one node process runs
// the examples together under the package's own mock engine (it loads Pulumi and the providers,
// seconds of CPU). The run executes the examples transpiled here (type erasure, as ts-node's
// transpile-only mode does), so it need not wait for the type-check's emit.
interface ConsumerOutput { badInput: string; exports: string[]; resources: ConsumerResource[] }
/** The type-check's diagnostics ("" when clean) and the mock run's results. */
let consumerRun: { tsc: Promise<string>; mock: Promise<ConsumerOutput> } | undefined;

// The type-check keeps its state between runs in .consumer-check/ (git-ignored like the
// temporary consumers): `tsc -b` records every file the check read (the package's declarations,
// the providers', the examples, the tsconfig) and checks again only when one of them changed or
// disappeared, or the last check reported errors; otherwise it is a timestamp comparison (0.3 s
// instead of about 9 s of CPU parsing the providers' roots). The package's files there are kept
// identical to the fresh tarball's: a file whose bytes differ is rewritten (so its time is newer
// than the last check), a file the tarball no longer ships is deleted.
const CHECK_DIR = path.join(PROJECT_DIR, ".consumer-check");

/**
 * The check's directory, held until `release()`: .consumer-check/ if no other live process of
 * this worktree holds it (a second run at the same time would race the first's mirror against
 * its check), else a directory of this run's own, checked from scratch.
 */
function checkDir(own: string): { dir: string; release: () => void } {
  fs.mkdirSync(CHECK_DIR, { recursive: true });
  const lock = path.join(CHECK_DIR, "lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      return { dir: CHECK_DIR, release: () => fs.rmSync(lock, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(fs.readFileSync(lock, "utf8"));
      let alive = true;
      try {
        process.kill(holder, 0);
      } catch {
        alive = false;
      }
      if (alive) break;
      fs.rmSync(lock, { force: true }); // left by a run that died
    }
  }
  return { dir: own, release: () => {} };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, rel = ""): string[] {
  if (!fs.existsSync(path.join(dir, rel))) return [];
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]));
}

/** Writes `bytes` to `file` unless it already holds exactly them (an unchanged file keeps its time). */
function writeIfChanged(file: string, bytes: Buffer | string): void {
  const data = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  if (fs.existsSync(file) && fs.readFileSync(file).equals(data)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

/** Makes `to` hold exactly the files of `from`, rewriting only those that differ. */
function mirror(from: string, to: string): void {
  const wanted = new Set(filesUnder(from));
  for (const f of filesUnder(to)) if (!wanted.has(f)) fs.rmSync(path.join(to, f));
  for (const f of wanted) writeIfChanged(path.join(to, f), fs.readFileSync(path.join(from, f)));
}

function startConsumer(): NonNullable<typeof consumerRun> {
  const examples = readmeExamples();
  fs.mkdirSync(path.join(consumerDir, "run"));
  const check = checkDir(path.join(consumerDir, "check"));
  mirror(pkgDir, path.join(check.dir, "node_modules", "tee-prover-infra"));
  for (const [name, code] of Object.entries(examples)) {
    writeIfChanged(path.join(check.dir, `${name}.ts`), code);
    const js = ts.transpileModule(code, { fileName: `${name}.ts`, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    fs.writeFileSync(path.join(consumerDir, "run", `${name}.js`), js);
  }
  writeIfChanged(path.join(check.dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, incremental: true, tsBuildInfoFile: "tsbuildinfo", module: "node16", moduleResolution: "node16", target: "ES2022", skipLibCheck: true, types: [] }, files: Object.keys(examples).map((n) => `${n}.ts`) }));
  // TypeScript 7 (native): about 2 s against about 15 s for 5.9, which spends them parsing the
  // provider roots the examples import. What 5.x consumers need of the package is checked above
  // (its declarations parse under 5.9); docs/testing.md has the trade-off.
  const tscPath = path.join(PROJECT_DIR, "node_modules", "typescript7", "bin", "tsc");
  // One thread: the suite keeps both cores busy already, and TypeScript 7's own workers only
  // added CPU (5.8 s against 4.7 s single-threaded, measured in docs/testing.md).
  const tsc = run(process.execPath, [tscPath, "-b", "tsconfig.json", "--singleThreaded"], check.dir)
    .then((r) => (r.code === 0 ? "" : r.stdout + r.stderr))
    .finally(check.release);
  const runner = `
    const path = require("node:path");
    const pkg = path.dirname(require.resolve("tee-prover-infra/package.json"));
    // As the package's offline plan runs mock programs: TypeScript and arborist, which
    // @pulumi/pulumi loads for closure serialization only, load on first use (about 1.2 s of CPU
    // and 445 modules fewer; no example serializes a function).
    require(path.join(pkg, "dist/src/plan/lean-runtime.js")).deferClosureSerializationModules();
    const lib = require("tee-prover-infra");
    const { runOffline } = require(path.join(pkg, "dist/src/plan/engine.js"));
    runOffline({
      project: "team", stack: "staging", region: "eu-west-1", gcpProject: "team-project-1", config: {},
      program: async () => { for (const f of ${JSON.stringify(Object.keys(examples))}) require("./run/" + f + ".js"); return {}; },
    }).then(async (run) => {
      // A bad Output, from the package: the deferred check rejects with the argument path (the
      // apply's internal promises reject too; nothing else here may, so those are ignored).
      process.on("unhandledRejection", () => {});
      const pulumi = require("@pulumi/pulumi");
      const config = lib.resolveNitroArgs("deferred-check", {
        environment: "dev",
        releases: [{ manifest: lib.knownReleases["v6.3.1"].manifest, eif: { s3Uri: "s3://team-artifacts/proof-server-v6.3.1.eif" } }],
        ingress: { mode: "terminate", backendProtocol: "HTTP", plaintextHop: { accepted: true, reason: "the published v6.3.1 EIF serves plain HTTP" } },
        aws: { region: "eu-west-1", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555", keyAdministratorArns: ["arn:aws:iam::123456789012:role/deployer"],
          vpc: { mode: "existing", vpcId: pulumi.output("vpc-nope"), privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"] } },
      });
      const badInput = await config.aws.vpc.vpcId.promise().then(() => "accepted", (e) => e.message);
      process.stdout.write(JSON.stringify({ badInput, exports: Object.keys(lib).sort(), resources: run.resources.map((r) => ({ type: r.type, name: r.name, id: r.id, inputs: r.inputs, state: r.state })) }));
    }, (e) => { console.error(e); process.exit(1); });
  `;
  return { tsc, mock: mustRun(process.execPath, ["-e", runner], consumerDir).then((out) => JSON.parse(out) as ConsumerOutput) };
}

/** The mock run's results (one run, started in beforeAll, awaited by each test that needs them). */
function consumer(): Promise<ConsumerOutput> {
  return consumerRun!.mock;
}

function resource(c: ConsumerOutput, type: string, name: string): ConsumerResource {
  const found = c.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`the consumer program declared no ${type} ${name}`);
  return found;
}

test("the README has both library examples", () => {
  expect(Object.keys(readmeExamples()).sort()).toEqual(["aws-library", "gcp-library"]);
});

test("the README's examples type-check as a strict TypeScript consumer of the declarations", async () => {
  expect(await consumerRun!.tsc).toBe("");
  expect((await consumer()).exports).toEqual(expect.arrayContaining(["NitroProofServer", "ConfidentialSpaceProofServer", "knownReleases", "resolveNitroArgs", "ConfigError"]));
});

test("AWS: the team's VPC, subnets, certificate and deployer role flow into the component's children", async () => {
  const c = await consumer();
  const id = (name: string) => resource(c, "aws:ec2/subnet:Subnet", name).id;
  const group = c.resources.find((r) => r.type === "aws:autoscaling/group:Group" && r.name.startsWith("team-prover"))!;
  expect(group.inputs["vpcZoneIdentifiers"]).toEqual([id("team-private-0"), id("team-private-1")]);
  const lb = c.resources.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && r.name.startsWith("team-prover"))!;
  expect(lb.inputs["subnets"]).toEqual([id("team-public-0"), id("team-public-1")]);
  const certArn = resource(c, "aws:acm/certificate:Certificate", "team-prover").state["arn"];
  const https = c.resources.filter((r) => r.type === "aws:lb/listener:Listener" && r.inputs["protocol"] === "HTTPS");
  expect(https.map((l) => l.inputs["certificateArn"])).toEqual([certArn]);
  const vpcId = resource(c, "aws:ec2/vpc:Vpc", "team").id;
  const groups = c.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name.startsWith("team-prover"));
  expect(groups.length).toBeGreaterThan(0);
  expect(new Set(groups.map((g) => g.inputs["vpcId"]))).toEqual(new Set([vpcId]));
  const key = c.resources.find((r) => r.type === "aws:kms/key:Key")!;
  expect(String(key.inputs["policy"])).toContain("role/pulumi-deployer");
  // The component made no VPC of its own.
  expect(c.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc").map((r) => r.name)).toEqual(["team"]);
});

test("a bad Output value fails, once known, with the argument path and the argument-worded fix", async () => {
  const c = await consumer();
  expect(c.badInput).toContain('invalid arguments of NitroProofServer "deferred-check" (1 problem):');
  expect(c.badInput).toContain("- args.aws.vpc.vpcId: must be a VPC id (vpc-...)");
  expect(c.badInput).toContain("fix: set args.aws.vpc.vpcId to <value>");
});

test("GCP: the team's network, subnetwork and certificate flow into the component's children", async () => {
  const c = await consumer();
  const subnet = resource(c, "gcp:compute/subnetwork:Subnetwork", "team-provers").id;
  const template = c.resources.find((r) => r.type === "gcp:compute/instanceTemplate:InstanceTemplate" && r.name.startsWith("team-gcp"))!;
  expect((template.inputs["networkInterfaces"] as Array<{ subnetwork: string }>)[0]!.subnetwork).toBe(subnet);
  const proxy = c.resources.find((r) => r.type === "gcp:compute/targetHttpsProxy:TargetHttpsProxy")!;
  expect(proxy.inputs["sslCertificates"]).toEqual([resource(c, "gcp:compute/managedSslCertificate:ManagedSslCertificate", "team-prover").id]);
  const router = c.resources.find((r) => r.type === "gcp:compute/router:Router")!;
  expect(router.inputs["network"]).toBe(resource(c, "gcp:compute/network:Network", "team").id);
});
