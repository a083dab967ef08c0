import { execFile, spawnSync } from "node:child_process";
import { afterAll } from "vitest";
import { accessSync, chmodSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { NitroPcrIndex, NitroReleasePins, PcrPin } from "../../src/attestation/pins";
import { nitroManifestSchema } from "../../src/attestation/manifest";
import { bash } from "../../src/bootstrap/cloud-init";
import type { NitroBootstrapInput } from "../../src/bootstrap/nitro-input";

/** The real published manifest; its pins are what the bootstrap tests check against. */
export const MANIFEST = nitroManifestSchema.parse(
  JSON.parse(readFileSync(join(__dirname, "../../releases/pcr-measurements.v6.3.1.json"), "utf8")),
);

export const PCR0 = MANIFEST.measurements.pcr0.value;
export const PCR1 = MANIFEST.measurements.pcr1.value;
export const PCR2 = MANIFEST.measurements.pcr2.value;
export const ALL_ZERO = "0".repeat(96);

export interface TestInputOptions {
  readonly warnOnly?: readonly NitroPcrIndex[];
  readonly pcr8?: string;
  readonly hostPort?: number;
  readonly eifServesTls?: boolean;
  readonly region?: string;
  /** Releases accepted besides the booted v6.3.1 (listed before it, as a rotation's old release). */
  readonly alsoAccepted?: readonly NitroReleasePins[];
  readonly parentRolePcr3?: string | null;
}

/** A NitroBootstrapInput for the v6.3.1 release with the values the tests assert on. */
export function nitroTestInput(options: TestInputOptions = {}): NitroBootstrapInput {
  const pin = (index: NitroPcrIndex, expected: string): PcrPin => ({
    expected,
    warnOnly: options.warnOnly?.includes(index) ?? false,
  });
  const pins: NitroReleasePins = {
    version: MANIFEST.version,
    pcrs: {
      0: pin(0, PCR0),
      1: pin(1, PCR1),
      2: pin(2, PCR2),
      ...(options.pcr8 === undefined ? {} : { 8: pin(8, options.pcr8) }),
    },
  };
  return {
    fleetName: "prover-dev",
    region: options.region ?? "us-east-1",
    hostPort: options.hostPort ?? 6300,
    enclaveVsockPort: 6300,
    enclaveCid: 16,
    enclave: { cpuCount: 2, memoryMiB: 4096 },
    release: {
      version: MANIFEST.version,
      eifS3Uri: `s3://tee-prover-releases/${MANIFEST.version}/${MANIFEST.buildInfo.eifFile}`,
      pins,
    },
    acceptedReleases: [...(options.alsoAccepted ?? []), pins],
    parentRolePcr3: options.parentRolePcr3 ?? null,
    eifServesTls: options.eifServesTls ?? false,
    kmsProxyVsockPort: 8000,
    metricNamespace: "TeeProver/prover-dev",
    logGroupName: "/tee-prover/prover-dev/host",
    agentIntervalSeconds: 60,
  };
}

/** Tools found so far: looked up once per worker, not once per check. */
const toolPaths = new Map<string, string>();

/**
 * Where `command -v` finds an executable: an absolute or relative path as given, else the first
 * executable regular file of that name along PATH. Looked up with fs calls, not a shell: a bash
 * process per lookup cost more than the lookup.
 */
function findExecutable(command: string): string | undefined {
  const executable = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return executable(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir === "" ? "." : dir, command);
    if (executable(path)) return path;
  }
  return undefined;
}

/**
 * Fails (never skips) when a tool the tests rely on is missing, naming the Debian package to
 * install, so a CI image without it cannot pass by silence.
 */
export function requireTool(command: string, aptPackage: string): string {
  const known = toolPaths.get(command);
  if (known !== undefined) return known;
  const path = findExecutable(command);
  if (path === undefined) {
    throw new Error(`"${command}" is not installed: install it with "apt-get install -y ${aptPackage}" (Debian package ${aptPackage})`);
  }
  toolPaths.set(command, path);
  return path;
}

