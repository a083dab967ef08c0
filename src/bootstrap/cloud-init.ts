import { gzipSync } from "node:zlib";
import { Document, isMap, isSeq, parse, visit, type ToStringOptions } from "yaml";

/**
 * A plain `#cloud-config` document builder shared by the per-cloud bootstraps.
 *
 * Documents are rendered with the `yaml` package, never by concatenating YAML text, and with the
 * YAML 1.1 schema: cloud-init reads user-data with PyYAML (YAML 1.1), where unquoted `0644` is an
 * octal number and `yes`/`on` are booleans. Rendering as 1.1 makes the serializer quote exactly
 * those strings.
 */

/** File modes are strings: cloud-init's schema rejects a number (`644` would also mean decimal). */
export type FileMode = `0${number}`;

export interface CloudInitFile {
  readonly path: string;
  readonly content: string;
  readonly permissions: FileMode;
  readonly owner: string;
  /**
   * Write in the final stage, after `packages:` are installed. Only works where the distro's
   * cloud.cfg lists the write_files_deferred module, so the Nitro bootstrap does not use it.
   */
  readonly defer?: boolean;
}

/** One `runcmd` entry: an argv list (no shell involved) or, when a shell is needed, a string. */
export type RunCommand = readonly string[] | string;

export interface CloudConfig {
  readonly package_update?: boolean;
  readonly package_upgrade?: boolean;
  readonly packages?: readonly string[];
  readonly write_files?: readonly CloudInitFile[];
  readonly runcmd?: readonly RunCommand[];
}

export const CLOUD_CONFIG_HEADER = "#cloud-config";

const YAML_OPTIONS = { version: "1.1" } as const;
// lineWidth 0: never fold long lines, so a script line in user-data reads as it will run.
const TO_STRING_OPTIONS: ToStringOptions = { lineWidth: 0 };

/**
 * Renders a plain `#cloud-config` document (not MIME multipart: `cloud-init schema` rejects that,
 * and one part is all we need). `comment` lines are emitted as YAML comments below the header.
 */
export function renderCloudConfig(config: CloudConfig, comment?: string): string {
  const doc = new Document(config, YAML_OPTIONS);
  const runcmd = doc.get("runcmd", true);
  if (isSeq(runcmd)) {
    // `- [systemctl, enable, --now, x]` reads better than a nested block list.
    for (const item of runcmd.items) {
      if (isSeq(item)) item.flow = true;
    }
  }
  if (comment !== undefined) doc.commentBefore = comment;
  return `${CLOUD_CONFIG_HEADER}\n${doc.toString(TO_STRING_OPTIONS)}`;
}

/** Parses a document rendered by {@link renderCloudConfig}; throws if it is not `#cloud-config`. */
export function parseCloudConfig(text: string): CloudConfig {
  if (!text.startsWith(`${CLOUD_CONFIG_HEADER}\n`)) {
    throw new Error(`not a cloud-config document: the first line must be "${CLOUD_CONFIG_HEADER}"`);
  }
  const value: unknown = parse(text, YAML_OPTIONS);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("cloud-config document is not a mapping");
  }
  return value as CloudConfig;
}

export interface YamlFileOptions {
  /** Start with `---` (no `%YAML` directive), as upstream's allocator.yaml does. */
  readonly documentStart?: boolean;
  /** Write mappings inside lists in flow style (`- {address: x, port: 443}`), as upstream does. */
  readonly flowMappingsInLists?: boolean;
}

/** Renders a small YAML data file (a config read by a daemon) with the same schema rules. */
export function renderYamlFile(value: unknown, options: YamlFileOptions = {}): string {
  const doc = new Document(value, YAML_OPTIONS);
  if (options.documentStart === true && doc.directives !== undefined) doc.directives.docStart = true;
  if (options.flowMappingsInLists === true) {
    visit(doc, {
      Seq(_, seq) {
        for (const item of seq.items) if (isMap(item)) item.flow = true;
      },
    });
  }
  return doc.toString(TO_STRING_OPTIONS);
}

/**
 * gzip-compressed user-data, for documents above a cloud's size limit (EC2: 16 KiB raw).
 * cloud-init recognises the gzip magic and decompresses before it reads `#cloud-config`.
 * The header carries no timestamp (zlib writes mtime 0) and its OS byte is fixed to 255
 * ("unknown") so it does not depend on the platform that rendered it.
 */
export function gzipUserData(document: string): Buffer {
  const compressed = gzipSync(Buffer.from(document, "utf8"), { level: 9 });
  const OS_BYTE = 9;
  compressed[OS_BYTE] = 255;
  return compressed;
}

/** Single-quotes a value for a file that bash sources (`KEY='value'`). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Template tag for embedded bash: keeps backslashes literal (`'\n'` stays `\n`) and turns `\${`
 * into `${` (and an escaped backtick into a backtick), so scripts can use parameter expansion
 * without JavaScript interpolating it. It takes
 * no substitutions on purpose: values reach the scripts through a data file, not through text
 * splicing.
 */
export function bash(strings: TemplateStringsArray): string {
  return strings.raw.join("").replaceAll("\\${", "${").replaceAll("\\`", "`");
}

/**
 * Shared shell fragment of the host agent and the GCP prober: `request URL [curl options...]` sets
 * response_status (000 when unreachable) and response_body, and never fails the script.
 */
export const HTTP_REQUEST_FN = bash`# request URL [curl options...]: sets response_status (000 when unreachable) and response_body.
request() {
  local url="$1" out
  shift
  out="$(curl --silent "$@" --write-out '\n%{http_code}' "$url" 2>/dev/null)" || true
  if [[ "$out" == *$'\n'* ]]; then
    response_status="\${out##*$'\n'}"
    response_body="\${out%$'\n'*}"
  else
    response_status="000"
    response_body=""
  fi
  [[ "$response_status" =~ ^[0-9]{3}$ ]] || response_status="000"
}
`;
