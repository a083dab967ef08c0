import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HOST_AGENT_METRIC_NAMES } from "../../src/bootstrap/host-agent-metrics";
import {
  CLOUDWATCH_AGENT_CONFIG_PATH,
  EC2_USER_DATA_LIMIT_BYTES,
  NITRO_PACKAGES,
  NITRO_SCRIPT_PATHS,
  NITRO_UNIT_NAMES,
  encodeNitroUserData,
  extractNitroArtifacts,
  renderNitroCloudInit,
  type NitroArtifacts,
} from "../../src/bootstrap/nitro";
import type { NitroBootstrapInput } from "../../src/bootstrap/nitro-input";
import { AWS_NITRO_ROOT_G1_SHA256 } from "../../src/attestation/pins";
import { PCR0, PCR1, PCR2, directive, nitroTestInput, parseUnit, removeDir, requireTool, run, tempDir } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const rendered = renderNitroCloudInit(nitroTestInput());
const artifacts = extractNitroArtifacts(rendered);

function fileContent(a: NitroArtifacts, path: string): string {
  const file = a.files.find((f) => f.path === path);
  if (file === undefined) throw new Error(`${path} is not written by the bootstrap`);
  return file.content;
}

function unit(a: NitroArtifacts, name: string): Map<string, Map<string, string[]>> {
  const found = a.units.find((u) => u.name === name);
  if (found === undefined) throw new Error(`unit ${name} is not written by the bootstrap`);
  return parseUnit(found.content);
}

