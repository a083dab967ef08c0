import { expect, test } from "vitest";
import { ALARM_CATALOGUE, mapCatalogue } from "../../src/monitoring/catalogue";

test("mapCatalogue splits observable from unobservable entries, in catalogue order, keeping the reason", () => {
  const { observable, unobservable } = mapCatalogue((signal) =>
    signal === "cpu-percent" ? { kind: "metric" as const, name: `m:${signal}` } : { kind: "unobservable" as const, reason: `blind to ${signal}` },
  );
  expect(observable.map((o) => [o.spec.id, o.source.name])).toEqual([
    ["cpu-high", "m:cpu-percent"],
    ["cpu-elevated", "m:cpu-percent"],
    ["cpu-sustained", "m:cpu-percent"],
  ]);
  expect(unobservable.map((u) => u.alarm.id)).toEqual(ALARM_CATALOGUE.filter((a) => a.signal !== "cpu-percent").map((a) => a.id));
  expect(unobservable.find((u) => u.alarm.id === "queue-deep")!.reason).toBe("blind to queue-depth");
});
