import { describe, expect, test } from "vitest";
import type { PlannedResource } from "../../src/plan/engine";
import { buildPlan, renderText } from "../../src/plan/report";

// The plan's renderers on hand-made resources: no stack, no child process.
function launchTemplate(name: string, imageId: string): PlannedResource {
  return { type: "aws:ec2/launchTemplate:LaunchTemplate", name, custom: true, id: `${name}-id`, inputs: { imageId }, state: { imageId }, protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [] };
}

function planWith(resources: PlannedResource[]) {
  return buildPlan({
    stack: "prod",
    cloud: "aws",
    environment: "prod",
    ingressMode: "terminate",
    review: { plaintext: { seenBy: [], canInterpose: [], closedBy: "", summary: "s" }, activeRelease: "v6.3.1", acceptedReleases: ["v6.3.1"], unobservableAlarms: [] },
    resources,
    secretKeys: [],
  });
}

describe("which AMI the hosts boot", () => {
  test("a pinned AMI id is shown as pinned, in the JSON and the text", () => {
    const plan = planWith([launchTemplate("prover-prod-host", "ami-0123456789abcdef0")]);
    expect(plan.hostImages).toEqual([{ launchTemplate: "prover-prod-host", imageId: "ami-0123456789abcdef0", pinned: true }]);
    expect(renderText(plan)).toContain("  Hosts (prover-prod-host) boot ami-0123456789abcdef0: pinned by aws.amiId\n");
  });

  test("the SSM parameter is shown as not pinned", () => {
    const ssm = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
    const plan = planWith([launchTemplate("prover-dev-host", ssm)]);
    expect(plan.hostImages).toEqual([{ launchTemplate: "prover-dev-host", imageId: ssm, pinned: false }]);
    expect(renderText(plan)).toContain(`boot ${ssm}: NOT PINNED`);
  });

  test("GCP plans have no launch template and say nothing about AMIs", () => {
    const plan = planWith([]);
    expect(plan.hostImages).toEqual([]);
    expect(renderText(plan)).not.toContain("Hosts (");
  });
});