/** Sources release.env with bash (the way the scripts read it) and returns its variables. */
function sourceReleaseEnv(a: NitroArtifacts): Record<string, string> {
  requireTool("bash", "bash");
  const dir = tempDir("release-env");
  dirs.push(dir);
  const path = join(dir, "release.env");
  writeFileSync(path, fileContent(a, "/etc/tee-prover/release.env"));
  const result = run("bash", ["-c", '. "$1"; for v in "${!TEE_PROVER_@}"; do printf "%s=%s\\n" "$v" "${!v}"; done', "_", path]);
  expect(result.stderr).toBe("");
  return Object.fromEntries(
    result.stdout
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

describe("renderNitroCloudInit: document shape", () => {
  it("is a plain #cloud-config document, deterministic", () => {
    expect(rendered.split("\n")[0]).toBe("#cloud-config");
    expect(rendered).not.toMatch(/Content-Type: multipart/i);
    expect(renderNitroCloudInit(nitroTestInput())).toBe(rendered);
  });

  it("says why nothing secret is in user-data", () => {
    expect(rendered).toMatch(/# +Nothing secret belongs here: user-data is readable/);
    expect(rendered).not.toMatch(/PRIVATE KEY|api[-_]key|secret:/i);
  });

  it("installs exactly the Nitro tooling packages", () => {
    const doc = parse(rendered, { version: "1.1" }) as Record<string, unknown>;
    expect(doc.package_update).toBe(false);
    expect(artifacts.packages).toEqual([
      "aws-nitro-enclaves-cli",
      "aws-nitro-enclaves-cli-devel",
      "socat",
      "jq",
      "amazon-cloudwatch-agent",
      // The agent's attestation verifier (verify-attestation.py).
      "python3-cryptography",
    ]);
    expect(artifacts.packages).toEqual([...NITRO_PACKAGES]);
  });

  it("gives every file a string mode and root ownership; scripts are executable", () => {
    expect(artifacts.files.length).toBeGreaterThan(10);
    for (const file of artifacts.files) {
      expect(file.permissions, file.path).toMatch(/^0[0-7]{3}$/);
      expect(file.owner, file.path).toBe("root:root");
    }
    expect(rendered).toMatch(/permissions: "0755"/);
    const scriptModes = artifacts.scripts.map((s) => artifacts.files.find((f) => f.path === s.path)?.permissions);
    expect(scriptModes).toEqual(["0755", "0755", "0755", "0755", "0755"]);
  });

  it("writes the attestation verifier as an executable Python file, not a script for shellcheck", () => {
    const verifier = artifacts.files.find((f) => f.path === "/usr/local/libexec/tee-prover/verify-attestation.py");
    expect(verifier?.permissions).toBe("0755");
    expect(verifier?.content.startsWith("#!/usr/bin/python3\n")).toBe(true);
    expect(artifacts.scripts.map((s) => s.path)).not.toContain(verifier?.path);
  });

  it("defers no file: nothing depends on the optional write_files_deferred module", () => {
    expect(artifacts.files.filter((f) => f.defer).map((f) => f.path)).toEqual([]);
    expect(rendered).not.toMatch(/^\s*defer:/m);
    // Nor does it write the package's %config(noreplace) paths, which packages: would race.
    expect(artifacts.files.map((f) => f.path).filter((p) => p.startsWith("/etc/nitro_enclaves/"))).toEqual([]);
  });

  it("extracts the five bash scripts and six units", () => {
    expect(artifacts.scripts.map((s) => s.path)).toEqual([
      "/usr/local/libexec/tee-prover/fetch-and-verify-eif.sh",
      "/usr/local/libexec/tee-prover/run-enclave.sh",
      "/usr/local/libexec/tee-prover/forwarder.sh",
      "/usr/local/libexec/tee-prover/kms-proxy.sh",
      "/usr/local/libexec/tee-prover/host-agent.sh",
    ]);
    for (const script of artifacts.scripts) {
      expect(script.shell, script.path).toBe("bash");
      expect(script.content, script.path).toMatch(/^#!\/usr\/bin\/env bash\n/);
      expect(script.content, script.path).toContain("\nset -euo pipefail\n");
    }
    expect(artifacts.units.map((u) => u.name)).toEqual([
      "tee-prover-eif.service",
      "tee-prover-enclave.service",
      "tee-prover-forwarder.service",
      "tee-prover-kms-proxy.service",
      "tee-prover-agent.service",
      "tee-prover-agent.timer",
    ]);
  });

  it("fits EC2's 16 KiB user-data limit once gzip-encoded, and round-trips", () => {
    const encoded = Buffer.from(encodeNitroUserData(rendered), "base64");
    expect(encoded.length).toBeLessThan(EC2_USER_DATA_LIMIT_BYTES);
    expect(encoded.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(encoded[9]).toBe(255);
  });

  it("fits with room to spare in the largest case: a rotation of two signed releases, PCR3 pinned, TLS", () => {
    const next = { version: "v6.4.0", pcrs: { 0: { expected: "a0".repeat(48), warnOnly: false }, 1: { expected: "a1".repeat(48), warnOnly: false }, 2: { expected: "a2".repeat(48), warnOnly: true }, 8: { expected: "a8".repeat(48), warnOnly: false } } };
    const largest = nitroTestInput({ pcr8: "b8".repeat(48), eifServesTls: true, alsoAccepted: [next], parentRolePcr3: "c3".repeat(48) });
    const encoded = Buffer.from(encodeNitroUserData(renderNitroCloudInit(largest)), "base64");
    // About 13 KiB today (docs/aws-boot-rollout-and-alarms.md): keep 2 KiB free for what comes next.
    expect(encoded.length).toBeLessThan(EC2_USER_DATA_LIMIT_BYTES - 2048);
  });
});

describe("renderNitroCloudInit: Nitro configuration", () => {
  it("writes the enclave's memory and vCPUs to our own allocator.yaml", () => {
    const allocator = fileContent(artifacts, "/etc/tee-prover/allocator.yaml");
    expect(allocator).toBe("---\nmemory_mib: 4096\ncpu_count: 2\n");
    expect(parse(allocator)).toEqual({ memory_mib: 4096, cpu_count: 2 });
  });

  it("installs it over the package's allocator.yaml before every allocator start (drop-in)", () => {
    expect(artifacts.dropIns.map((d) => d.name)).toEqual(["nitro-enclaves-allocator.service.d/tee-prover.conf"]);
    const dropIn = parseUnit(artifacts.dropIns[0]?.content ?? "");
    expect(dropIn.get("Service")?.get("ExecStartPre")).toEqual([
      "/usr/bin/install -D -m 0644 /etc/tee-prover/allocator.yaml /etc/nitro_enclaves/allocator.yaml",
    ]);
    expect([...dropIn.keys()]).toEqual(["Service"]);
  });

  it("the drop-in's command replaces whatever the package left, with our sizing", () => {
    // A boot as the host sees it, inside a scratch root: our file from write_files, the package's
    // default (or an .rpmnew leftover) at the allocator's path, then ExecStartPre as written.
    requireTool("install", "coreutils");
    const root = tempDir("allocator-root");
    dirs.push(root);
    const source = fileContent(artifacts, "/etc/tee-prover/allocator.yaml");
    mkdirSync(join(root, "etc/tee-prover"), { recursive: true });
    writeFileSync(join(root, "etc/tee-prover/allocator.yaml"), source);
    mkdirSync(join(root, "etc/nitro_enclaves"), { recursive: true });
    writeFileSync(join(root, "etc/nitro_enclaves/allocator.yaml"), "---\nmemory_mib: 512\ncpu_count: 2\n");
    const execStartPre = directive(parseUnit(artifacts.dropIns[0]?.content ?? ""), "Service", "ExecStartPre") ?? "";
    const [command, ...args] = execStartPre.split(" ");
    const rooted = args.map((a) => (a.startsWith("/") ? join(root, a) : a));
    const result = run(command ?? "", rooted);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(root, "etc/nitro_enclaves/allocator.yaml"), "utf8")).toBe(source);
    // And on a first boot before the package created the directory.
    rmSync(join(root, "etc/nitro_enclaves"), { recursive: true });
    expect(run(command ?? "", rooted).code).toBe(0);
    expect(readFileSync(join(root, "etc/nitro_enclaves/allocator.yaml"), "utf8")).toBe(source);
  });

  it("allow-lists exactly the region's KMS endpoint for the vsock-proxy", () => {
    const allowlist = fileContent(artifacts, "/etc/tee-prover/vsock-proxy.yaml");
    expect(allowlist).toBe("allowlist:\n  - { address: kms.us-east-1.amazonaws.com, port: 443 }\n");
    const other = extractNitroArtifacts(renderNitroCloudInit(nitroTestInput({ region: "eu-west-2" })));
    expect(parse(fileContent(other, "/etc/tee-prover/vsock-proxy.yaml"))).toEqual({
      allowlist: [{ address: "kms.eu-west-2.amazonaws.com", port: 443 }],
    });
  });

  it("writes release.env with the pins and every value the scripts run with", () => {
    expect(sourceReleaseEnv(artifacts)).toEqual({
      TEE_PROVER_FLEET_NAME: "prover-dev",
      TEE_PROVER_REGION: "us-east-1",
      TEE_PROVER_RELEASE_VERSION: "v6.3.1",
      TEE_PROVER_EIF_S3_URI: "s3://tee-prover-releases/v6.3.1/proof-server-v6.3.1.eif",
      TEE_PROVER_PINNED_PCRS: "0 1 2",
      TEE_PROVER_ENFORCED_PCRS: "0 1 2",
      TEE_PROVER_WARN_ONLY_PCRS: "",
      TEE_PROVER_PCR0_EXPECTED: PCR0,
      TEE_PROVER_PCR0_WARN_ONLY: "false",
      TEE_PROVER_PCR1_EXPECTED: PCR1,
      TEE_PROVER_PCR1_WARN_ONLY: "false",
      TEE_PROVER_PCR2_EXPECTED: PCR2,
      TEE_PROVER_PCR2_WARN_ONLY: "false",
      TEE_PROVER_ACCEPTED_RELEASES: JSON.stringify([
        { version: "v6.3.1", pcrs: { 0: { expected: PCR0, warnOnly: false }, 1: { expected: PCR1, warnOnly: false }, 2: { expected: PCR2, warnOnly: false } } },
      ]),
      TEE_PROVER_PCR3_EXPECTED: "",
      TEE_PROVER_NITRO_ROOT_SHA256: AWS_NITRO_ROOT_G1_SHA256,
      TEE_PROVER_ATTESTATION_MAX_SKEW_SECONDS: "300",
      TEE_PROVER_ENCLAVE_CPU_COUNT: "2",
      TEE_PROVER_ENCLAVE_MEMORY_MIB: "4096",
      TEE_PROVER_ENCLAVE_CID: "16",
      TEE_PROVER_ENCLAVE_VSOCK_PORT: "6300",
      TEE_PROVER_HOST_PORT: "6300",
      TEE_PROVER_EIF_SERVES_TLS: "false",
      TEE_PROVER_KMS_PROXY_VSOCK_PORT: "8000",
      TEE_PROVER_KMS_ENDPOINT: "kms.us-east-1.amazonaws.com",
      TEE_PROVER_METRIC_NAMESPACE: "TeeProver/prover-dev",
      TEE_PROVER_LOG_GROUP: "/tee-prover/prover-dev/host",
    });
    expect(PCR0.startsWith("7a4a1063")).toBe(true);
    expect(PCR1.startsWith("4b4d5b36")).toBe(true);
    expect(PCR2.startsWith("f707d62f")).toBe(true);
  });

  it("marks a warnOnly PCR as such and adds PCR8 when the release is signed", () => {
    const pcr8 = "ab".repeat(48);
    const env = sourceReleaseEnv(
      extractNitroArtifacts(renderNitroCloudInit(nitroTestInput({ warnOnly: [2], pcr8, eifServesTls: true }))),
    );
    expect(env.TEE_PROVER_PINNED_PCRS).toBe("0 1 2 8");
    expect(env.TEE_PROVER_ENFORCED_PCRS).toBe("0 1 8");
    expect(env.TEE_PROVER_WARN_ONLY_PCRS).toBe("2");
    expect(env.TEE_PROVER_PCR2_WARN_ONLY).toBe("true");
    expect(env.TEE_PROVER_PCR8_EXPECTED).toBe(pcr8);
    expect(env.TEE_PROVER_PCR8_WARN_ONLY).toBe("false");
    expect(env.TEE_PROVER_EIF_SERVES_TLS).toBe("true");
  });

  it("never starts an enclave in debug mode", () => {
    expect(rendered).not.toContain("--debug-mode");
    const runEnclave = artifacts.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.runEnclave)?.content ?? "";
    expect(runEnclave).toContain(
      'nitro-cli run-enclave \\\n  --eif-path "$eif_path" \\\n  --cpu-count "$TEE_PROVER_ENCLAVE_CPU_COUNT" \\\n  --memory "$TEE_PROVER_ENCLAVE_MEMORY_MIB" \\\n  --enclave-cid "$TEE_PROVER_ENCLAVE_CID"\n',
    );
    expect(runEnclave).toContain("DEBUG_MODE");
  });

  it("forwards TCP to the enclave's vsock port with socat and proxies only KMS", () => {
    const forwarder = artifacts.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.forwarder)?.content ?? "";
    expect(forwarder).toContain(
      'exec socat "TCP-LISTEN:$TEE_PROVER_HOST_PORT,fork,reuseaddr" "VSOCK-CONNECT:$TEE_PROVER_ENCLAVE_CID:$TEE_PROVER_ENCLAVE_VSOCK_PORT"',
    );
    expect(forwarder).not.toMatch(/OPENSSL|ssl-l|cert=/i);
    const kmsProxy = artifacts.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.kmsProxy)?.content ?? "";
    expect(kmsProxy).toContain(
      'exec vsock-proxy "$TEE_PROVER_KMS_PROXY_VSOCK_PORT" "$TEE_PROVER_KMS_ENDPOINT" 443 --config /etc/tee-prover/vsock-proxy.yaml',
    );
  });
});

