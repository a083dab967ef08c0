import { spawn } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { encodeNitroUserData, extractNitroArtifacts, NITRO_PACKAGE_UNITS, NITRO_SCRIPT_PATHS, renderNitroCloudInit } from "../../src/bootstrap/nitro";
import {
  cloudInitPython,
  cloudInitSchemaAll,
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
  // Both documents in one interpreter (helpers.ts), validated when the first test asks.
  let results: [RunResult, RunResult] | undefined;
  const schema = (): [RunResult, RunResult] => (results ??= cloudInitSchemaAll([rendered, bad], scratch) as [RunResult, RunResult]);

  it("accepts the rendered document", () => {
    const result = schema()[0];
    expect(result.stdout + result.stderr).toMatch(/Valid cloud-config/);
    expect(result.code).toBe(0);
  });

  it("catches a numeric file mode (negative control)", () => {
    expect(bad).not.toBe(rendered);
    const result = schema()[1];
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/permissions/);
  });

  it("is read by PyYAML (cloud-init's parser) exactly as the renderer wrote it", () => {
    const result = run(cloudInitPython(), ["-c", "import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], {
      input: rendered,
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(parse(rendered, { version: "1.1" }));
  });

  it("decodes the gzip-encoded user-data back to this exact #cloud-config part", () => {
    // cloud-init's own user-data processor.
    const python = cloudInitPython();
    const file = join(scratch("gzip"), "user-data.gz");
    writeFileSync(file, Buffer.from(encodeNitroUserData(rendered), "base64"));
    const result = run(python, [
      "-c",
      [
        "import sys",
        "from cloudinit.user_data import UserDataProcessor",
        "msg = UserDataProcessor({}).process(open(sys.argv[1], 'rb').read())",
        "parts = [p for p in msg.walk() if p.get_content_maintype() != 'multipart']",
        "assert len(parts) == 1 and parts[0].get_content_type() == 'text/cloud-config', [p.get_content_type() for p in parts]",
        "sys.stdout.write(parts[0].get_payload(decode=True).decode())",
      ].join("\n"),
      file,
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(rendered);
  });
});

// ---- shellcheck ---------------------------------------------------------------------------

function shellcheck(content: string, shell: string): RunResult {
  requireTool("shellcheck", "shellcheck");
  const file = join(scratch("shellcheck"), "script.sh");
  writeFileSync(file, content);
  // Style level: the strictest; any finding is a failure.
  return run("shellcheck", ["--shell", shell, "--severity", "style", "--format", "gcc", file]);
}

describe("shellcheck", () => {
  it.each(artifacts.scripts.map((s) => [s.path, s] as const))("finds nothing in %s", (_, script) => {
    const result = shellcheck(script.content, script.shell);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("catches an unquoted variable (negative control)", () => {
    const result = shellcheck('#!/usr/bin/env bash\nset -euo pipefail\ndir="$1"\nrm -rf $dir/cache\n', "bash");
    expect(result.code).not.toBe(0);
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

  it("systemd-analyze supports --root for verify", () => {
    requireTool("systemd-analyze", "systemd");
    const version = run("systemd-analyze", ["--version"]);
    expect(version.stdout).toMatch(/^systemd \d+/);
    expect(run("systemd-analyze", ["--help"]).stdout).toContain("--root=PATH");
  });

  it("accepts every unit, with its scripts in place", () => {
    expect(unitNames).toHaveLength(6);
    expect(verdict(systemdVerify(artifacts.files, unitNames))).toBeUndefined();
  });

  it("accepts the allocator drop-in on the package's unit", () => {
    expect(artifacts.dropIns.map((d) => d.name)).toEqual(["nitro-enclaves-allocator.service.d/tee-prover.conf"]);
    expect(verdict(systemdVerify(artifacts.files, [NITRO_PACKAGE_UNITS.allocator]))).toBeUndefined();
  });

  it("reads the drop-in: an ExecStartPre that is not there fails (negative control)", () => {
    const files = artifacts.files.map((f) => (f.path.includes(".service.d/") ? { ...f, content: f.content.replace("/usr/bin/install", "/usr/local/bin/install") } : f));
    expect(verdict(systemdVerify(files, [NITRO_PACKAGE_UNITS.allocator]))).toMatch(/\/usr\/local\/bin\/install is not executable/);
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
    const files = artifacts.files.filter((f) => f.path !== NITRO_SCRIPT_PATHS.forwarder);
    expect(verdict(systemdVerify(files, ["tee-prover-forwarder.service"]))).toMatch(/forwarder\.sh is not executable/);
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
