// `npm start`'s job, as a real process: embedded Azurite, a host serving the durable-functions-style samples,
// every pattern started over HTTP with its curl line and answer printed, then it exits (--exit).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("the main job", () => {
  it("runs the six patterns through the host's HTTP API on an embedded Azurite, prints curl lines and answers, and exits cleanly", () => {
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    const r = spawnSync(process.execPath, [main, "--exit"], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, TASKHUB_HTTP_PORT: "0", REPORT_WORK_SECONDS: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain("started an embedded Azurite");
    for (const n of [1, 2, 3, 4, 5, 6]) expect(out).toMatch(new RegExp(`^${n}\\. `, "m"));
    // Every pattern is started by a printed curl line against the host.
    const url = /host at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    for (const path of ["/api/orchestrators/Chaining/wait", "/api/orchestrators/FanOutFanIn", "/api/reports/north", "/api/monitors/job-1", "/api/approvals", "/api/counters/Counter/visits/add"])
      expect(out).toContain(`$ curl -s -X POST '${url}${path}'`);
    // 1. chaining, and its compensation
    expect(out).toContain('← 200 {"result":90}');
    expect(out).toContain('"compensated":["undid F2","undid F1"]');
    // 2. fan-out/fan-in: the sum of 1²..100²
    expect(out).toMatch(/← 200 Completed \{"items":100,"total":338350,"stored":"stored 338350"\}/);
    // 3. async HTTP API: 202 with Location, 202 while running, then 200 with the output
    expect(out).toContain(`← 202 Accepted, Location: ${url}/runtime/webhooks/durabletask/instances/`);
    expect(out).toMatch(/← 202 (Pending|Running)/);
    expect(out).toContain('← 200 Completed {"region":"north","rows":500,"workSeconds":1}');
    // 4. monitor: completed with an alert, and expired
    expect(out).toContain('{"jobId":"job-1","status":"Completed","checks":3}');
    expect(out).toContain("[alert] job job-1 completed after 3 checks");
    expect(out).toMatch(/\{"jobId":"job-2","status":"Expired","checks":\d\}/);
    // 5. human interaction: approved over HTTP, rejected from code, escalated on timeout
    expect(out).toMatch(/raiseEvent\/ApprovalEvent\?taskHub=SamplesHub&connection=Storage' -H 'Content-Type: application\/json' -d '\{"approved":true,"by":"ann"\}'\n(?: {2}\[.*\n)* {2}← 202 Accepted/);
    expect(out).toContain('← 200 Completed {"status":"Approved","by":"ann"}');
    expect(out).toContain('← 200 Completed {"status":"Rejected","by":"bob"}');
    expect(out).toContain('← 200 Completed {"status":"Escalated","after":"2 s"}');
    // 6. aggregator, both styles
    expect(out).toContain('← 200 {"entity":"Counter","key":"visits","state":10}');
    expect(out).toContain('← 200 {"entity":"Counter","key":"visits","state":15}');
    expect(out).toContain('← 200 {"entity":"CounterClass","key":"visits","state":{"value":30}}');
    expect(out).toContain('← 404 {"entity":"CounterClass","key":"visits","exists":false}');
    expect(out).toContain("SamplesHubHistory");
  }, 130_000);
});
