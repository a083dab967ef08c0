import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Two projects; docs/testing.md explains the split and the measurements behind it.
//
// "shared": files that leave no Pulumi runtime state behind: pure functions, config validation,
// rendered scripts run with bash, child processes, and the mock-runtime stack tests, whose runs go
// through runOffline (src/plan/engine.ts), which restores what it changed (config, the offline-plan
// marker). With Pulumi 3.2xx a process runs any number of mock programs one after another, each
// with its own stack resource; the same stack planned twice between two others gives identical
// resources and outputs (measured; the old "once per process" no longer holds). They run with
// isolate: false, so a worker loads zod, yaml, @pulumi/pulumi, the providers and the sources once
// for all of them instead of once per file: 20 stack files moved here cut `npm test` from 159 s
// to ~135 s of CPU.
//
// "stateful": files that set Pulumi's config or mocks themselves and leave them set, or change
// the process (cwd, module hooks): each gets its own process (forks + isolate).
//
// Vitest orders projects by name, then longest file first: "shared" (where the slow files
// are) sorts before "stateful", so the long files start first and the short ones fill the tail.
//
// A new test file lands in "stateful" unless it is listed here by name (no globs, so a new file
// in the same directory is not shared by accident): isolation is the safe default.
const SHARED = [
  "test/attestation/aws-kms-policy.test.ts",
  "test/attestation/azure-release-policy-eval.test.ts",
  "test/attestation/azure-release-policy.test.ts",
  "test/attestation/gcp-workload-identity.test.ts",
  "test/aws/host-role-policy.test.ts",
  "test/bootstrap/azure-drain.test.ts",
  "test/bootstrap/azure-validators.test.ts",
  "test/bench/measure.test.ts",
  "test/bootstrap/gcp-prober.test.ts",
  "test/bootstrap/host-attestation-verifier.test.ts",
  "test/bootstrap/nitro-scripts.test.ts",
  "test/bootstrap/nitro-validators.test.ts",
  "test/bootstrap/nitro.test.ts",
  "test/bootstrap/shared-helpers.test.ts",
  "test/config/args.test.ts",
  "test/config/budget.test.ts",
  "test/config/aws.test.ts",
  "test/config/azure.test.ts",
  "test/config/environments.test.ts",
  "test/config/new-stack.test.ts",
  "test/config/gcp.test.ts",
  "test/config/ingress.test.ts",
  "test/config/releases.test.ts",
  "test/config/stack-config.test.ts",
  "test/config/load.test.ts",
  "test/config/before-resources.test.ts",
  "test/evidence/evidence.test.ts",
  "test/gcp/armor.test.ts",
  "test/gcp/first-up.test.ts",
  "test/ingress/health-check-eval.test.ts",
  "test/monitoring/azure-metric-alert-replay.test.ts",
  "test/monitoring/catalogue.test.ts",
  "test/monitoring/cloudwatch-replay.test.ts",
  "test/monitoring/eventbridge-pattern.test.ts",
  "test/monitoring/logging-filter.test.ts",
  "test/package/consumer.test.ts",
  "test/policy/evaluate.test.ts",
  "test/quarantine/config.test.ts",
  "test/policy/pack-folders.test.ts",
  "test/policy/runner.test.ts",
  "test/policy/resource-types.test.ts",
  "test/plan/cli.test.ts",
  "test/plan/diff.test.ts",
  "test/plan/workflow.test.ts",
  "test/plan/lean-runtime.test.ts",
  "test/plan/launcher.test.ts",
  "test/plan/report-gcp.test.ts",
  "test/plan/report-host-images.test.ts",
  "test/plan/report-parent-role.test.ts",
  "test/plan/report.test.ts",
  "test/verify/cli.test.ts",
  "test/verify/live.test.ts",
  "test/verify/nitro-document.test.ts",
  "test/verify/stack.test.ts",
  "test/policy/attestation/aws-kms-key-require-attested-decrypt.test.ts",
  "test/policy/attestation/aws-kms-key-report-warn-only-pcrs.test.ts",
  "test/policy/attestation/aws-ec2-launchtemplate-disallow-debug-enclave.test.ts",
  "test/policy/attestation/gcp-compute-instancetemplate-require-production-confidential-space.test.ts",
  "test/policy/attestation/gcp-iam-workloadidentitypoolprovider-require-attested-condition.test.ts",
  "test/policy/attestation/azure-keyvault-key-require-attested-release.test.ts",
  "test/policy/attestation/pack.test.ts",
  "test/policy/baseline/aws-network.test.ts",
  "test/policy/baseline/confidential.test.ts",
  "test/policy/baseline/gcp-azure-ingress.test.ts",
  "test/policy/baseline/health.test.ts",
  "test/policy/baseline/hosts.test.ts",
  "test/policy/baseline/p0-alarms.test.ts",
  "test/policy/baseline/pack.test.ts",
  "test/policy/baseline/prod-protection.test.ts",
  "test/policy/baseline/secrets.test.ts",
  "test/policy/baseline/timeouts.test.ts",
  "test/policy/baseline/tls-waf.test.ts",
  // Bash runs, a mock class used as a plain object, Outputs outside any stack: no runtime state.
  "test/bootstrap/azure-agent.test.ts",
  "test/bootstrap/azure-skr.test.ts",
  "test/gcp/identity-ids.test.ts",
  "test/gcp/monitoring.test.ts",
  // Mock-runtime stack tests: one planStack / planPairs each, which restores the runtime it found
  // (no config, no offline-plan marker left behind; see test/helpers/offline.ts).
  "test/aws/detection.test.ts",
  "test/aws/naming.test.ts",
  "test/aws/passthrough-rotation.test.ts",
  "test/aws/rollout-replay.test.ts",
  "test/aws/terminate-dev.test.ts",
  "test/aws/terminate-https-prod.test.ts",
  "test/azure/key-release.test.ts",
  "test/azure/monitoring.test.ts",
  "test/azure/passthrough-prod.test.ts",
  "test/azure/terminate-dev.test.ts",
  "test/azure/terminate-https-existing.test.ts",
  "test/gcp/component-passthrough-prod.test.ts",
  "test/gcp/component-terminate-dev.test.ts",
  "test/gcp/component-terminate-restricted.test.ts",
  "test/gcp/monitoring-passthrough.test.ts",
  "test/gcp/monitoring-terminate.test.ts",
  "test/gcp/naming.test.ts",
  "test/quarantine/aws.test.ts",
  "test/quarantine/azure.test.ts",
  "test/quarantine/gcp.test.ts",
];

