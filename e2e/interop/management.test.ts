// Scenario 6 of the interop suite: terminate, suspend/resume, rewind, purge by id and by filter, and queries
// by status and prefix with paging, issued by one runtime's client on instances run by the other runtime.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DtfState } from "./peer.js";
import { useInterop } from "./fixture.js";
import { taskhubClient } from "./taskhub.js";

const run = randomBytes(3).toString("hex");
const hubD = `mgmtD${run}`; // run by DT.AS, managed by taskhub's client
const hubT = `mgmtT${run}`; // run by taskhub, managed by DT.AS's client

const fx = useInterop({
  dtasWorkers: { [hubD]: {} },
  taskhubWorkers: { [hubT]: {} },
});

describe("scenario 6: taskhub's client manages instances a DT.AS worker runs", () => {
  const id = (s: string): string => `m-${s}-${run}`;
  it("terminates, suspends and resumes, rewinds, queries and purges", async () => {
    const client = taskhubClient(fx.connectionString, hubD);
    for (const s of ["term", "susp"])
      await client.scheduleNewOrchestration("LongRunning", undefined, { instanceId: id(s) });
    await client.scheduleNewOrchestration(
      "RetryThenSucceed",
      { key: id("rewind"), failures: 3 },
      { instanceId: id("rewind") },
    );
    for (const s of ["term", "susp"]) await client.waitForOrchestrationStart(id(s), { timeoutMs: 120_000 });

    await client.terminateOrchestration(id("term"), { output: "stop it" });
    const term = await client.waitForOrchestrationCompletion(id("term"), { timeoutMs: 120_000 });
    expect([term.runtimeStatus, term.output]).toEqual(["Terminated", "stop it"]);

    await client.suspendOrchestration(id("susp"), "pause");
    await expect
      .poll(async () => (await client.getOrchestrationState(id("susp")))?.runtimeStatus, {
        timeout: 120_000,
        interval: 500,
      })
      .toBe("Suspended");
    await client.raiseEvent(id("susp"), "finish", "while suspended");
    await client.resumeOrchestration(id("susp"), "go on");
    const resumed = await client.waitForOrchestrationCompletion(id("susp"), { timeoutMs: 120_000 });
    expect([resumed.runtimeStatus, resumed.output]).toEqual(["Completed", { finished: "while suspended" }]);

    const pages: string[][] = [];
    for await (const page of client.listInstances({ instanceIdPrefix: `m-`, pageSize: 2 }).byPage())
      pages.push(page.items.map((s) => s.instanceId));
    expect(pages.flat().sort()).toEqual([id("rewind"), id("susp"), id("term")].sort());
    expect(pages[0]!.length).toBeLessThanOrEqual(2);
    const terminated: string[] = [];
    for await (const s of client.listInstances({ statuses: ["Terminated"] })) terminated.push(s.instanceId);
    expect(terminated).toEqual([id("term")]);

    expect((await client.purgeOrchestration(id("term"))).deletedInstanceCount).toBe(1);
    expect(await client.getOrchestrationState(id("term"))).toBeUndefined();
    const purged = await client.purgeOrchestration({
      createdFrom: new Date(Date.now() - 3600_000),
      statuses: ["Completed"],
    });
    expect(purged.deletedInstanceCount).toBe(1);
    expect(await fx.peer.state(hubD, id("susp")), "DT.AS no longer sees it").toBeNull();
  });

  // taskhub's client rewinds as DT.AS's does (history rows rewritten, GenericEvent to the failed leaves), so a
  // DT.AS worker carries it out; the retry timers are rewritten too, which DT.AS's own rewind leaves behind.
  it("rewinds a failed instance, a retried activity and a failed sub-orchestration", async () => {
    const client = taskhubClient(fx.connectionString, hubD);
    const rid = (s: string): string => `r-${s}-${run}`;
    await client.scheduleNewOrchestration(
      "RetryThenSucceed",
      { key: rid("retry"), failures: 3 },
      { instanceId: rid("retry") },
    );
    await client.scheduleNewOrchestration(
      "ParentOfFlaky",
      { key: rid("parent"), failures: 1 },
      { instanceId: rid("parent") },
    );
    for (const s of ["retry", "parent"]) {
      const failed = await client.waitForOrchestrationCompletion(rid(s), { timeoutMs: 120_000 });
      expect([s, failed.runtimeStatus]).toEqual([s, "Failed"]);
      await client.rewindOrchestration(rid(s), "try again");
    }
    const retried = await client.waitForOrchestrationCompletion(rid("retry"), { timeoutMs: 120_000 });
    expect([retried.runtimeStatus, retried.output]).toEqual(["Completed", "ok after 4"]);
    const parent = await client.waitForOrchestrationCompletion(rid("parent"), { timeoutMs: 120_000 });
    expect([parent.runtimeStatus, parent.output]).toEqual(["Completed", { child: "ok after 2" }]);
    const child = await fx.peer.state(hubD, `${rid("parent")}:child`);
    expect([child?.status, child?.output]).toEqual(["Completed", '"ok after 2"']);
  });
});

