import { spawn } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { encodeNitroUserData, extractNitroArtifacts, NITRO_PACKAGE_UNITS, NITRO_SCRIPT_PATHS, renderNitroCloudInit } from "../../src/bootstrap/nitro";
import {
  cloudInitPythonAfterSchema,
  nitroTestInput,
  requireTool,
  run,
  scriptEnv,
  scratchDirs,
  systemdVerifyRoot,
  writeExecutable,
  type RunResult,
} from "./helpers";

/**
 * The rendered artifacts judged by the real tools a host would run them with. Each validator
 * also gets a known-bad artifact, so the suite cannot pass because a harness never looked.
 */

const { scratch, track } = scratchDirs();

const rendered = renderNitroCloudInit(nitroTestInput());
const artifacts = extractNitroArtifacts(rendered);

// ---- cloud-init ---------------------------------------------------------------------------

describe("cloud-init schema", () => {
  const bad = rendered.replace('permissions: "0644"', "permissions: 644");
  // One interpreter (cloud-init's) validates both documents, loads the rendered one with PyYAML and
  // decodes the gzip-encoded user-data with cloud-init's own user-data processor; run when the
  // first test asks.
  const AFTER_SCHEMA = [
    "import yaml",
    "from cloudinit.user_data import UserDataProcessor",
    "loaded = yaml.safe_load(open(sys.argv[1]).read())",
    "msg = UserDataProcessor({}).process(open(request['gzip'], 'rb').read())",
    "parts = [p for p in msg.walk() if p.get_content_maintype() != 'multipart']",
    "extra = {'yaml': loaded, 'types': [p.get_content_type() for p in parts], 'payload': parts[0].get_payload(decode=True).decode() if parts else None}",
  ].join("\n");
  interface AfterSchema {
    readonly yaml: unknown;
    readonly types: string[];
    readonly payload: string | null;
  }
  let results: { schema: [RunResult, RunResult]; extra: AfterSchema; stderr: string } | undefined;
  const validated = (): { schema: [RunResult, RunResult]; extra: AfterSchema; stderr: string } => {
    if (results !== undefined) return results;
    const gzip = join(scratch("gzip"), "user-data.gz");
    writeFileSync(gzip, Buffer.from(encodeNitroUserData(rendered), "base64"));
    const out = cloudInitPythonAfterSchema([rendered, bad], scratch, AFTER_SCHEMA, { gzip });
    results = { schema: out.schema as [RunResult, RunResult], extra: out.extra as AfterSchema, stderr: out.stderr };
    return results;
  };

  it("accepts the rendered document", () => {
    const result = validated().schema[0];
    expect(result.stdout + result.stderr).toMatch(/Valid cloud-config/);
    expect(result.code).toBe(0);
  });

  it("catches a numeric file mode (negative control)", () => {
    expect(bad).not.toBe(rendered);
    const result = validated().schema[1];
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/permissions/);
  });

  it("is read by PyYAML (cloud-init's parser) exactly as the renderer wrote it", () => {
    const { extra, stderr } = validated();
    expect(stderr).toBe("");
    expect(extra.yaml).toEqual(parse(rendered, { version: "1.1" }));
  });

  it("decodes the gzip-encoded user-data back to this exact #cloud-config part", () => {
    const { extra, stderr } = validated();
    expect(stderr).toBe("");
    expect(extra.types).toEqual(["text/cloud-config"]);
    expect(extra.payload).toBe(rendered);
  });
});

// ---- shellcheck ---------------------------------------------------------------------------

/** shellcheck on several scripts in one run (one file each); `--format gcc` names the file on every finding. */
function shellcheck(scripts: ReadonlyArray<{ content: string; shell: string }>): { result: RunResult; files: string[] } {
  requireTool("shellcheck", "shellcheck");
  const shells = new Set(scripts.map((s) => s.shell));
  if (shells.size !== 1) throw new Error(`one shell per run, got ${[...shells].join(", ")}`);
  const dir = scratch("shellcheck");
  const files = scripts.map((script, i) => {
    const file = join(dir, `script-${i}.sh`);
    writeFileSync(file, script.content);
    return file;
  });
  // Style level: the strictest; any finding is a failure.
  return { result: run("shellcheck", ["--shell", [...shells][0] ?? "bash", "--severity", "style", "--format", "gcc", ...files]), files };
}

