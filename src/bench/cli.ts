// `npm run bench [-- --stack NAME] [--repeat N] [--skip-tests] [--out FILE]`: the offline plan of
// the largest stack (default prod) against a process that only loads @pulumi/pulumi (the median of
// N alternating runs of each, default 5), the plan's one-off compile, tsc, and the test suite;
// results as JSON to a file and one summary line. Exit 0 within budget, 1 over, 2 on usage errors.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { judge, medianRun, parseGnuTime, summary, type Measurement } from "./measure";

const ROOT = path.resolve(__dirname, "../..");
const USAGE = "usage: npm run bench -- [--stack NAME] [--repeat N] [--skip-tests] [--out FILE]";

function measure(name: string, command: string, args: readonly string[]): Measurement {
  // GNU time reports children's CPU and peak RSS; Node has no portable way to read a child's.
  const timed = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", command, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (timed.error) throw new Error(`${name}: cannot run /usr/bin/time (apt-get install time): ${timed.error.message}`);
  const parsed = parseGnuTime(timed.stderr);
  if (!parsed) throw new Error(`${name}: could not read GNU time's line from: ${timed.stderr.slice(-300)}`);
  return { name, command: [command, ...args].join(" "), ...parsed, exitCode: timed.status ?? 1 };
}

function main(argv: readonly string[]): number {
  // The largest shipped stack: prod (AWS) declares 88 resources, prod-gcp 65, prod-azure 45.
  let stack = "prod";
  let skipTests = false;
  let repeat = 5;
  let out = path.join(ROOT, "bench.json");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack" && argv[i + 1]) stack = argv[++i]!;
    else if (arg === "--skip-tests") skipTests = true;
    else if (arg === "--repeat" && /^[1-9]\d*$/.test(argv[i + 1] ?? "")) repeat = Number(argv[++i]);
    else if (arg === "--out" && argv[i + 1]) out = path.resolve(argv[++i]!);
    else {
      process.stderr.write(`unknown or incomplete option ${arg}\n${USAGE}\n`);
      return 2;
    }
  }
  const node = process.execPath;
  const planArgs = ["bin/plan.cjs", stack, "--json", path.join(ROOT, ".bench-plan.json")];
  // What the first plan after a change of the sources pays once (bin/plan.cjs compiles them).
  const compileDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-compile-"));
  const compile = measure("plan-compile", node, [path.join(ROOT, "node_modules/typescript7/bin/tsc"), "-p", "tsconfig.plan.json", "--outDir", compileDir]);
  fs.rmSync(compileDir, { recursive: true, force: true });
  // Warm-up: compiles the current sources if no earlier plan did.
  measure("plan-warm-up", node, planArgs);
  // The floor and the plan alternate, so a drift of the machine's speed hits both.
  const floorRuns: Measurement[] = [];
  const planRuns: Measurement[] = [];
  for (let i = 0; i < repeat; i++) {
    floorRuns.push(measure("floor", node, ["-e", "require('@pulumi/pulumi')"]));
    // As `npm run plan` runs it (package.json), the sources compiled.
    planRuns.push(measure("plan", node, planArgs));
  }
  const measurements: Measurement[] = [
    medianRun(floorRuns),
    medianRun(planRuns),
    compile,
    measure("tsc", node, [path.join(ROOT, "node_modules/typescript7/bin/tsc"), "--noEmit", "-p", "."]),
    ...(skipTests ? [] : [measure("test", node, [path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run"])]),
  ];
  fs.rmSync(path.join(ROOT, ".bench-plan.json"), { force: true });
  const verdicts = judge(measurements);
  fs.writeFileSync(out, `${JSON.stringify({ stack, measuredAt: new Date().toISOString(), measurements, verdicts }, null, 2)}\n`);
  process.stdout.write(`${summary(verdicts)}\nwrote ${out}\n`);
  return verdicts.every((v) => v.ok) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
