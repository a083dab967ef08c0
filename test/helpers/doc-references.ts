import * as path from "node:path";

/** A reference in a shipped file to a document the package does not contain. */
export interface DanglingReference {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly why: string;
}

// `docs/<page>.md` written as a path (README, comments in .js/.d.ts): resolved from the package
// root. Not when it is part of a URL or of another repository's path (preceded by `/`, a word
// character, `.` or `-`).
const DOCS_PATH = /(?<![\w./-])docs\/[\w./-]*?\.md\b/g;
// A relative Markdown link or image to a .md file: resolved from the linking file's directory.
const MD_LINK = /\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s#]+\.md)(?:#[^)\s]*)?\)/gi;
// Documents that are never in the package: the team's notes and anything beside the repository.
const OUTSIDE: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /\bDESIGN(?:\.md)?\b/g, why: "the team's design notes are not part of the package" },
  { pattern: /\bdesign notes\b/gi, why: "the team's design notes are not part of the package" },
  { pattern: /\.\.\/shared\b/g, why: "a path outside the repository" },
  { pattern: /§\s*\d/g, why: "a section number of a document outside the package" },
];

/**
 * Every reference in `files` (package-relative path -> text) to a document that does not resolve
 * inside the package, whose file list is `shipped`.
 */
export function danglingDocReferences(files: ReadonlyMap<string, string>, shipped: ReadonlySet<string>): DanglingReference[] {
  const found: DanglingReference[] = [];
  for (const [file, text] of files) {
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      const at = { file, line: i + 1 };
      for (const m of line.matchAll(DOCS_PATH)) {
        if (!shipped.has(path.posix.normalize(m[0]))) found.push({ ...at, reference: m[0], why: "not in the package" });
      }
      if (file.endsWith(".md")) {
        for (const m of line.matchAll(MD_LINK)) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
          if (!shipped.has(target)) found.push({ ...at, reference: m[1]!, why: `resolves to ${target}, not in the package` });
        }
      }
      for (const { pattern, why } of OUTSIDE) {
        for (const m of line.matchAll(pattern)) found.push({ ...at, reference: m[0], why });
      }
    });
  }
  return found;
}