describe("renderNitroCloudInit: systemd units", () => {
  it("fetches and verifies the EIF once per boot, after the network is up", () => {
    const eif = unit(artifacts, NITRO_UNIT_NAMES.eif);
    expect(directive(eif, "Service", "Type")).toBe("oneshot");
    expect(directive(eif, "Service", "RemainAfterExit")).toBe("yes");
    expect(directive(eif, "Service", "ExecStart")).toBe("/usr/local/libexec/tee-prover/fetch-and-verify-eif.sh");
    expect(directive(eif, "Unit", "After")).toBe("network-online.target");
    expect(directive(eif, "Unit", "Wants")).toBe("network-online.target");
  });

  it("restarts the enclave always, only after the EIF check and the allocator", () => {
    const enclave = unit(artifacts, NITRO_UNIT_NAMES.enclave);
    expect(directive(enclave, "Unit", "Requires")).toBe("tee-prover-eif.service nitro-enclaves-allocator.service");
    expect(directive(enclave, "Unit", "After")).toBe("tee-prover-eif.service nitro-enclaves-allocator.service");
    expect(directive(enclave, "Service", "Restart")).toBe("always");
    expect(directive(enclave, "Service", "RestartSec")).toBe("5");
    expect(directive(enclave, "Service", "ExecStart")).toBe("/usr/local/libexec/tee-prover/run-enclave.sh");
    expect(directive(enclave, "Service", "ExecStop")).toBe("/usr/local/libexec/tee-prover/run-enclave.sh stop");
  });

  it("keeps the forwarder and the KMS proxy running", () => {
    for (const name of [NITRO_UNIT_NAMES.forwarder, NITRO_UNIT_NAMES.kmsProxy]) {
      expect(directive(unit(artifacts, name), "Service", "Restart"), name).toBe("always");
    }
    expect(directive(unit(artifacts, NITRO_UNIT_NAMES.forwarder), "Service", "ExecStart")).toBe(NITRO_SCRIPT_PATHS.forwarder);
    expect(directive(unit(artifacts, NITRO_UNIT_NAMES.kmsProxy), "Service", "ExecStart")).toBe(NITRO_SCRIPT_PATHS.kmsProxy);
    expect(directive(unit(artifacts, NITRO_UNIT_NAMES.kmsProxy), "Unit", "Conflicts")).toBe("nitro-enclaves-vsock-proxy.service");
  });

  it("samples with the host agent every agentIntervalSeconds", () => {
    const agent = unit(artifacts, NITRO_UNIT_NAMES.agent);
    // Stop order is the reverse of After=: on shutdown the agent stops before the enclave does.
    expect(directive(agent, "Unit", "After")).toBe("network-online.target tee-prover-enclave.service");
    expect(directive(agent, "Service", "Type")).toBe("oneshot");
    expect(directive(agent, "Service", "ExecStart")).toBe(NITRO_SCRIPT_PATHS.hostAgent);
    const timer = unit(artifacts, NITRO_UNIT_NAMES.agentTimer);
    expect(directive(timer, "Timer", "OnUnitActiveSec")).toBe("60s");
    expect(directive(timer, "Timer", "OnBootSec")).toBe("60s");
    expect(directive(timer, "Timer", "AccuracySec")).toBe("1s");
    expect(directive(timer, "Timer", "Unit")).toBe("tee-prover-agent.service");
    expect(directive(timer, "Install", "WantedBy")).toBe("timers.target");
  });

  it("runs only extracted scripts, by absolute path, and logs to /var/log/tee-prover/<unit>.log", () => {
    const scriptPaths = new Set(artifacts.scripts.map((s) => s.path));
    for (const u of artifacts.units.filter((u) => u.name.endsWith(".service"))) {
      const parsed = parseUnit(u.content);
      const execStart = directive(parsed, "Service", "ExecStart") ?? "";
      expect(scriptPaths.has(execStart), `${u.name} ExecStart=${execStart}`).toBe(true);
      const base = u.name.replace(/\.service$/, "");
      expect(directive(parsed, "Service", "StandardOutput"), u.name).toBe(`append:/var/log/tee-prover/${base}.log`);
      expect(directive(parsed, "Service", "StandardError"), u.name).toBe("inherit");
    }
  });
});