/** The interpreter the cloud-init command runs with, which has cloud-init's modules and PyYAML. */
export function cloudInitPython(): string {
  const cloudInit = requireTool("cloud-init", "cloud-init");
  return /^#!(\S+)/.exec(readFileSync(cloudInit, "utf8"))?.[1] ?? "python3";
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tee-prover-${prefix}-`));
}

export function writeExecutable(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Synchronous run, for tools that need nothing from this process while they work. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): RunResult {
  const result = spawnSync(command, args, { encoding: "utf8", env: options.env, cwd: options.cwd, input: options.input });
  if (result.error !== undefined) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Asynchronous run: required when the child talks to a server running in this process. */
export function runAsync(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A minimal environment for running the host scripts: no proxy variables (curl would send
 * 127.0.0.1 traffic to a proxy) and stub binaries first on PATH.
 */
export function scriptEnv(stubBin: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: `${stubBin}${delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: process.env.HOME ?? "/root",
    LANG: "C",
    ...extra,
  };
}

/**
 * The stubs of `aws`, `nitro-cli`, `systemctl` and `verify-attestation`, as bash code run with
 * `set -euo pipefail` in a process of its own: each appends its name and argv to $STUB_STATE/calls
 * (readStubCalls parses it). `nitro-cli describe-eif` prints $STUB_STATE/describe-eif.json;
 * `describe-enclaves` prints $STUB_STATE/describe-enclaves.<n>.json for its n-th call (1-based),
 * falling back to describe-enclaves.json, and exits 1 if the chosen file holds "FAIL"; when
 * describe-enclaves.<n>.touch exists, the path it names is touched first (to simulate ExecStop).
 * `aws` fails like a refused call (AccessDenied, exit 255) when $STUB_STATE/aws-fail exists.
 *
 * The name the stub runs as is in $stub_name. Each body fails explicitly (`|| exit`) rather than
 * through `set -e`, which bash ignores inside a function called from an `if` or `until` condition.
 */
const STUB_BODIES: Readonly<Record<string, string>> = {
  aws: bash`if [[ -e "$STUB_STATE/aws-fail" ]]; then echo "AccessDenied" >&2; exit 255; fi
if [[ "$1 \${2:-}" == "s3 cp" ]]; then
  printf 'EIF-BYTES' >"\${!#}" || exit 1
fi`,
  "nitro-cli": bash`case "$1" in
  describe-eif) slurp "$STUB_STATE/describe-eif.json" || exit 1; printf '%s' "$REPLY" ;;
  describe-enclaves)
    count_file="$STUB_STATE/describe-enclaves.count"
    n=0
    if [[ -f "$count_file" ]]; then read -r n <"$count_file" || exit 1; fi
    n=$(( n + 1 ))
    echo "$n" >"$count_file" || exit 1
    if [[ -f "$STUB_STATE/describe-enclaves.$n.touch" ]]; then
      slurp "$STUB_STATE/describe-enclaves.$n.touch" || exit 1
      : >>"\${REPLY%$'\n'}" || exit 1
    fi
    file="$STUB_STATE/describe-enclaves.$n.json"
    [[ -f "$file" ]] || file="$STUB_STATE/describe-enclaves.json"
    slurp "$file" || exit 1
    if [[ "$REPLY" =~ ^FAIL$'\n'*$ ]]; then echo "stub: describe-enclaves failed" >&2; exit 1; fi
    printf '%s' "$REPLY" ;;
  run-enclave) echo '{"EnclaveID":"i-stub-enc1","EnclaveCID":16,"Flags":"NONE"}' ;;
  terminate-enclave) echo '{"Terminated":true}' ;;
  *) echo "stub nitro-cli: unexpected $1" >&2; exit 2 ;;
esac`,
  // `systemctl is-system-running`: prints $STUB_STATE/system-state (default "running") and, like
  // systemctl, exits non-zero for any state but "running".
  systemctl: bash`state=running
if [[ -f "$STUB_STATE/system-state" ]]; then read -r state <"$STUB_STATE/system-state" || true; fi
echo "$state"
[[ "$state" == "running" ]]`,
  // The agent's attestation verifier: keeps the body it was given (stdin), prints
  // $STUB_STATE/verifier-output and exits with $STUB_STATE/verifier-exit (default 0: verified).
  "verify-attestation": bash`body=
IFS= read -r -d '' body || true
printf '%s' "$body" >"$STUB_STATE/verifier-stdin" || exit 1
if [[ -f "$STUB_STATE/verifier-output" ]]; then slurp "$STUB_STATE/verifier-output" || exit 1; printf '%s' "$REPLY"; fi
code=0
if [[ -f "$STUB_STATE/verifier-exit" ]]; then read -r code <"$STUB_STATE/verifier-exit" || true; fi
exit "$code"`,
  socat: "",
  "vsock-proxy": "",
};