describe("scenario 6: DT.AS's client manages instances a taskhub worker runs", () => {
  const id = (s: string): string => `m-${s}-${run}`;
  const until = async (s: string, status: string): Promise<DtfState> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const st = await fx.peer.state(hubT, id(s));
      if (st?.status === status) return st;
      if (Date.now() > deadline) throw new Error(`${id(s)} is ${st?.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  it("terminates, suspends and resumes, rewinds, queries and purges", async () => {
    for (const s of ["term", "susp"]) await fx.peer.startInstance(hubT, "LongRunning", id(s), undefined);
    await fx.peer.startInstance(
      hubT,
      "RetryThenSucceed",
      id("rewind"),
      JSON.stringify({ key: id("rewind"), failures: 3 }),
    );
    for (const s of ["term", "susp"]) await until(s, "Running");

    await fx.peer.call("terminate", hubT, { instanceId: id("term"), reason: "stop it" });
    // DTF's terminate reason is the output as it is (not JSON), on both runtimes.
    expect((await until("term", "Terminated")).output).toBe("stop it");

    await fx.peer.call("suspend", hubT, { instanceId: id("susp"), reason: "pause" });
    await until("susp", "Suspended");
    await fx.peer.raise(hubT, id("susp"), "finish", '"while suspended"');
    await fx.peer.call("resume", hubT, { instanceId: id("susp"), reason: "go on" });
    expect((await until("susp", "Completed")).output).toBe('{"finished":"while suspended"}');

    const seen: string[] = [];
    let token: string | null | undefined;
    let pages = 0;
    do {
      const page = await fx.peer.call<{ items: DtfState[]; continuationToken: string | null }>(
        "query",
        hubT,
        {
          prefix: "m-",
          pageSize: 2,
          continuationToken: token,
        },
      );
      seen.push(...page.items.map((s) => s.instanceId));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(seen.sort()).toEqual([id("rewind"), id("susp"), id("term")].sort());
    expect(pages).toBeGreaterThanOrEqual(2);
    const terminated = await fx.peer.call<{ items: DtfState[] }>("query", hubT, { statuses: ["Terminated"] });
    expect(terminated.items.map((s) => s.instanceId)).toEqual([id("term")]);

    expect(await fx.peer.call("purge", hubT, { instanceId: id("term") })).toMatchObject({
      instancesDeleted: 1,
    });
    const purged = await fx.peer.call<{ instancesDeleted: number }>("purgeFilter", hubT, {
      createdFrom: new Date(Date.now() - 3600_000).toISOString(),
      statuses: ["Completed"],
    });
    expect(purged.instancesDeleted).toBe(1);
    expect(
      await taskhubClient(fx.connectionString, hubT).getOrchestrationState(id("susp")),
      "taskhub no longer sees it",
    ).toBeUndefined();
  });
  // DT.AS's client rewrites the failed history rows and wakes the instance with a GenericEvent; a taskhub
  // worker replays the rewritten history and runs the failed work again, in a failed child too. (A retried
  // activity is left out: DT.AS's own rewind leaves its retry timers, and replay then fails on either runtime.)
  it("carries out DT.AS's rewind of a failed activity and of a failed sub-orchestration", async () => {
    const rid = (s: string): string => `r-${s}-${run}`;
    await fx.peer.startInstance(
      hubT,
      "FlakyOnce",
      rid("once"),
      JSON.stringify({ key: rid("once"), failures: 1 }),
    );
    await fx.peer.startInstance(
      hubT,
      "ParentOfFlaky",
      rid("parent"),
      JSON.stringify({ key: rid("parent"), failures: 1 }),
    );
    const untilId = async (instanceId: string, status: string): Promise<DtfState> => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const st = await fx.peer.state(hubT, instanceId);
        if (st?.status === status) return st;
        if (Date.now() > deadline) throw new Error(`${instanceId} is ${st?.status}, not ${status}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    for (const s of ["once", "parent"]) {
      await untilId(rid(s), "Failed");
      await fx.peer.call("rewind", hubT, { instanceId: rid(s), reason: "try again" });
    }
    expect((await untilId(rid("once"), "Completed")).output).toBe('"ok after 2"');
    expect((await untilId(rid("parent"), "Completed")).output).toBe('{"child":"ok after 2"}');
    expect((await untilId(`${rid("parent")}:child`, "Completed")).output).toBe('"ok after 2"');
  });
});
