#!/usr/bin/env node
// @ts-check
"use strict";
// `npm run plan`: the offline plan (src/plan/cli.ts), run from JavaScript that TypeScript 7
// compiled from the sources as they are now. Transpiling on every run (tsx) cost about half a
// second of CPU per plan, a third of the whole plan; docs/offline-plan.md ("How the plan runs").
//
// The compiled tree is keyed by a hash of every file the compiler reads, so it can never be
// stale: an edit, a checkout or a deleted file gives another key and one compile (~4 s of CPU),
// and every later plan of that tree starts at once. Trees live under .plan-build/ (git-ignored).
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const BUILDS = path.join(ROOT, ".plan-build");
/** What tsconfig.plan.json compiles, plus the compiler settings and the JSON the sources import. */
const INPUTS = ["index.ts", "lib.ts", "src", "components", "stacks", "policy", "releases", "tsconfig.json", "tsconfig.plan.json"];
const ENTRY = path.join("src", "plan", "cli.js");
/** Trees kept besides the current one: a plan of another checkout may still be loading from one. */
const KEEP_OTHER_BUILDS = 2;
/** A lock older than this was left by a compile that died. */
const STALE_LOCK_MS = 5 * 60_000;

/**
 * Every source file under INPUTS, sorted: TypeScript (not tests) and JSON, outside node_modules.
 * @param {string} root
 * @returns {string[]} paths relative to root
 */
function inputFiles(root) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} rel */
  const visit = (rel) => {
    const stat = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(path.join(root, rel))) if (entry !== "node_modules") visit(path.join(rel, entry));
    } else if ((rel.endsWith(".ts") && !rel.endsWith(".test.ts")) || rel.endsWith(".json")) {
      files.push(rel);
    }
  };
  INPUTS.forEach(visit);
  return files.sort();
}

/**
 * The key of a tree: the compiler's version, then each file's path and content.
 * @param {string} root
 * @param {readonly string[]} files
 * @param {string} compilerVersion
 */
function sourceKey(root, files, compilerVersion) {
  const hash = crypto.createHash("sha256").update(`${compilerVersion}\0`);
  for (const rel of files) hash.update(`${rel.split(path.sep).join("/")}\0`).update(fs.readFileSync(path.join(root, rel))).update("\0");
  return hash.digest("hex").slice(0, 20);
}

/**
 * The key of the tree for the files as they are. Hashing every file costs ~70 ms; their sizes and
 * modification times are read in a few, so a key is remembered per list of those (an edit changes
 * them; a touch without an edit only costs one more hash, giving the same key).
 * @param {string} root
 * @param {string} builds
 * @param {string} compilerVersion
 */
function currentKey(root, builds, compilerVersion) {
  const files = inputFiles(root);
  const stats = files.map((rel) => {
    const stat = fs.statSync(path.join(root, rel));
    return `${rel}\0${stat.size}\0${stat.mtimeMs}`;
  });
  const statsDigest = crypto.createHash("sha256").update(`${compilerVersion}\0${stats.join("\0")}`).digest("hex").slice(0, 20);
  const remembered = path.join(builds, "keys", statsDigest);
  const known = fs.existsSync(remembered) ? fs.readFileSync(remembered, "utf8") : "";
  if (/^[0-9a-f]{20}$/.test(known)) return known;
  const key = sourceKey(root, files, compilerVersion);
  fs.mkdirSync(path.dirname(remembered), { recursive: true });
  fs.writeFileSync(`${remembered}.${process.pid}`, key);
  fs.renameSync(`${remembered}.${process.pid}`, remembered);
  return key;
}

/** @param {number} ms */
function pause(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Compiles the tree for `key` unless it exists; concurrent plans of the same tree compile it once
 * (the others wait for the first). Returns the tree's directory.
 * @param {{ builds: string; key: string; compile: (outDir: string) => { status: number | null; output: string }; say?: (line: string) => void }} options
 */
function ensureCompiled({ builds, key, compile, say = (line) => process.stderr.write(line) }) {
  const out = path.join(builds, key);
  const entry = path.join(out, ENTRY);
  if (fs.existsSync(entry)) return out;
  fs.mkdirSync(builds, { recursive: true });
  const lock = `${out}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (!(e instanceof Error && "code" in e && e.code === "EEXIST")) throw e;
      if (fs.existsSync(entry)) return out;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true });
      else pause(100);
    }
  }
  try {
    if (fs.existsSync(entry)) return out;
    const staging = `${out}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    say(`Compiling the plan's sources (once per change of ${INPUTS.slice(0, 6).join(", ")} ...)\n`);
    const { status, output } = compile(staging);
    // TypeScript emits despite type errors, as tsx ran them; `pulumi up` type-checks and would not.
    if (!fs.existsSync(path.join(staging, ENTRY))) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw new Error(`TypeScript did not compile the plan (exit ${status}):\n${output}`);
    }
    if (status !== 0) say(`note: TypeScript reports errors in the sources (npm run typecheck shows them); pulumi up type-checks and would refuse them.\n`);
    fs.renameSync(staging, out);
    pruneBuilds(builds, key);
    return out;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Removes all but the newest KEEP_OTHER_BUILDS trees besides `key`; a tree in use by another
 * process may go only once newer ones exist, so removal failures are ignored.
 * @param {string} builds
 * @param {string} key
 */
function pruneBuilds(builds, key) {
  const others = fs
    .readdirSync(builds, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== key && /^[0-9a-f]{20}$/.test(d.name))
    .map((d) => ({ dir: path.join(builds, d.name), mtime: fs.statSync(path.join(builds, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { dir } of others.slice(KEEP_OTHER_BUILDS)) fs.rmSync(dir, { recursive: true, force: true });
  // The remembered keys of trees that are gone (one small file per edit otherwise piles up).
  const keys = path.join(builds, "keys");
  if (!fs.existsSync(keys)) return;
  for (const entry of fs.readdirSync(keys)) {
    const file = path.join(keys, entry);
    const tree = /^[0-9a-f]{20}$/.test(entry) ? fs.readFileSync(file, "utf8") : "";
    if (tree !== key && !fs.existsSync(path.join(builds, tree, ENTRY))) fs.rmSync(file, { force: true });
  }
}

/** @param {string} outDir */
function compileWithTypeScript7(outDir) {
  const tsc = path.join(ROOT, "node_modules", "typescript7", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.plan.json"), "--outDir", outDir], { cwd: ROOT, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function compilerVersion() {
  const pkg = /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "typescript7", "package.json"), "utf8")));
  return pkg.version;
}

if (require.main === module) {
  const key = currentKey(ROOT, BUILDS, compilerVersion());
  const tree = ensureCompiled({ builds: BUILDS, key, compile: compileWithTypeScript7 });
  require(path.join(tree, ENTRY));
}

module.exports = { inputFiles, sourceKey, currentKey, ensureCompiled, pruneBuilds };
