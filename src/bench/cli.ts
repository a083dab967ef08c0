// `npm run bench [-- --stack NAME] [--skip-tests] [--out FILE]`: the offline plan of the largest
// stack (default prod) against a process that only loads @pulumi/pulumi, tsc, and the test suite; results as
// JSON to a file and one summary line. Exit 0 within budget, 1 over, 2 on usage errors.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { judge, parseGnuTime, summary, type Measurement } from "./measure";

const ROOT = path.resolve(__dirname, "../..");
const USAGE = "usage: npm run bench -- [--stack NAME] [--skip-tests] [--out FILE]";

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
  let out = path.join(ROOT, "bench.json");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack" && argv[i + 1]) stack = argv[++i]!;
    else if (arg === "--skip-tests") skipTests = true;
    else if (arg === "--out" && argv[i + 1]) out = path.resolve(argv[++i]!);
    else {
      process.stderr.write(`unknown or incomplete option ${arg}\n${USAGE}\n`);
      return 2;
    }
  }
  const node = process.execPath;
  const measurements: Measurement[] = [
    measure("floor", node, ["-e", "require('@pulumi/pulumi')"]),
    // As `npm run plan` runs it (package.json): node with tsx's loader, one process.
    measure("plan", node, ["--import", "tsx", "src/plan/cli.ts", stack, "--json", path.join(ROOT, ".bench-plan.json")]),
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
