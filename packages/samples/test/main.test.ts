// `npm start`'s job, as a real process: embedded Azurite, a host serving the durable-functions-style samples,
// every pattern started over HTTP with its curl line and answer printed, then the two unchanged Functions app
// folders, each on its own `taskhub worker --app` process, driven the same way; then it exits (--exit); stopped with
// Ctrl+C as a terminal stops it; refusing bad configuration before it starts anything.
import { existsSync, readFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
/** The classic-model app folder (its own helper's work): part 8 runs it when it is there. */
const classicApp = fileURLToPath(new URL("../apps/classic", import.meta.url));

/** The pids of the `taskhub worker --app` processes the job started (it prints each as it starts it). */
function appHostPids(out: string): number[] {
  return [...out.matchAll(/^starting taskhub worker --app \S+ \(pid (\d+)\)/gm)].map((m) => Number(m[1]));
}

/** The environment of a fresh shell: no storage account, so the embedded Azurite. */
function freshEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TASKHUB_HTTP_PORT: "0", REPORT_WORK_SECONDS: "1" };
  delete env.AZURE_STORAGE_CONNECTION_STRING;
  delete env.TASKHUB_HTTP_KEY;
  return { ...env, ...extra };
}

/** True while `pid` runs (a zombie counts as gone). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== "linux";
    } catch {
      return false;
    }
  }
}

describe("the main job", () => {
  it("runs the six patterns through the host's HTTP API on an embedded Azurite, then the app folders on their own worker processes, prints curl lines and answers, and exits cleanly", () => {
    const r = spawnSync(process.execPath, [main, "--exit"], {
      encoding: "utf8",
      timeout: 300_000,
      env: freshEnv(),
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain("started an embedded Azurite");
    for (const n of [1, 2, 3, 4, 5, 6]) expect(out).toMatch(new RegExp(`^${n}\\. `, "m"));
    // Every pattern is started by a printed curl line against the host.
    const url = /host at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    for (const path of [
      "/api/orchestrators/Chaining/wait",
      "/api/orchestrators/FanOutFanIn",
      "/api/reports/north",
      "/api/monitors/job-1",
      "/api/approvals",
      "/api/counters/Counter/visits/add",
    ])
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
    expect(out).toMatch(
      /raiseEvent\/ApprovalEvent\?taskHub=SamplesHub&connection=Storage' -H 'Content-Type: application\/json' -d '\{"approved":true,"by":"ann"\}'\n(?: {2}\[.*\n)* {2}← 202 Accepted/,
    );
    expect(out).toContain('← 200 Completed {"status":"Approved","by":"ann"}');
    expect(out).toContain('← 200 Completed {"status":"Rejected","by":"bob"}');
    expect(out).toContain('← 200 Completed {"status":"Escalated","after":"2 s"}');
    // 6. aggregator, both styles
    expect(out).toContain('← 200 {"entity":"Counter","key":"visits","state":10}');
    expect(out).toContain('← 200 {"entity":"Counter","key":"visits","state":15}');
    expect(out).toContain('← 200 {"entity":"CounterClass","key":"visits","state":{"value":30}}');
    expect(out).toContain('← 404 {"entity":"CounterClass","key":"visits","exists":false}');
    // With --exit the embedded Azurite stops with the host: no advice to look at it, but how to keep it.
    expect(out).not.toContain("Inspect the task hub in Azure Storage Explorer");
    expect(out).toContain("The embedded Azurite stops now, with the host (--exit)");
    expect(out).toContain("npm start without --exit");
    // 7. the v4-model app folder, unchanged, on its own `taskhub worker --app` process (hub from its host.json)
    const v4 =
      /^7\. apps\/v4: .*\n {2}\$ cd packages\/samples && npx taskhub worker --app apps\/v4\n {2}← serving at (http:\/\/127\.0\.0\.1:\d+) \(pid \d+; task hub SamplesV4Hub,/m.exec(
        out,
      );
    expect(v4, out).not.toBeNull();
    const v4Url = v4![1]!;
    expect(v4Url).not.toBe(url);
    expect(out).toContain(`$ curl -s -X POST '${v4Url}/api/orchestrators/helloOrchestrator'`);
    expect(out).toContain(`← 202 Accepted, Location: ${v4Url}/runtime/webhooks/durabletask/instances/`);
    expect(out).toContain('← 200 Completed ["Hello, Tokyo","Hello, Seattle","Hello, Cairo"]');
    expect(out).toContain('← 200 Completed {"items":20,"sum":2870,"sent":"sent 2870"}');
    expect(out).toContain('← 200 Completed {"jobId":"job-1","status":"Completed","checks":3}');
    expect(out).toContain(`$ curl -s -X POST '${v4Url}/api/approvals/`);
    expect(out).toContain('← 200 Completed "laptop: approved"');
    expect(out).toMatch(/raiseEvent\/ApprovalEvent\?taskHub=SamplesV4Hub&connection=Storage' .*-d 'false'/);
    expect(out).toContain('← 200 Completed "monitor: rejected"');
    expect(out).toContain('← 200 Completed "chair: escalated, nobody answered in time"');
    expect(out).toContain('← 200 {"key":"visits","value":12}');
    // 8. the classic-model app folder, when this checkout has it
    if (existsSync(classicApp)) {
      const classic =
        /^8\. apps\/classic: .*\n {2}\$ cd packages\/samples && npx taskhub worker --app apps\/classic\n {2}← serving at (http:\/\/127\.0\.0\.1:\d+) \(pid \d+; task hub \w+,/m.exec(
          out,
        );
      expect(classic, out).not.toBeNull();
      expect(out).toContain(`$ curl -s -X POST '${classic![1]}/api/orchestrators/HelloSequence'`);
      expect(out).toContain('← 200 Completed ["Hello Tokyo!","Hello Seattle!","Hello London!"]');
      expect(out).toContain('← 200 Completed {"items":20,"total":2870}');
      expect(out).toContain('← 200 Completed {"item":"laptop","status":"Approved","by":"ann"}');
      expect(out).toMatch(/counters\/visits'\n {2}← 200 12$/m);
    } else
      expect(out).toMatch(
        /^8\. apps\/classic: .*\n {2}packages\/samples\/apps\/classic is not in this checkout$/m,
      );
    expect(r.stderr).toBe("");
    const azuritePid = Number(/started an embedded Azurite \(in memory, pid (\d+)\)/.exec(out)![1]);
    expect(isRunning(azuritePid)).toBe(false);
    // The app folders' worker processes stopped too.
    const appPids = appHostPids(out);
    expect(appPids).toHaveLength(existsSync(classicApp) ? 2 : 1);
    for (const pid of appPids) expect(isRunning(pid)).toBe(false);
  }, 310_000);

  it("stops on Ctrl+C in the middle of the samples: exit 0, no stack dump, no Azurite left", async () => {
    // In its own process group, which gets the SIGINT, as a terminal's foreground group does.
    const child = spawn(process.execPath, [main], {
      env: freshEnv(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      // Interrupted while the second pattern runs (requests in flight, orchestrations running).
      for (let i = 0; i < 1200 && !/^2\. /m.test(out) && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/^2\. /m);
      process.kill(-child.pid!, "SIGINT");
      expect(await exited).toBe(0);
      expect(err).not.toMatch(/\n\s+at /);
      expect(err).not.toMatch(/Error/);
      expect(err.trim()).toBe("SIGINT: stopping gracefully (press Ctrl+C again to exit at once)");
      const azuritePid = Number(/started an embedded Azurite \(in memory, pid (\d+)\)/.exec(out)![1]);
      expect(isRunning(azuritePid)).toBe(false);
      // The app folders' worker processes, started before the samples, were stopped before Azurite.
      const appPids = appHostPids(out);
      expect(appPids.length).toBeGreaterThanOrEqual(1);
      for (const pid of appPids) expect(isRunning(pid)).toBe(false);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  }, 130_000);

  it("refuses a TASKHUB_HTTP_KEY that is too short before it starts Azurite or the host", () => {
    const r = spawnSync(process.execPath, [main, "--exit"], {
      encoding: "utf8",
      timeout: 60_000,
      env: freshEnv({ TASKHUB_HTTP_KEY: "short" }),
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^samples: TASKHUB_HTTP_KEY must have at least 16 characters \(it has 5\)/,
    );
    expect(r.stdout).not.toContain("started an embedded Azurite");
    expect(r.stdout).not.toContain("host at");
  });
});
