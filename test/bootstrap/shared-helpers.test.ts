import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bash, gzipUserData, parseCloudConfig, renderCloudConfig, renderYamlFile, shellQuote } from "../../src/bootstrap/cloud-init";
import { renderSystemdUnit, systemdUnitFile } from "../../src/bootstrap/systemd";
import { cloudInitPython, requireTool, run } from "./helpers";

describe("cloud-init document builder", () => {
  const config = {
    packages: ["jq"],
    write_files: [{ path: "/etc/x", content: "yes\n", permissions: "0644" as const, owner: "root:root", defer: true }],
    runcmd: [["echo", "on", "0755", "12:30"], "echo shell form"],
  };

  it("renders #cloud-config with flow-style argv entries and round-trips", () => {
    const text = renderCloudConfig(config, " why this document exists");
    expect(text.startsWith("#cloud-config\n# why this document exists\n")).toBe(true);
    expect(text).toContain('- [ echo, "on", "0755", "12:30" ]');
    expect(parseCloudConfig(text)).toEqual(config);
  });

  it("quotes what YAML 1.1 (PyYAML, which cloud-init uses) would turn into numbers or booleans", () => {
    const result = run(cloudInitPython(), ["-c", "import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], {
      input: renderCloudConfig(config),
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(config);
  });

  it("refuses text that is not #cloud-config", () => {
    expect(() => parseCloudConfig("Content-Type: multipart/mixed\n")).toThrow(/first line must be "#cloud-config"/);
  });

  it("renders data files with an optional document start and flow mappings in lists", () => {
    expect(renderYamlFile({ a: 1 }, { documentStart: true })).toBe("---\na: 1\n");
    expect(renderYamlFile({ l: [{ b: 2 }] }, { flowMappingsInLists: true })).toBe("l:\n  - { b: 2 }\n");
  });

  it("single-quotes values so bash reads them back verbatim", () => {
    requireTool("bash", "bash");
    const value = `it's $HOME; $(rm -rf /) \`x\` "q"`;
    const result = run("bash", ["-c", `v=${shellQuote(value)}; printf '%s' "$v"`]);
    expect(result.stdout).toBe(value);
  });

  it("bash tag keeps backslashes and unescapes parameter expansion", () => {
    expect(bash`printf '\n' "\${x:-y}"`).toBe(`printf '\\n' "\${x:-y}"`);
  });

  it("gzips without a timestamp and with a fixed OS byte", () => {
    const compressed = gzipUserData("#cloud-config\n");
    expect(compressed.readUInt32LE(4)).toBe(0);
    expect(compressed[9]).toBe(255);
    expect(gunzipSync(compressed).toString()).toBe("#cloud-config\n");
  });
});

describe("systemd unit renderer", () => {
  it("writes sections in order, repeats array directives, and installs under /etc/systemd/system", () => {
    const unit = {
      name: "x.service",
      comment: "why",
      unit: { Description: "x" },
      service: { ExecStartPre: ["/bin/a", "/bin/b"], ExecStart: "/bin/c", RestartSec: 5 },
      install: { WantedBy: "multi-user.target" },
    };
    expect(renderSystemdUnit(unit)).toBe(
      "# why\n\n[Unit]\nDescription=x\n\n[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b\nExecStart=/bin/c\nRestartSec=5\n\n[Install]\nWantedBy=multi-user.target\n",
    );
    expect(systemdUnitFile(unit)).toMatchObject({ path: "/etc/systemd/system/x.service", permissions: "0644", owner: "root:root" });
  });

  it("refuses a value that would inject another directive, and bad names", () => {
    expect(() => renderSystemdUnit({ name: "x.service", unit: { Description: "x\nExecStartPre=/bin/evil" } })).toThrow(/single line/);
    expect(() => renderSystemdUnit({ name: "x", unit: {} })).toThrow(/invalid systemd unit name/);
    expect(() => renderSystemdUnit({ name: "x.service", unit: { "bad-key": "1" } })).toThrow(/invalid systemd directive name/);
  });
});