// One record per call: the argument count, the command name and each argument, every field
// NUL-terminated (NUL is the one byte an argument cannot hold). printf is a bash builtin, so
// recording starts no process.
const STUB_RECORD = bash`printf '%s\0' "$#" "$stub_name" "$@" >>"$STUB_STATE/calls" || exit 1`;
// slurp FILE: FILE's bytes into $REPLY with builtins (a missing file fails, as cat did); the
// stubs read their state files this way instead of starting a cat per read.
const STUB_SLURP = bash`slurp() { [[ -r "$1" ]] || { printf 'stub: cannot read %s\n' "$1" >&2; return 1; }; REPLY=; IFS= read -r -d '' REPLY <"$1" || true; }`;

export type StubName = keyof typeof STUB_BODIES;

/** Writes each stub as an executable on `stubBin` (all of them unless `names` says which). */
export function writeStubs(stubBin: string, names: readonly StubName[] = Object.keys(STUB_BODIES)): void {
  for (const name of names) {
    writeExecutable(
      join(stubBin, name),
      `#!/usr/bin/env bash\nset -euo pipefail\nstub_name="\${0##*/}"\n${STUB_RECORD}\n${STUB_SLURP}\n${STUB_BODIES[name] ?? ""}\n`,
    );
  }
}

/**
 * The same stubs as bash functions in one file, for `BASH_ENV`: bash reads it before the script,
 * and a function shadows the executable of the same name on PATH. Each body runs in a subshell
 * (a fork of the script's bash, no exec), so its `exit` and `set` stay its own, and a call costs
 * no process start. `jq` is the real one, counted (countJqRuns). `sleep` returns at once for 0 and
 * fails for anything else. `logger` is a no-op: the scripts log to stderr as well (which the tests read)
 * and ignore logger's failure, so nothing observable depends on it.
 * A script that `exec`s a command (forwarder.sh, kms-proxy.sh) needs the executable: `exec`
 * does not run functions.
 */
export function writeStubFunctions(file: string, names: readonly StubName[] = ["aws", "nitro-cli", "systemctl", "verify-attestation"]): void {
  const functions = names.map(
    (name) => `${name}() (\n  set -euo pipefail\n  stub_name=${name}\n  ${STUB_RECORD}\n${STUB_BODIES[name] ?? ""}\n)`,
  );
  // jq stays the real one; the wrapper only counts its runs in $STUB_STATE/jq-runs (one byte per run).
  const jq = `jq() { printf . >>"$STUB_STATE/jq-runs"; command jq "$@"; }`;
  // The tests poll with TEE_PROVER_POLL_SECONDS=0: `sleep 0` returns at once, and any other
  // duration is a bug in a test (it would only make the suite slow), so it fails the script.
  const sleep = `sleep() { [[ "$*" == 0 ]] || { printf 'stub sleep: a test must not sleep %s\\n' "$*" >&2; return 1; }; }`;
  writeFileSync(file, [STUB_SLURP, "logger() { :; }", sleep, jq, ...functions, ""].join("\n"));
}

