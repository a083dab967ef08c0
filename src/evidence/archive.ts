// A tar.gz writer for the evidence archive: POSIX ustar headers and gzip from node:zlib, so the
// archive needs no dependency and opens with any `tar -xzf`. Regular files only, in one directory.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

export interface ArchiveFile {
  readonly name: string;
  readonly content: Buffer;
}

function header(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`archive entry name too long: ${name}`);
  const h = Buffer.alloc(512, 0);
  const field = (offset: number, length: number, value: string) => h.write(value, offset, length, "utf8");
  const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  field(0, 100, name);
  octal(100, 8, 0o600);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, Math.floor(mtime.getTime() / 1000));
  h.fill(0x20, 148, 156); // checksum computed with its own field as spaces
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** `files` as a gzip-compressed ustar archive under `dir/`, every entry dated `mtime`. */
export function tarGz(dir: string, files: readonly ArchiveFile[], mtime: Date): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(`${dir}/${f.name}`, f.content.length, mtime), f.content);
    const pad = (512 - (f.content.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return gzipSync(Buffer.concat(parts));
}

export const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