describe("renderNitroCloudInit: runcmd, CloudWatch agent, metrics", () => {
  it("enables the allocator, the CloudWatch agent and every unit, in order", () => {
    expect(artifacts.runcmd).toEqual([
      ["systemd-tmpfiles", "--create", "/etc/tmpfiles.d/tee-prover.conf"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "nitro-enclaves-allocator.service"],
      [
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
        "-a",
        "fetch-config",
        "-m",
        "ec2",
        "-s",
        "-c",
        "file:/opt/aws/amazon-cloudwatch-agent/etc/tee-prover.json",
      ],
      ["systemctl", "enable", "--now", "tee-prover-kms-proxy.service", "tee-prover-forwarder.service", "tee-prover-agent.timer"],
      ["systemctl", "enable", "--now", "tee-prover-eif.service", "tee-prover-enclave.service"],
    ]);
  });

  it("has the sizing and the drop-in in place before the allocator starts", () => {
    // write_files (init stage) runs before runcmd; neither file waits for the deferred stage.
    for (const path of ["/etc/tee-prover/allocator.yaml", "/etc/systemd/system/nitro-enclaves-allocator.service.d/tee-prover.conf"]) {
      expect(artifacts.files.find((f) => f.path === path)?.defer, path).toBe(false);
    }
    const index = (cmd: readonly string[]) => artifacts.runcmd.findIndex((c) => JSON.stringify(c) === JSON.stringify(cmd));
    const reload = index(["systemctl", "daemon-reload"]);
    const allocator = index(["systemctl", "enable", "--now", "nitro-enclaves-allocator.service"]);
    expect(reload).toBeGreaterThanOrEqual(0);
    expect(allocator).toBeGreaterThan(reload);
    expect(index(["systemctl", "enable", "--now", "tee-prover-eif.service", "tee-prover-enclave.service"])).toBeGreaterThan(allocator);
  });

  it("creates the state and log directories before units append to them", () => {
    expect(fileContent(artifacts, "/etc/tmpfiles.d/tee-prover.conf")).toBe(
      "d /var/lib/tee-prover 0700 root root -\nd /var/log/tee-prover 0750 root root -\nd /run/tee-prover 0755 root root -\n",
    );
  });

  it("ships the host's logs to the fleet's log group, one stream set per instance", () => {
    const config = JSON.parse(fileContent(artifacts, CLOUDWATCH_AGENT_CONFIG_PATH)) as {
      logs: { logs_collected: { files: { collect_list: Array<{ file_path: string; log_group_name: string; log_stream_name: string }> } } };
    };
    const collected = config.logs.logs_collected.files.collect_list;
    expect(collected.map((c) => c.file_path)).toEqual([
      "/var/log/tee-prover/*.log",
      "/var/log/nitro_enclaves/*.log",
      "/var/log/cloud-init-output.log",
    ]);
    for (const c of collected) {
      expect(c.log_group_name).toBe("/tee-prover/prover-dev/host");
      expect(c.log_stream_name).toMatch(/^\{instance_id\}\//);
    }
  });

  it("publishes exactly the alarm catalogue's metric names", () => {
    expect(HOST_AGENT_METRIC_NAMES).toEqual([
      "Availability",
      "JobsPending",
      "JobsProcessing",
      "EnclaveRunning",
      "AttestationChecks",
      "AttestationFailures",
      "MemoryUtilization",
      "TlsCertDaysToExpiry",
    ]);
    const agent = artifacts.scripts.find((s) => s.path === NITRO_SCRIPT_PATHS.hostAgent)?.content ?? "";
    const published = [...agent.matchAll(/add_metric (\w+) /g)].map((m) => m[1]);
    expect(new Set(published)).toEqual(new Set(HOST_AGENT_METRIC_NAMES));
    expect(agent).toContain('--namespace "$TEE_PROVER_METRIC_NAMESPACE" --region "$TEE_PROVER_REGION"');
  });
});

describe("renderNitroCloudInit: refuses input it cannot run", () => {
  const base = nitroTestInput();
  const cases: Array<[string, NitroBootstrapInput, RegExp]> = [
    [
      "an all-zero pin",
      { ...base, release: { ...base.release, pins: { ...base.release.pins, pcrs: { ...base.release.pins.pcrs, 1: { expected: "0".repeat(96), warnOnly: false } } } } },
      /PCR1 pin is all zeros/,
    ],
    [
      "an uppercase/short pin",
      { ...base, release: { ...base.release, pins: { ...base.release.pins, pcrs: { ...base.release.pins.pcrs, 0: { expected: "ABC", warnOnly: false } } } } },
      /PCR0 pin must be 96 lowercase hex/,
    ],
    ["the parent's CID", { ...base, enclaveCid: 3 }, /enclaveCid 3/],
    ["a region that is not one", { ...base, region: "us-east-1; rm -rf /" }, /region/],
    ["pins of another release", { ...base, release: { ...base.release, version: "v6.4.0" } }, /differs from the pins' version/],
    ["a non-S3 EIF location", { ...base, release: { ...base.release, eifS3Uri: "https://example.com/x.eif" } }, /eifS3Uri/],
    ["an AWS/ namespace", { ...base, metricNamespace: "AWS/EC2" }, /metricNamespace/],
    ["a port out of range", { ...base, hostPort: 70000 }, /hostPort 70000/],
    // The agent would then fail every host's attestation.
    ["accepted releases without the booted one", { ...base, acceptedReleases: [] }, /acceptedReleases must hold release v6\.3\.1 with the same pins/],
    [
      "an accepted release whose pins differ from the booted one's",
      { ...base, acceptedReleases: [{ ...base.release.pins, pcrs: { ...base.release.pins.pcrs, 2: { expected: "2".repeat(96), warnOnly: false } } }] },
      /acceptedReleases must hold release v6\.3\.1 with the same pins/,
    ],
    ["an all-zero PCR3 (a parent without a role)", { ...base, parentRolePcr3: "0".repeat(96) }, /parentRolePcr3 must be null or 96 lowercase hex/],
    ["a PCR3 that is not SHA-384 hex", { ...base, parentRolePcr3: "arn:aws:iam::123456789012:role/x" }, /parentRolePcr3/],
  ];
  it.each(cases)("rejects %s", (_, input, message) => {
    expect(() => renderNitroCloudInit(input)).toThrow(message);
  });
});
