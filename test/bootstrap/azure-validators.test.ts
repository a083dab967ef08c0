import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AZURE_CUSTOM_DATA_MAX_BYTES, AZURE_PATHS, AZURE_UNIT_NAMES, encodeAzureCustomData, renderAzureCloudInit, type AzureBootstrapInput } from "../../src/bootstrap/azure";
import { AZURE_SECRETS_PATHS, AZURE_SECRETS_UNIT, type AzureSecretsBootstrapInput } from "../../src/bootstrap/azure-skr";
import { extractNitroArtifacts } from "../../src/bootstrap/nitro";
import { cloudInitSchemaAll, requireTool, run, scratchDirs, systemdVerifyRoot, type RunResult } from "./helpers";

// The Azure workload's custom data judged by the tools a VM would run it with; each validator also
// gets a known-bad artifact, so the suite cannot pass because a harness never looked.

const { scratch, track } = scratchDirs();
const input: AzureBootstrapInput = {
  image: `docker.io/midnightntwrk/proof-server@sha256:${"a".repeat(64)}`,
  servesTls: true,
  port: 6300,
  env: { MIDNIGHT_PROOF_SERVER_NUM_WORKERS: "4" },
  drainSeconds: 630,
  blockLoadBalancerProbes: true,
  agent: { fleetName: "prover-dev-azure", metricNamespace: "TeeProver/prover-dev-azure", identityClientId: "0b0c4f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", intervalSeconds: 60 },
};
/** The TEE build with every secret: the largest document, judged by every validator below. */
const secrets: AzureSecretsBootstrapInput = {
  vaultUri: "https://prover-dev-azure-a1b2c3.vault.azure.net/",
  releaseKeyName: "prover-dev-azure-release-0123abcd",
  attestationAuthority: "https://sharedeus.eus.attest.azure.net",
  identityClientId: input.agent.identityClientId,
  releaseTool: { url: "https://releases.example.com/azure-attest-skr-1.2.tgz", sha256: "d".repeat(64) },
  apiKeySecret: "prover-api-key",
  tlsCertificateSecret: "prover-tls-cert",
  tlsKeySecret: "prover-tls-key",
  containerUid: 1000,
};
const rendered = renderAzureCloudInit({ ...input, secrets });
// The document shape is the shared cloud-config one: the Nitro extractor reads any of them.
const artifacts = extractNitroArtifacts(rendered);
const reference = extractNitroArtifacts(renderAzureCloudInit(input));

describe("cloud-init schema", () => {
  const bad = rendered.replace('permissions: "0600"', "permissions: 600");
  // Both documents judged by one interpreter (helpers.ts: a start with cloud-init's schema is
  // about 0.55 s of CPU), once, whichever test asks first.
  let results: [RunResult, RunResult] | undefined;
  const schema = (): [RunResult, RunResult] => (results ??= cloudInitSchemaAll([rendered, bad], scratch) as [RunResult, RunResult]);

  it("accepts the rendered document", () => {
    const [result] = schema();
    expect(result.stdout + result.stderr).toMatch(/Valid cloud-config/);
    expect(result.code).toBe(0);
  });

  it("catches a numeric file mode (negative control)", () => {
    expect(bad).not.toBe(rendered);
    const [, result] = schema();
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/permissions/);
  });
});

