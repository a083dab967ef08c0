import { describe, expect, it } from "vitest";
import { workloadIdentityIds, WIF_SUFFIX_BYTES } from "../../components/gcp/identity";
import { RecordingMocks } from "../../src/plan/mocks";

// Workload Identity pools and providers stay soft-deleted for 30 days and their ids cannot be
// reused (pulumi/pulumi-gcp#1149): ids carry a suffix drawn once per deployment by a RandomId.
const RANDOM_ID = "random:index/randomId:RandomId";
const SUFFIX_NAME = "prover-dev-gcp-wif-suffix";

function drawSuffix(deployment: string, inputs: Record<string, unknown> = { byteLength: WIF_SUFFIX_BYTES }): string {
  const mocks = new RecordingMocks("us-central1", "example-project", deployment);
  const { state } = mocks.newResource({ type: RANDOM_ID, name: SUFFIX_NAME, inputs, custom: true, provider: "" } as never);
  return String(state["hex"]);
}

describe("the RandomId the mock engine fills in", () => {
  it("looks like the provider's: hex of byteLength bytes, the same bytes in base64 and decimal, id = b64Url", () => {
    const mocks = new RecordingMocks("us-central1");
    const { id, state } = mocks.newResource({ type: RANDOM_ID, name: SUFFIX_NAME, inputs: { byteLength: 3 }, custom: true, provider: "" } as never);
    const hex = String(state["hex"]);
    expect(hex).toMatch(/^[0-9a-f]{6}$/);
    expect(Buffer.from(String(state["b64Url"]), "base64url").toString("hex")).toBe(hex);
    expect(Buffer.from(String(state["b64Std"]), "base64").toString("hex")).toBe(hex);
    expect(BigInt(String(state["dec"]))).toBe(BigInt(`0x${hex}`));
    expect(id).toBe(state["b64Url"]);
  });

  it("one deployment draws one value every run (a byte-stable offline plan); another deployment draws another", () => {
    expect(drawSuffix("")).toBe(drawSuffix(""));
    expect(drawSuffix("second")).not.toBe(drawSuffix(""));
  });
});

describe("pool and provider ids", () => {
  it("a second deployment (destroy, then up) gets ids that differ from the soft-deleted ones", () => {
    const first = workloadIdentityIds("prover-dev-gcp", drawSuffix(""));
    const second = workloadIdentityIds("prover-dev-gcp", drawSuffix("after-destroy"));
    expect(second.pool).not.toBe(first.pool);
    expect(second.provider).not.toBe(first.provider);
  });

  it("an update of the same deployment keeps them: they depend only on the fleet name and the drawn suffix", () => {
    expect(workloadIdentityIds("prover-dev-gcp", "a1b2c3")).toEqual({ pool: "prover-dev-gcp-pool-a1b2c3", provider: "prover-dev-gcp-cs-a1b2c3" });
    expect(workloadIdentityIds("prover-dev-gcp", "a1b2c3")).toEqual(workloadIdentityIds("prover-dev-gcp", "a1b2c3"));
  });

  it("fit the 4-32 character rule and never start with the reserved gcp- prefix, even for the longest names", () => {
    const longest = `abcdefghijkl-staging-${"y".repeat(88)}-us1`;
    for (const name of [longest, "gcp-prod", "p-x", "gcp-"]) {
      const ids = workloadIdentityIds(name, "ffffff");
      for (const id of [ids.pool, ids.provider]) {
        expect(id, name).toMatch(/^[a-z0-9-]{4,32}$/);
        expect(id.startsWith("gcp-"), name).toBe(false);
        expect(id.endsWith("-ffffff"), name).toBe(true);
      }
    }
    expect(workloadIdentityIds(longest, "ffffff").pool.length).toBeLessThanOrEqual(32);
  });
});