/** How many times the scripts ran jq, as counted by writeStubFunctions' wrapper. */
export function countJqRuns(stubState: string): number {
  const file = join(stubState, "jq-runs");
  return existsSync(file) ? readFileSync(file, "utf8").length : 0;
}

export interface StubCall {
  readonly cmd: string;
  readonly args: string[];
}

export function readStubCalls(stubState: string): StubCall[] {
  const file = join(stubState, "calls");
  if (!existsSync(file)) return [];
  const fields = readFileSync(file, "utf8").split("\0");
  if (fields.pop() !== "") throw new Error(`${file}: a record was cut short`);
  const calls: StubCall[] = [];
  for (let i = 0; i < fields.length; ) {
    const count = Number(fields[i]);
    const cmd = fields[i + 1];
    if (!Number.isInteger(count) || count < 0 || cmd === undefined || i + 2 + count > fields.length) {
      throw new Error(`${file}: malformed record at field ${i}`);
    }
    calls.push({ cmd, args: fields.slice(i + 2, i + 2 + count) });
    i += 2 + count;
  }
  return calls;
}

/** describe-eif output in nitro-cli's shape. */
export function describeEifJson(pcrs: Partial<Record<`PCR${number}`, string>>): string {
  return JSON.stringify({
    EifVersion: 4,
    Measurements: { HashAlgorithm: "Sha384 { ... }", ...pcrs },
    IsSigned: false,
    CheckCRC: true,
    ImageName: "proof-server",
  });
}

/** describe-enclaves output in nitro-cli's shape (one enclave). */
export function describeEnclavesJson(enclave: { state?: string; flags?: string; pcr0?: string; cid?: number }): string {
  return JSON.stringify([
    {
      EnclaveName: "proof-server",
      EnclaveID: "i-0123456789abcdef0-enc0123456789abcdef",
      ProcessID: 4242,
      EnclaveCID: enclave.cid ?? 16,
      NumberOfCPUs: 2,
      CPUIDs: [1, 3],
      MemoryMiB: 4096,
      State: enclave.state ?? "RUNNING",
      Flags: enclave.flags ?? "NONE",
      Measurements: { HashAlgorithm: "Sha384 { ... }", PCR0: enclave.pcr0 ?? PCR0, PCR1, PCR2 },
    },
  ]);
}

/** Writes each extracted file under `root` at its absolute path, with its mode. */
export function materialise(root: string, files: ReadonlyArray<{ path: string; content: string; permissions: string }>): void {
  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, Number.parseInt(file.permissions, 8));
  }
}

/** The installed systemd's own unit directory (targets such as sysinit.target live there). */
export function hostSystemdUnitDir(): string {
  const candidates = ["/usr/lib/systemd/system", "/lib/systemd/system"];
  const dir = candidates.find((d) => existsSync(join(d, "sysinit.target")));
  if (dir === undefined) {
    throw new Error('systemd\'s unit directory (sysinit.target) is missing: install it with "apt-get install -y systemd"');
  }
  return dir;
}

/**
 * Prepares a root for `systemd-analyze verify --root=`: our units and scripts at their real
 * paths, the host's *.target units (verify resolves sysinit.target and friends inside the root),
 * and stubs for the units the aws-nitro-enclaves-cli package provides on the real host, which
 * this machine does not have: without them `Requires=nitro-enclaves-allocator.service` fails.
 */
export function systemdVerifyRoot(
  files: ReadonlyArray<{ path: string; content: string; permissions: string }>,
  packageUnits: readonly string[],
  /** Absolute paths of this machine's executables that units run (copied into the root). */
  hostExecutables: readonly string[] = [],
): string {
  const root = tempDir("systemd-root");
  materialise(root, files);
  const unitDir = hostSystemdUnitDir();
  const targetDir = join(root, "usr/lib/systemd/system");
  mkdirSync(targetDir, { recursive: true });
  for (const name of readdirSync(unitDir).filter((n) => n.endsWith(".target"))) {
    cpSync(join(unitDir, name), join(targetDir, name), { dereference: true });
  }
  for (const executable of hostExecutables) {
    mkdirSync(join(root, dirname(executable)), { recursive: true });
    cpSync(executable, join(root, executable), { dereference: true });
  }
  for (const name of packageUnits) {
    writeFileSync(
      join(root, "etc/systemd/system", name),
      `[Unit]\nDescription=stub of ${name} (shipped by aws-nitro-enclaves-cli on the real host)\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n`,
    );
  }
  return root;
}