export default defineConfig({
  test: {
    pool: "forks",
    // Vitest's default is one worker less than the CPU count: a single worker on a 2-core machine.
    // Much of the suite waits on child processes (bash, tsc, the plan CLI), so at least two.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Defers the modules @pulumi/pulumi loads only for closure serialization, and spares its
    // bookkeeping stacks the module runner's source mapping (both projects load Pulumi).
    setupFiles: ["test/helpers/pulumi-setup.ts"],
    // A component argument given as an Output is checked inside an apply (src/config/args.ts); a bad
    // value makes the apply throw, which Pulumi surfaces as unhandled rejections of the Output's
    // internal promises (the language host reports them and fails the deployment).
    // test/config/args.test.ts provokes exactly that, under fleet names starting with
    // "deferred-check"; only those rejections are expected.
    onUnhandledError: (error) => !/^invalid arguments of \w+ "deferred-check/.test(error.message ?? ""),
    // Transformed modules cached on disk between runs (a clean clone pays the transforms once), in
    // the worktree: node_modules may be shared by several checkouts.
    experimental: { fsModuleCache: true, fsModuleCachePath: ".vitest-module-cache" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "stateful", include: ["test/**/*.test.ts"], exclude: SHARED, isolate: true } },
      { extends: true, test: { name: "shared", include: SHARED, isolate: false } },
    ],
  },
});
