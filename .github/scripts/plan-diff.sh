#!/usr/bin/env bash
# Plans every shipped stack offline on the base and the head checkout and writes one comment body
# (docs/ci-workflow.md). Runs in the unprivileged pull_request job: no secrets, read-only token.
#
#   plan-diff.sh BASE_DIR HEAD_DIR OUT_DIR
#
# OUT_DIR/comment.md  the comment, marker first, under GitHub's 65,536-character limit
# OUT_DIR/base/*.json OUT_DIR/head/*.json  the plans; OUT_DIR/state/*.json  --export-state files
# Exit 0 even when a plan fails or a pack refuses a stack: the comment says so, and the
# `offline plan` step of the workflow fails the check separately (exit code kept in OUT_DIR/status).
# Backticks in the printf formats are markdown, not command substitution.
# shellcheck disable=SC2016
set -euo pipefail

base_dir=$(cd "$1" && pwd)
head_dir=$(cd "$2" && pwd)
mkdir -p "$3"
out=$(cd "$3" && pwd)
mkdir -p "$out/base" "$out/head" "$out/state" "$out/diff"

marker='<!-- tee-prover-infra:plan-diff -->'
# Room for the whole comment; GitHub refuses more than 65,536 characters.
budget=60000

# One key for both runs, so a secret input's fingerprint compares across them; it lives only in
# this process's environment and is never written (src/plan/inputs.ts).
PLAN_SECRET_FINGERPRINT_KEY=$(openssl rand -hex 32)
export PLAN_SECRET_FINGERPRINT_KEY

# Every Pulumi.<stack>.yaml on either side except Pulumi.yaml itself.
stacks() {
  find "$1" -maxdepth 1 -name 'Pulumi.*.yaml' -printf '%f\n' | sed -e 's/^Pulumi\.//' -e 's/\.yaml$//'
}
mapfile -t all < <({ stacks "$base_dir"; stacks "$head_dir"; } | sort -u)
count=${#all[@]}
if [ "$count" -eq 0 ]; then
  printf '%s\nNo Pulumi.<stack>.yaml in this repository: nothing to plan.\n' "$marker" > "$out/comment.md"
  exit 0
fi
per_stack=$(( (budget - 2000) / count ))
[ "$per_stack" -ge 1000 ] || per_stack=1000

status=0
{
  printf '%s\n## Offline plan diff\n\n' "$marker"
  printf 'Every stack planned offline (mock runtime, no cloud) on the base branch and on this pull request. '
  printf 'See docs/ci-workflow.md; a real `pulumi preview` runs only where credentials are configured.\n\n'
} > "$out/comment.md"

for stack in "${all[@]}"; do
  # A stack name is a file name: keep it to what Pulumi allows before it reaches a path or the comment.
  if ! [[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    printf -- '- skipped a stack file with an unexpected name\n' >> "$out/comment.md"
    continue
  fi
  base_json="$out/base/$stack.json"
  : > "$base_json"
  base_failed=""
  if [ -f "$base_dir/Pulumi.$stack.yaml" ]; then
    rc=0
    (cd "$base_dir" && npm run -s plan -- "$stack" --json "$base_json" > "$out/base/$stack.log" 2>&1) || rc=$?
    # 3 is a refused verdict, still a plan; anything else leaves the base empty (every resource new),
    # and the comment says so rather than showing the whole stack as added.
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
      : > "$base_json"
      base_failed=$rc
    fi
  fi
  if [ ! -f "$head_dir/Pulumi.$stack.yaml" ]; then
    printf '### Stack `%s`\n\nRemoved by this pull request (its resources are not deleted by removing the file: run `pulumi destroy` first).\n\n' "$stack" >> "$out/comment.md"
    continue
  fi
  rc=0
  (cd "$head_dir" && npm run -s plan -- "$stack" --diff "$base_json" --format markdown --max-chars "$per_stack" \
    --json "$out/head/$stack.json" --export-state "$out/state/$stack.json" > "$out/diff/$stack.md" 2> "$out/head/$stack.log") || rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
    if [ -n "$base_failed" ]; then
      printf '> ⚠️ The base branch'"'"'s plan of `%s` failed (exit %s): the diff below compares with nothing, so every resource shows as added.\n\n' "$stack" "$base_failed" >> "$out/comment.md"
    fi
    cat "$out/diff/$stack.md" >> "$out/comment.md"
    # A refused stack is 3 unless a plan already failed (1 outranks it, whatever the order).
    if [ "$rc" -eq 3 ] && [ "$status" -ne 1 ]; then status=3; fi
  else
    status=1
    printf '### Stack `%s`\n\n❌ The offline plan failed (exit %s):\n\n````text\n%s\n````\n\n' "$stack" "$rc" "$(tail -c 1500 "$out/head/$stack.log" | tr -d '`')" >> "$out/comment.md"
  fi
  printf '\n' >> "$out/comment.md"
done

# The summary of each stack was kept by the renderer; this only guards the total.
if [ "$(wc -m < "$out/comment.md")" -gt 64000 ]; then
  head -c 63000 "$out/comment.md" | iconv -f utf-8 -t utf-8 -c > "$out/comment.tmp"
  printf '\n\n_Comment truncated to stay under GitHub'"'"'s 65,536-character limit; the full diffs are in the workflow artifact._\n' >> "$out/comment.tmp"
  mv "$out/comment.tmp" "$out/comment.md"
fi
echo "$status" > "$out/status"
