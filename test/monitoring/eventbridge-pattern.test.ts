import { describe, expect, test } from "vitest";
import { matchesPattern } from "../helpers/eventbridge-pattern";

// The evaluator itself, on the examples of the EventBridge user guide ("Amazon EventBridge event
// patterns", "Comparison operators for use in event patterns", "Content filtering").

const ec2Event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

describe("EventBridge pattern evaluator (doc examples)", () => {
  test("exact values, nested detail; every named field must match; values are case-sensitive", () => {
    expect(matchesPattern({ source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], detail: { state: ["terminated"] } }, ec2Event)).toBe(true);
    expect(matchesPattern({ source: ["aws.ec2"], detail: { state: ["running"] } }, ec2Event)).toBe(false);
    expect(matchesPattern({ source: ["aws.ec2"], detail: { state: ["TERMINATED"] } }, ec2Event)).toBe(false);
    expect(matchesPattern({ source: ["aws.s3"] }, ec2Event)).toBe(false);
  });

  test("a leaf's values are ORed; an array field matches when any element does", () => {
    expect(matchesPattern({ detail: { state: ["running", "terminated"] } }, ec2Event)).toBe(true);
    const many = { resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560b"] };
    expect(matchesPattern({ resources: ["arn:aws:ec2:us-east-1:111122223333:instance/i-b188560b", "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560a"] }, many)).toBe(true);
    expect(matchesPattern({ resources: ["arn:aws:ec2:us-east-1:444455556666:instance/i-b188560a"] }, many)).toBe(false);
  });

  test("prefix, suffix, equals-ignore-case", () => {
    expect(matchesPattern({ time: [{ prefix: "2017-12-22" }] }, ec2Event)).toBe(true);
    expect(matchesPattern({ time: [{ prefix: "2017-10-02" }] }, ec2Event)).toBe(false);
    expect(matchesPattern({ source: [{ suffix: ".ec2" }] }, ec2Event)).toBe(true);
    expect(matchesPattern({ detail: { state: [{ "equals-ignore-case": "TERMINATED" }] } }, ec2Event)).toBe(true);
  });

  test("anything-but: a value, a list, a prefix; never a missing field", () => {
    expect(matchesPattern({ detail: { state: [{ "anything-but": "initializing" }] } }, ec2Event)).toBe(true);
    expect(matchesPattern({ detail: { state: [{ "anything-but": ["stopped", "terminated"] }] } }, ec2Event)).toBe(false);
    expect(matchesPattern({ region: [{ "anything-but": { prefix: "us-" } }] }, ec2Event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ "anything-but": "x" }] } }, ec2Event)).toBe(false);
  });

  test("exists, numeric, $or", () => {
    expect(matchesPattern({ detail: { state: [{ exists: true }] } }, ec2Event)).toBe(true);
    expect(matchesPattern({ detail: { "c-count": [{ exists: false }] } }, ec2Event)).toBe(true);
    expect(matchesPattern({ detail: { "c-count": [{ exists: true }] } }, ec2Event)).toBe(false);
    expect(matchesPattern({ detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, { detail: { "c-count": 5 } })).toBe(true);
    expect(matchesPattern({ detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, { detail: { "c-count": 6 } })).toBe(false);
    expect(matchesPattern({ $or: [{ detail: { state: ["running"] } }, { region: ["us-west-1"] }] }, ec2Event)).toBe(true);
    expect(matchesPattern({ $or: [{ detail: { state: ["running"] } }, { region: ["eu-west-1"] }] }, ec2Event)).toBe(false);
  });

  test("nested objects inside an array of objects match when any element does", () => {
    const event = { detail: { resources: [{ ARN: "arn:a" }, { ARN: "arn:b" }] } };
    expect(matchesPattern({ detail: { resources: { ARN: ["arn:b"] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { resources: { ARN: ["arn:c"] } } }, event)).toBe(false);
  });

  test("an operator it does not know is an error, not a silent match", () => {
    expect(() => matchesPattern({ source: [{ wildcard: "aws.*" }] }, ec2Event)).toThrow("unsupported matcher wildcard");
  });
});
