import * as fs from "node:fs";
import * as path from "node:path";
import { expect, test } from "vitest";
import { ALARM_CATALOGUE, AUDIT_SIGNALS, BUDGET_NOTIFICATIONS, mapCatalogue } from "../../src/monitoring/catalogue";

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

test("audit-trail entries: a change to attestation enforcement or the host role pages P0, a network rule change is P3; one change fires", () => {
  const audit = ALARM_CATALOGUE.filter((a) => AUDIT_SIGNALS.has(a.signal));
  expect(audit.map((a) => [a.id, a.severity, a.signal, a.comparison, a.threshold, a.periodSeconds, a.evaluationPeriods])).toEqual([
    ["attestation-enforcement-changed", "P0", "attestation-enforcement-change", "above", 0, 300, 1],
    ["host-role-changed", "P0", "host-role-change", "above", 0, 300, 1],
    ["network-rules-changed", "P3", "network-rule-change", "above", 0, 300, 1],
  ]);
});

test("the 15 metric alarms keep their ids, severities and order", () => {
  expect(ALARM_CATALOGUE.filter((a) => !AUDIT_SIGNALS.has(a.signal)).map((a) => `${a.severity} ${a.id}`)).toEqual([
    "P0 no-healthy-host", "P0 attestation-failures", "P0 no-proofs", "P0 tee-down",
    "P1 error-rate-high", "P1 latency-p95-high", "P1 cpu-high", "P1 memory-high", "P1 queue-deep",
    "P2 error-rate-elevated", "P2 latency-p95-elevated", "P2 cpu-elevated", "P2 tls-cert-expiring",
    "P3 traffic-anomaly", "P3 cpu-sustained",
  ]);
  expect(new Set(ALARM_CATALOGUE.map((a) => a.id)).size).toBe(ALARM_CATALOGUE.length);
});

/** `id severity` of every table row of docs/alarms.md whose first cell is a backticked id. */
function documentedAlarms(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(P[0-3])\s*\|/gm)].map((m) => `${m[1]} ${m[2]}`);
}

test("docs/alarms.md documents every catalogue entry, with its severity, and nothing else", () => {
  const page = fs.readFileSync(path.join(__dirname, "../../docs/alarms.md"), "utf8");
  expect(documentedAlarms(page).sort()).toEqual(ALARM_CATALOGUE.map((a) => `${a.id} ${a.severity}`).sort());
});

test("the page check sees a missing row, an extra row and a wrong severity", () => {
  const rows = (ids: string[]) => ids.map((r) => `| \`${r.split(" ")[0]}\` | ${r.split(" ")[1]} | x |`).join("\n");
  const all = ALARM_CATALOGUE.map((a) => `${a.id} ${a.severity}`);
  const want = [...all].sort();
  expect(documentedAlarms(rows(all)).sort()).toEqual(want);
  expect(documentedAlarms(rows(all.slice(1))).sort()).not.toEqual(want);
  expect(documentedAlarms(rows([...all, "gone-alarm P2"])).sort()).not.toEqual(want);
  expect(documentedAlarms(rows(all.map((r) => (r === "cpu-sustained P3" ? "cpu-sustained P2" : r)))).sort()).not.toEqual(want);
});

test("traffic anomaly: P3, a band (width 3) on either side, 3 x 5 minutes", () => {
  const spec = ALARM_CATALOGUE.find((a) => a.id === "traffic-anomaly")!;
  expect([spec.severity, spec.signal, spec.comparison, spec.threshold, spec.periodSeconds, spec.evaluationPeriods]).toEqual(["P3", "request-count-anomaly", "outside-band", 3, 300, 3]);
});

test("budget notifications: 80 % to P3, 100 % to P2, 110 % to P1, never P0", () => {
  expect(BUDGET_NOTIFICATIONS.map((n) => `${n.percent} ${n.severity}`)).toEqual(["80 P3", "100 P2", "110 P1"]);
});
