import { describe, expect, test } from "vitest";
import { matchesFilter, shape } from "../helpers/logging-filter";

// The evaluator itself, on the examples of "Logging query language"
// (https://cloud.google.com/logging/docs/view/logging-query-language).

const entry = {
  resource: { type: "gce_instance", labels: { project_id: "my-project" } },
  severity: "ERROR",
  textPayload: "the ROBOT arrived",
  protoPayload: { methodName: "v1.compute.firewalls.insert", status: { code: 7 }, authorizationInfo: [{ permission: "a.b" }, { permission: "c.d" }] },
};

describe("Logging filter evaluator (doc examples)", () => {
  test("simple, conjunctive and disjunctive restrictions", () => {
    expect(matchesFilter('resource.type = "gce_instance"', entry)).toBe(true);
    expect(matchesFilter('resource.type = "gae_app" AND severity = "ERROR"', entry)).toBe(false);
    expect(matchesFilter('resource.type = "gae_app" OR resource.type = "gce_instance"', entry)).toBe(true);
    // Two comparisons side by side are ANDed.
    expect(matchesFilter('resource.type = "gce_instance" severity = "INFO"', entry)).toBe(false);
  });

  test("the doc's example: has (:) is a substring test, string comparisons ignore case", () => {
    expect(matchesFilter('resource.type = "gce_instance" AND NOT textPayload:robot', entry)).toBe(false);
    expect(matchesFilter('resource.type = "GCE_INSTANCE" AND textPayload:"robot arr"', entry)).toBe(true);
    expect(matchesFilter("textPayload:cat", entry)).toBe(false);
  });

  test("NOT binds tightest, then OR, then AND (the doc's precedence example)", () => {
    expect(shape("a=1 OR NOT b=1 AND NOT c=1 OR d=1")).toBe("(AND (OR a=1 (NOT b=1)) (OR (NOT c=1) d=1))");
    expect(shape("(a=1 AND b=1) OR c=1")).toBe("(OR (AND a=1 b=1) c=1)");
  });

  test("regular expressions are searched unless anchored, and are case-sensitive", () => {
    expect(matchesFilter('protoPayload.methodName=~"firewalls"', entry)).toBe(true);
    expect(matchesFilter('protoPayload.methodName=~"^firewalls"', entry)).toBe(false);
    expect(matchesFilter('protoPayload.methodName=~"FIREWALLS"', entry)).toBe(false);
    expect(matchesFilter('protoPayload.methodName!~"delete$"', entry)).toBe(true);
  });

  test("numbers, missing fields, repeated fields", () => {
    expect(matchesFilter("protoPayload.status.code>0", entry)).toBe(true);
    expect(matchesFilter("protoPayload.status.code>0", { protoPayload: {} })).toBe(false);
    expect(matchesFilter('NOT protoPayload.request.network:"x"', entry)).toBe(true);
    expect(matchesFilter('protoPayload.authorizationInfo.permission="c.d"', entry)).toBe(true);
  });

  test("what it does not support is an error, not a guess", () => {
    expect(() => matchesFilter('"the cat"', entry)).toThrow("global restrictions");
    expect(() => matchesFilter('resource.type = ("gae_app" OR "gce_instance")', entry)).toThrow("value lists");
    expect(() => matchesFilter('resource.type = "gce_instance" AND (severity = "ERROR"', entry)).toThrow();
  });
});