/** Parses a unit file into section -> directive -> values (repeated directives keep order). */
export function parseUnit(content: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of content.split("\n")) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const directive = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (directive?.[1] !== undefined && directive[2] !== undefined && current !== undefined) {
      current.set(directive[1], [...(current.get(directive[1]) ?? []), directive[2]]);
    }
  }
  return sections;
}

export function directive(unit: Map<string, Map<string, string[]>>, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Temporary directories for one test file, removed after its tests. Call at the file's top level. */
export function scratchDirs(): { scratch: (prefix: string) => string; track: (dir: string) => void } {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));
  return {
    scratch: (prefix) => {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    track: (dir) => void dirs.push(dir),
  };
}

/** `cloud-init schema` on a rendered document, written to a scratch file (Debian's cloud-init 22.4). */
export function cloudInitSchema(document: string, scratch: (prefix: string) => string): RunResult {
  requireTool("cloud-init", "cloud-init");
  const file = join(scratch("cloud-init"), "user-data.yaml");
  writeFileSync(file, document);
  return run("cloud-init", ["schema", "--config-file", file]);
}

// The handler `cloud-init schema --config-file FILE` runs (cloudinit/config/schema.py,
// handle_schema_args), called once per file in one interpreter: its output and exit status per
// file are the command's. An interpreter start with cloud-init's schema is about 0.55 s of CPU,
// and a second document in the same process costs almost nothing. Further checks that need
// cloud-init's modules run after it in the same interpreter (cloudInitPythonAfterSchema).
const CLOUD_INIT_SCHEMA_MANY = `
import contextlib, io, json, sys
from argparse import Namespace
from cloudinit.config.schema import handle_schema_args
results = []
for path in sys.argv[1:]:
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            handle_schema_args("schema", Namespace(config_file=path, docs=None, system=False, annotate=False))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    results.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
request = json.load(sys.stdin)
extra = None
`;

/** `cloud-init schema` on several documents at once, one result per document, in order. */
export function cloudInitSchemaAll(documents: readonly string[], scratch: (prefix: string) => string): RunResult[] {
  return cloudInitPythonAfterSchema(documents, scratch, "", null).schema;
}

/**
 * cloudInitSchemaAll, then `python` in the same interpreter (cloud-init's, with its modules and
 * PyYAML): it reads `request` (`input`, as JSON) and sets `extra` (returned as parsed JSON).
 * `stderr` is what the interpreter wrote outside the schema runs.
 */
export function cloudInitPythonAfterSchema(
  documents: readonly string[],
  scratch: (prefix: string) => string,
  python: string,
  input: unknown,
): { schema: RunResult[]; extra: unknown; stderr: string } {
  const dir = scratch("cloud-init");
  const files = documents.map((document, i) => {
    const file = join(dir, `user-data-${i}.yaml`);
    writeFileSync(file, document);
    return file;
  });
  const script = `${CLOUD_INIT_SCHEMA_MANY}${python}\nprint(json.dumps({"schema": results, "extra": extra}))\n`;
  const result = run(cloudInitPython(), ["-c", script, ...files], { input: JSON.stringify(input) });
  if (result.code !== 0) throw new Error(`cloud-init's schema module did not run: ${result.stderr}`);
  const out = JSON.parse(result.stdout) as { schema: RunResult[]; extra: unknown };
  if (out.schema.length !== documents.length) throw new Error(`expected ${documents.length} results, got ${out.schema.length}`);
  return { schema: out.schema, extra: out.extra, stderr: result.stderr };
}
