import type { CloudInitFile } from "./cloud-init";

/**
 * systemd unit files as data, rendered in one place so every cloud's bootstrap produces units the
 * same way (and `systemd-analyze verify` in the tests judges them all).
 */

/** A directive's value; an array repeats the directive (e.g. several `ExecStartPre=`). */
export type DirectiveValue = string | number | readonly string[];

/** Directives of one section, in the order they are written. */
export type UnitSection = Readonly<Record<string, DirectiveValue>>;

export interface SystemdUnit {
  /** File name including the suffix, e.g. `tee-prover-enclave.service`. */
  readonly name: string;
  /** Optional comment lines written at the top of the file (why the unit exists). */
  readonly comment?: string;
  readonly unit: UnitSection;
  readonly service?: UnitSection;
  readonly timer?: UnitSection;
  readonly install?: UnitSection;
}

export const SYSTEMD_SYSTEM_DIR = "/etc/systemd/system";

const UNIT_NAME = /^[A-Za-z0-9:_.\\-]+\.(service|timer|socket|target|path|mount)$/;
const DIRECTIVE_NAME = /^[A-Z][A-Za-z0-9]*$/;

function renderSection(title: string, section: UnitSection | undefined): string[] {
  if (section === undefined) return [];
  const lines = [`[${title}]`];
  for (const [key, value] of Object.entries(section)) {
    if (!DIRECTIVE_NAME.test(key)) throw new Error(`invalid systemd directive name "${key}"`);
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      const text = String(v);
      // A newline would start a new directive: refuse rather than let a value inject one.
      if (/[\r\n]/.test(text)) throw new Error(`systemd directive ${key} must be a single line`);
      lines.push(`${key}=${text}`);
    }
  }
  return lines;
}

function renderSections(comment: string | undefined, sections: ReadonlyArray<readonly [string, UnitSection | undefined]>): string {
  const header = comment === undefined ? [] : comment.split("\n").map((line) => `# ${line}`.trimEnd());
  const rendered = sections.map(([title, section]) => renderSection(title, section)).filter((lines) => lines.length > 0);
  return `${[header.join("\n"), ...rendered.map((lines) => lines.join("\n"))].filter((s) => s !== "").join("\n\n")}\n`;
}

export function renderSystemdUnit(unit: SystemdUnit): string {
  if (!UNIT_NAME.test(unit.name)) throw new Error(`invalid systemd unit name "${unit.name}"`);
  return renderSections(unit.comment, [
    ["Unit", unit.unit],
    ["Service", unit.service],
    ["Timer", unit.timer],
    ["Install", unit.install],
  ]);
}

/**
 * A drop-in (`<unit>.d/<name>.conf`) that amends a unit another package ships, without replacing
 * the packaged file (systemd.unit(5), "drop-in" directories).
 */
export interface SystemdDropIn {
  /** The unit it amends, e.g. `nitro-enclaves-allocator.service`. */
  readonly unitName: string;
  /** File name inside `<unit>.d/`, ending in `.conf`. */
  readonly name: string;
  readonly comment?: string;
  readonly unit?: UnitSection;
  readonly service?: UnitSection;
}

export function renderSystemdDropIn(dropIn: SystemdDropIn): string {
  if (!UNIT_NAME.test(dropIn.unitName)) throw new Error(`invalid systemd unit name "${dropIn.unitName}"`);
  if (!/^[A-Za-z0-9_.-]+\.conf$/.test(dropIn.name)) throw new Error(`invalid drop-in name "${dropIn.name}"`);
  return renderSections(dropIn.comment, [
    ["Unit", dropIn.unit],
    ["Service", dropIn.service],
  ]);
}

/** The cloud-init `write_files` entry that installs a drop-in under /etc/systemd/system/<unit>.d. */
export function systemdDropInFile(dropIn: SystemdDropIn): CloudInitFile {
  return {
    path: `${SYSTEMD_SYSTEM_DIR}/${dropIn.unitName}.d/${dropIn.name}`,
    content: renderSystemdDropIn(dropIn),
    permissions: "0644",
    owner: "root:root",
  };
}

/** The cloud-init `write_files` entry that installs a unit under /etc/systemd/system. */
export function systemdUnitFile(unit: SystemdUnit): CloudInitFile {
  return {
    path: `${SYSTEMD_SYSTEM_DIR}/${unit.name}`,
    content: renderSystemdUnit(unit),
    permissions: "0644",
    owner: "root:root",
  };
}

/**
 * Journal plus `<logDir>/<unit>.log` (which the CloudWatch agent ships): systemd logs the unit's
 * life cycle to the journal, the scripts' own lines go to the file and, via `logger`, to the journal.
 * `StandardOutput=append:` needs its directory to exist before the unit starts: systemd opens the
 * file before it creates `LogsDirectory=` (systemd issue #27591), so the bootstrap creates the
 * directory with tmpfiles.d instead.
 */
export function appendLogDirectives(logDir: string, unitName: string): UnitSection {
  const baseName = unitName.replace(/\.(service|timer)$/, "");
  return { StandardOutput: `append:${logDir}/${baseName}.log`, StandardError: "inherit" };
}