describe("shellcheck", () => {
  it("finds nothing in the drain script, the host agent and the secrets script", () => {
    requireTool("shellcheck", "shellcheck");
    const dir = scratch("shellcheck");
    const files = [AZURE_PATHS.drainScript, AZURE_PATHS.agentScript, AZURE_SECRETS_PATHS.script].map((path) => {
      const script = artifacts.scripts.find((s) => s.path === path);
      expect(script?.shell, path).toBe("bash");
      const file = join(dir, path.split("/").at(-1)!);
      writeFileSync(file, script!.content);
      return file;
    });
    const result = run("shellcheck", ["--shell", "bash", "--severity", "style", "--format", "gcc", ...files]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("catches an unquoted expansion in the agent (negative control)", () => {
    const agent = artifacts.scripts.find((s) => s.path === AZURE_PATHS.agentScript)!.content;
    const bad = agent.replace('touch "$marker"', "touch $marker");
    expect(bad).not.toBe(agent);
    const file = join(scratch("shellcheck-bad"), "agent.sh");
    writeFileSync(file, bad);
    expect(run("shellcheck", ["--shell", "bash", "--severity", "style", "--format", "gcc", file]).stdout).toMatch(/SC2086/);
  });
});

describe("systemd-analyze verify", () => {
  // podman and the drain script's tools are not on this machine: stubs stand in for them.
  const stubs = ["/usr/bin/podman"].map((path) => ({ path, content: "#!/bin/sh\nexit 0\n", permissions: "0755" }));
  function verify(files: typeof artifacts.files): string | undefined {
    requireTool("systemd-analyze", "systemd");
    const root = systemdVerifyRoot([...files, ...stubs], []);
    track(root);
    const result = run("systemd-analyze", ["verify", `--root=${root}`, AZURE_UNIT_NAMES.server, AZURE_UNIT_NAMES.drain, AZURE_UNIT_NAMES.agent, AZURE_UNIT_NAMES.agentTimer, AZURE_SECRETS_UNIT]);
    return result.code === 0 && result.stdout === "" && result.stderr === "" ? undefined : `exit ${result.code}: ${result.stderr}${result.stdout}`;
  }

  it("accepts every unit: server, drain, the agent and its timer, the secrets oneshot", () => {
    expect(artifacts.units.map((u) => u.name)).toEqual([AZURE_UNIT_NAMES.server, AZURE_UNIT_NAMES.drain, AZURE_UNIT_NAMES.agent, AZURE_UNIT_NAMES.agentTimer, AZURE_SECRETS_UNIT]);
    expect(verify(artifacts.files)).toBeUndefined();
  });

  it("catches an ignored directive (negative control)", () => {
    const files = artifacts.files.map((f) => (f.path.endsWith(AZURE_UNIT_NAMES.server) ? { ...f, content: f.content.replace("Restart=always", "Restart=sometimes") } : f));
    expect(verify(files)).toMatch(/sometimes/);
  });
});

describe("what the VM runs", () => {
  it("the container pinned by digest, on 6300, restarted always, with its parameters cache (reference build: no secrets)", () => {
    const unit = reference.units.find((u) => u.name === AZURE_UNIT_NAMES.server)!.content;
    expect(unit).toContain(`ExecStart=/usr/bin/podman run --rm --name tee-prover-proof-server --publish 6300:6300 --env-file /etc/tee-prover/proof-server.env --volume /var/lib/tee-prover/zk-params:/var/cache/midnight/zk-params ${input.image}\n`);
    expect(unit).toContain("Restart=always\n");
    expect(reference.files.find((f) => f.path === AZURE_PATHS.serverEnv)?.content).toBe("MIDNIGHT_PP=/var/cache/midnight/zk-params\nMIDNIGHT_PROOF_SERVER_NUM_WORKERS=4\n");
    expect(reference.packages).toEqual(["podman", "jq"]);
    expect(reference.units.map((u) => u.name)).not.toContain(AZURE_SECRETS_UNIT);
    expect(unit).not.toContain("Requires=");
  });

  it("with secrets: the server requires the secrets oneshot, reads its env file and mounts the tmpfs read-only", () => {
    const unit = artifacts.units.find((u) => u.name === AZURE_UNIT_NAMES.server)!.content;
    expect(unit).toContain(`After=network-online.target ${AZURE_SECRETS_UNIT}\nRequires=${AZURE_SECRETS_UNIT}\n`);
    expect(unit).toContain(`--env-file /etc/tee-prover/proof-server.env --env-file /run/tee-prover/proof-server-secrets.env --volume /run/prover-secrets:/run/prover-secrets:ro --volume /var/lib/tee-prover/zk-params:`);
    const oneshot = artifacts.units.find((u) => u.name === AZURE_SECRETS_UNIT)!.content;
    expect(oneshot).toContain(`Before=${AZURE_UNIT_NAMES.server}\n`);
    expect(oneshot).toContain("Type=oneshot\nRemainAfterExit=yes\nExecStart=/usr/local/lib/tee-prover/release-secrets.sh\nTimeoutStartSec=25min\n");
    expect(artifacts.packages).toEqual(["podman", "jq", "python3-cryptography", "libtss2-esys-3.0.2-0", "libcurl4", "libssl3"]);
    expect(artifacts.files.find((f) => f.path === AZURE_SECRETS_PATHS.unwrap)?.permissions).toBe("0755");
    expect(() => renderAzureCloudInit({ ...input, env: { MIDNIGHT_PROOF_SERVER_TLS_KEY: "/x" }, secrets })).toThrow(/set by the secrets unit/);
    expect(() => renderAzureCloudInit({ ...input, secrets: { ...secrets, releaseTool: { ...secrets.releaseTool, sha256: "x" } } })).toThrow(/sha256/);
    const { tlsKeySecret: _key, ...certificateOnly } = secrets;
    expect(() => renderAzureCloudInit({ ...input, secrets: certificateOnly })).toThrow(/come together/);
  });

  it("refuses an image by tag and a multi-line env value", () => {
    expect(() => renderAzureCloudInit({ ...input, image: "docker.io/midnightntwrk/proof-server:6.3.1" })).toThrow(/not pinned by digest/);
    expect(() => renderAzureCloudInit({ ...input, env: { A: "x\nB=y" } })).toThrow(/single line/);
  });

  it("the agent samples every minute from boot, its timer enabled with the server", () => {
    const timer = artifacts.units.find((u) => u.name === AZURE_UNIT_NAMES.agentTimer)!.content;
    expect(timer).toContain("OnBootSec=60s\nOnUnitActiveSec=60s\nAccuracySec=1s\nUnit=tee-prover-agent.service\n");
    // The agent and the drain script log to stderr: the journal tags their lines by these.
    expect(artifacts.units.find((u) => u.name === AZURE_UNIT_NAMES.agent)!.content).toContain("SyslogIdentifier=tee-prover-agent\n");
    expect(artifacts.units.find((u) => u.name === AZURE_UNIT_NAMES.drain)!.content).toContain("SyslogIdentifier=tee-prover-drain\n");
    expect(artifacts.files.find((f) => f.path === AZURE_PATHS.agentEnv)?.content).toBe(
      "TEE_PROVER_PORT='6300'\nTEE_PROVER_SERVES_TLS='true'\nTEE_PROVER_FLEET_NAME='prover-dev-azure'\nTEE_PROVER_METRIC_NAMESPACE='TeeProver/prover-dev-azure'\nTEE_PROVER_IDENTITY_CLIENT_ID='0b0c4f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f'\n",
    );
    expect(renderAzureCloudInit(input)).toContain("- [ systemctl, enable, --now, tee-prover-proof-server.service, tee-prover-drain.service, tee-prover-agent.timer ]");
    expect(rendered).toContain("- [ systemctl, enable, --now, tee-prover-secrets.service, tee-prover-proof-server.service, tee-prover-drain.service, tee-prover-agent.timer ]");
  });

  it("refuses an agent input that is not a client id or would not fit a metric post", () => {
    expect(() => renderAzureCloudInit({ ...input, agent: { ...input.agent, identityClientId: "x' ; rm -rf /" } })).toThrow(/not a client id/);
    expect(() => renderAzureCloudInit({ ...input, agent: { ...input.agent, metricNamespace: 'Tee"Prover' } })).toThrow(/agent.metricNamespace/);
    expect(() => renderAzureCloudInit({ ...input, agent: { ...input.agent, intervalSeconds: 5 } })).toThrow(/10-600/);
  });

  it("custom data is base64 within 64 KiB decoded, with room to spare; larger is refused", () => {
    // The longest inputs a stack can give: a 28-character fleet name, a long env.
    // Every secret, with the longest names Key Vault allows.
    const long = "s".repeat(126);
    const longest = renderAzureCloudInit({
      ...input,
      agent: { ...input.agent, fleetName: "f".repeat(28), metricNamespace: `TeeProver/${"f".repeat(28)}` },
      secrets: { ...secrets, vaultUri: `https://${"v".repeat(24)}.vault.azure.net/`, releaseKeyName: "k".repeat(127), apiKeySecret: `${long}a`, tlsCertificateSecret: `${long}c`, tlsKeySecret: `${long}k`, releaseTool: { ...secrets.releaseTool, url: `https://releases.example.com/${"p".repeat(400)}.tgz` } },
    });
    expect(Buffer.byteLength(longest, "utf8")).toBeLessThan(AZURE_CUSTOM_DATA_MAX_BYTES / 2);
    const encoded = encodeAzureCustomData(rendered);
    expect(Buffer.from(encoded, "base64").toString("utf8")).toBe(rendered);
    expect(() => encodeAzureCustomData("x".repeat(AZURE_CUSTOM_DATA_MAX_BYTES + 1))).toThrow(/limit is 65536/);
  });
});