describe("shellcheck", () => {
  // Every rendered script in one shellcheck run (each script is its own file; findings name it).
  let checked: { result: RunResult; files: string[] } | undefined;
  const all = (): { result: RunResult; files: string[] } => (checked ??= shellcheck(artifacts.scripts));

  it("reads every rendered script, all of them bash", () => {
    expect(artifacts.scripts.map((s) => s.shell)).toEqual(artifacts.scripts.map(() => "bash"));
    expect(all().files).toHaveLength(artifacts.scripts.length);
  });

  it.each(artifacts.scripts.map((s, i) => [s.path, i] as const))("finds nothing in %s", (_, i) => {
    const { result, files } = all();
    const file = files[i] ?? "";
    expect(result.stdout.split("\n").filter((line) => line.startsWith(`${file}:`))).toEqual([]);
    // Exit 0 only when no script has a finding (and shellcheck itself ran).
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("catches an unquoted variable (negative control)", () => {
    const { result, files } = shellcheck([{ content: '#!/usr/bin/env bash\nset -euo pipefail\ndir="$1"\nrm -rf $dir/cache\n', shell: "bash" }]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain(`${files[0] ?? ""}:4:`);
    expect(result.stdout).toContain("SC2086");
  });
});

// ---- systemd-analyze verify ---------------------------------------------------------------

function systemdVerify(files: ReadonlyArray<{ path: string; content: string; permissions: string }>, units: readonly string[]): RunResult {
  requireTool("systemd-analyze", "systemd");
  // /usr/bin/install: the allocator drop-in's ExecStartPre; /bin/true: the package units' stubs.
  const root = systemdVerifyRoot(files, Object.values(NITRO_PACKAGE_UNITS), ["/usr/bin/install", "/bin/true"]);
  track(root);
  // --root: ExecStart= binaries and the units' dependencies are resolved inside the temporary
  // root, so the scripts never need to exist at their real paths on this machine.
  return run("systemd-analyze", ["verify", `--root=${root}`, ...units]);
}

/** systemd-analyze exits 0 on a directive it ignores, so any output at all is a failure. */
function verdict(result: RunResult): string | undefined {
  return result.code === 0 && result.stdout === "" && result.stderr === "" ? undefined : `exit ${result.code}: ${result.stderr}${result.stdout}`;
}

describe("systemd-analyze verify", () => {
  const unitNames = artifacts.units.map((u) => u.name);
  // One run for every unit and the package's allocator with our drop-in, and one for two negative
  // controls at once (each finding names its unit); each run when the first test asks.
  let good: RunResult | undefined;
  const verifiedAll = (): RunResult => (good ??= systemdVerify(artifacts.files, [...unitNames, NITRO_PACKAGE_UNITS.allocator]));
  let broken: RunResult | undefined;
  const verifiedBroken = (): RunResult =>
    (broken ??= systemdVerify(
      artifacts.files
        // The drop-in's ExecStartPre moved where nothing is, and forwarder.sh gone.
        .filter((f) => f.path !== NITRO_SCRIPT_PATHS.forwarder)
        .map((f) => (f.path.includes(".service.d/") ? { ...f, content: f.content.replace("/usr/bin/install", "/usr/local/bin/install") } : f)),
      [NITRO_PACKAGE_UNITS.allocator, "tee-prover-forwarder.service"],
    ));

  it("systemd-analyze supports --root for verify", () => {
    requireTool("systemd-analyze", "systemd");
    const version = run("systemd-analyze", ["--version"]);
    expect(version.stdout).toMatch(/^systemd \d+/);
    expect(run("systemd-analyze", ["--help"]).stdout).toContain("--root=PATH");
  });

  it("accepts every unit, with its scripts in place", () => {
    expect(unitNames).toHaveLength(6);
    expect(verdict(verifiedAll())).toBeUndefined();
  });

  it("accepts the allocator drop-in on the package's unit", () => {
    expect(artifacts.dropIns.map((d) => d.name)).toEqual(["nitro-enclaves-allocator.service.d/tee-prover.conf"]);
    expect(verdict(verifiedAll())).toBeUndefined();
  });

  it("reads the drop-in: an ExecStartPre that is not there fails (negative control)", () => {
    expect(verdict(verifiedBroken())).toMatch(/nitro-enclaves-allocator\.service: Command \/usr\/local\/bin\/install is not executable/);
  });

  it("catches an ignored directive, which it reports only as a warning (negative control)", () => {
    const files = artifacts.files.map((f) =>
      f.path.endsWith("/tee-prover-enclave.service") ? { ...f, content: f.content.replace("Restart=always", "Restart=sometimes") } : f,
    );
    const result = systemdVerify(files, ["tee-prover-enclave.service"]);
    expect(result.code).toBe(0);
    expect(verdict(result)).toMatch(/restart specifier.*sometimes/);
  });

  it("catches an ExecStart= script that is not there (negative control)", () => {
    expect(verdict(verifiedBroken())).toMatch(/tee-prover-forwarder\.service: Command \S*forwarder\.sh is not executable/);
  });
});

// ---- socat --------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface ForwarderProbe {
  /** socat's log lines (it runs with -d -d through a shim). */
  readonly log: string;
  readonly listening: boolean;
  /** True once socat, for an accepted TCP connection, opened the enclave's vsock address. */
  readonly openedVsock: boolean;
}

/**
 * Runs forwarder.sh with the real socat (through a shim that only adds -d -d, so socat says
 * what it does), connects to the host port, and waits until socat either dials the enclave's
 * vsock address or reports an error. socat parses its second address only when a connection
 * arrives, so without the connection a bad vsock address would go unnoticed.
 */
async function probeForwarder(script: string, releaseEnv: string, hostPort: number, cid: number, vsockPort: number): Promise<ForwarderProbe> {
  const realSocat = requireTool("socat", "socat");
  const dir = scratch("socat");
  writeExecutable(join(dir, "bin", "socat"), `#!/usr/bin/env bash\nexec ${realSocat} -d -d "$@"\n`);
  writeFileSync(join(dir, "release.env"), releaseEnv);
  writeFileSync(join(dir, "forwarder.sh"), script);
  const child = spawn("bash", [join(dir, "forwarder.sh")], {
    env: scriptEnv(join(dir, "bin"), { TEE_PROVER_RELEASE_ENV: join(dir, "release.env") }),
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  let client: Socket | undefined;
  const vsockDial = new RegExp(`opening connection to AF=40 cid:${cid} port:${vsockPort}|socket\\(40, `);
  try {
    return await new Promise<ForwarderProbe>((resolve) => {
      let connected = false;
      const finish = (): void => resolve({ log, listening: connected, openedVsock: vsockDial.test(log) });
      const deadline = setTimeout(finish, 10_000);
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => {
        log += chunk;
        if (!connected && log.includes(`listening on AF=2 0.0.0.0:${hostPort}`)) {
          connected = true;
          client = createConnection(hostPort, "127.0.0.1").on("error", () => undefined);
        }
        if (connected && (vsockDial.test(log) || / E /.test(log))) {
          clearTimeout(deadline);
          finish();
        }
      });
      child.once("exit", () => {
        clearTimeout(deadline);
        finish();
      });
    });
  } finally {
    client?.destroy();
    // Our own child's process group: socat and the children it forked per connection.
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  }
}

describe("socat", () => {
  it("listens on the host port and dials the enclave's vsock CID and port", async () => {
    const hostPort = await freePort();
    const a = extractNitroArtifacts(renderNitroCloudInit(nitroTestInput({ hostPort })));
    const releaseEnv = a.files.find((f) => f.path === "/etc/tee-prover/release.env")?.content ?? "";
    const forwarder = a.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.forwarder)?.content ?? "";
    const probe = await probeForwarder(forwarder, releaseEnv, hostPort, 16, 6300);
    expect(probe.listening, probe.log).toBe(true);
    expect(probe.openedVsock, probe.log).toBe(true);
    expect(probe.log).not.toMatch(/unknown (option|device)/);
  });

  it("catches an address socat cannot parse (negative control)", async () => {
    const hostPort = await freePort();
    const a = extractNitroArtifacts(renderNitroCloudInit(nitroTestInput({ hostPort })));
    const releaseEnv = a.files.find((f) => f.path === "/etc/tee-prover/release.env")?.content ?? "";
    const forwarder = (a.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.forwarder)?.content ?? "").replace(
      "VSOCK-CONNECT:$TEE_PROVER_ENCLAVE_CID:$TEE_PROVER_ENCLAVE_VSOCK_PORT",
      "VSOCK-CONNECT:$TEE_PROVER_ENCLAVE_CID:$TEE_PROVER_ENCLAVE_VSOCK_PORT,nodelay-please",
    );
    const probe = await probeForwarder(forwarder, releaseEnv, hostPort, 16, 6300);
    expect(probe.listening, probe.log).toBe(true);
    expect(probe.openedVsock, probe.log).toBe(false);
    expect(probe.log).toMatch(/unknown option "nodelay-please"/);
  });
});

describe("requireTool", () => {
  it("fails with the apt package to install when a validator is missing", () => {
    expect(() => requireTool("shellcheck-not-installed-anywhere", "shellcheck")).toThrow(
      /"shellcheck-not-installed-anywhere" is not installed: install it with "apt-get install -y shellcheck"/,
    );
  });
});
