import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";

// bin/plan.cjs, what `npm run plan` runs: it compiles the sources once per change and runs the
// compiled CLI. test/plan/cli.test.ts runs it end to end; here its parts, with a stand-in compiler.
type Compile = (outDir: string) => { status: number | null; output: string };
interface Launcher {
  inputFiles(root: string): string[];
  sourceKey(root: string, files: readonly string[], compilerVersion: string): string;
  currentKey(root: string, builds: string, compilerVersion: string): string;
  ensureCompiled(options: { builds: string; key: string; compile: Compile; say?: (line: string) => void }): string;
}
const launcher = createRequire(path.join(PROJECT_DIR, "package.json"))("./bin/plan.cjs") as Launcher;
/** What the launcher said on stderr, per test. */
let said: string[] = [];
const ensureCompiled = (options: { builds: string; key: string; compile: Compile }) => launcher.ensureCompiled({ ...options, say: (line) => said.push(line) });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-launcher-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(tmp, "src-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** A compiler that writes the entry (or not) and counts its runs. */
function standInCompiler(result: { status: number; writesEntry: boolean } = { status: 0, writesEntry: true }) {
  const runs: string[] = [];
  const compile: Compile = (outDir) => {
    runs.push(outDir);
    if (result.writesEntry) {
      fs.mkdirSync(path.join(outDir, "src/plan"), { recursive: true });
      fs.writeFileSync(path.join(outDir, "src/plan/cli.js"), "// compiled\n");
    }
    return { status: result.status, output: "src/x.ts(1,1): error TS1005: ';' expected." };
  };
  return { compile, runs };
}

describe("the key of the compiled tree", () => {
  const files = { "index.ts": "export = 1;\n", "src/a.ts": "export const a = 1;\n", "src/a.test.ts": "test\n", "releases/m.json": "{}\n", "policy/attestation/node_modules/x/index.ts": "dependency\n", "README.md": "# not compiled\n", "tsconfig.json": "{}\n" };

  test("covers the TypeScript and JSON the compiler reads, not tests, dependencies or other files", () => {
    expect(launcher.inputFiles(tree(files))).toEqual(["index.ts", "releases/m.json", "src/a.ts", "tsconfig.json"].map((f) => f.split("/").join(path.sep)));
  });

  test("changes with a file's content, its path, a file added and the compiler, and with nothing else", () => {
    const root = tree(files);
    const key = () => launcher.sourceKey(root, launcher.inputFiles(root), "7.0.2");
    const first = key();
    expect(first).toMatch(/^[0-9a-f]{20}$/);
    expect(key()).toBe(first);
    fs.writeFileSync(path.join(root, "README.md"), "# edited, not an input\n");
    expect(key()).toBe(first);
    expect(launcher.sourceKey(root, launcher.inputFiles(root), "7.0.3")).not.toBe(first);
    fs.writeFileSync(path.join(root, "src/a.ts"), "export const a = 2;\n");
    const edited = key();
    expect(edited).not.toBe(first);
    fs.renameSync(path.join(root, "src/a.ts"), path.join(root, "src/b.ts"));
    const renamed = key();
    expect(renamed).not.toBe(edited);
    fs.writeFileSync(path.join(root, "src/c.ts"), "");
    expect(key()).not.toBe(renamed);
  });

  test("is remembered per file sizes and times, and an edit is seen", () => {
    const root = tree(files);
    const builds = path.join(root, ".plan-build");
    const first = launcher.currentKey(root, builds, "7.0.2");
    expect(first).toBe(launcher.sourceKey(root, launcher.inputFiles(root), "7.0.2"));
    expect(fs.readdirSync(path.join(builds, "keys")).map((f) => fs.readFileSync(path.join(builds, "keys", f), "utf8"))).toEqual([first]);
    expect(launcher.currentKey(root, builds, "7.0.2")).toBe(first);
    // Same size, so only the modification time tells the edit.
    fs.writeFileSync(path.join(root, "src/a.ts"), "export const b = 1;\n");
    fs.utimesSync(path.join(root, "src/a.ts"), new Date(), new Date(Date.now() + 5_000));
    const edited = launcher.currentKey(root, builds, "7.0.2");
    expect(edited).not.toBe(first);
    expect(edited).toBe(launcher.sourceKey(root, launcher.inputFiles(root), "7.0.2"));
  });
});

describe("compiling once per key", () => {
  test("compiles a missing tree into a staging directory, then reuses it", () => {
    said = [];
    const builds = path.join(tmp, "builds-a");
    const { compile, runs } = standInCompiler();
    const out = ensureCompiled({ builds, key: "0123456789abcdef0123", compile });
    expect(out).toBe(path.join(builds, "0123456789abcdef0123"));
    expect(fs.existsSync(path.join(out, "src/plan/cli.js"))).toBe(true);
    expect(runs).toEqual([path.join(builds, `0123456789abcdef0123.tmp-${process.pid}`)]);
    expect(ensureCompiled({ builds, key: "0123456789abcdef0123", compile })).toBe(out);
    expect(runs).toHaveLength(1);
    expect(said).toEqual([expect.stringMatching(/^Compiling the plan's sources \(once per change of index\.ts, lib\.ts, src/)]);
    // Nothing left besides the tree: no staging directory, no lock.
    expect(fs.readdirSync(builds)).toEqual(["0123456789abcdef0123"]);
  });

  test("a compiler that emits nothing fails with its output and leaves nothing behind", () => {
    const builds = path.join(tmp, "builds-b");
    const { compile } = standInCompiler({ status: 1, writesEntry: false });
    expect(() => ensureCompiled({ builds, key: "aaaaaaaaaaaaaaaaaaaa", compile })).toThrow(/TypeScript did not compile the plan \(exit 1\):\nsrc\/x\.ts\(1,1\): error TS1005/);
    expect(fs.readdirSync(builds)).toEqual([]);
  });

  test("type errors do not stop the plan (as under tsx), and the tree is kept; stderr says so", () => {
    said = [];
    const builds = path.join(tmp, "builds-c");
    const { compile } = standInCompiler({ status: 2, writesEntry: true });
    const out = ensureCompiled({ builds, key: "bbbbbbbbbbbbbbbbbbbb", compile });
    expect(fs.existsSync(path.join(out, "src/plan/cli.js"))).toBe(true);
    expect(said[1]).toMatch(/^note: TypeScript reports errors in the sources \(npm run typecheck shows them\); pulumi up type-checks and would refuse them\.\n$/);
  });

  test("a lock left by a compile that died is taken over once it is old", () => {
    const builds = path.join(tmp, "builds-d");
    fs.mkdirSync(path.join(builds, "cccccccccccccccccccc.lock"), { recursive: true });
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(path.join(builds, "cccccccccccccccccccc.lock"), old, old);
    const { compile, runs } = standInCompiler();
    ensureCompiled({ builds, key: "cccccccccccccccccccc", compile });
    expect(runs).toHaveLength(1);
    expect(fs.existsSync(path.join(builds, "cccccccccccccccccccc.lock"))).toBe(false);
  });

  test("keeps the two newest other trees, for plans of another checkout still loading from them, and the keys of kept trees", () => {
    const builds = path.join(tmp, "builds-e");
    const { compile } = standInCompiler();
    const keys = ["1", "2", "3", "4"].map((d) => d.repeat(20));
    keys.forEach((key, i) => {
      ensureCompiled({ builds, key, compile });
      const when = new Date(Date.now() - (10 - i) * 60_000);
      fs.utimesSync(path.join(builds, key), when, when);
    });
    // Remembered keys: one of a kept tree, one of a removed tree, one of the tree being built.
    fs.mkdirSync(path.join(builds, "keys"));
    fs.writeFileSync(path.join(builds, "keys", "a".repeat(20)), keys[3]!);
    fs.writeFileSync(path.join(builds, "keys", "b".repeat(20)), keys[0]!);
    fs.writeFileSync(path.join(builds, "keys", "c".repeat(20)), "5".repeat(20));
    ensureCompiled({ builds, key: "5".repeat(20), compile });
    expect(fs.readdirSync(builds).sort()).toEqual([keys[2], keys[3], "5".repeat(20), "keys"]);
    expect(fs.readdirSync(path.join(builds, "keys")).sort()).toEqual(["a".repeat(20), "c".repeat(20)]);
  });
});
