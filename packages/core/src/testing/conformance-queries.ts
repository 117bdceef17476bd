/**
 * Conformance cases: instance queries and counts (the dashboard's filters), the same answers on every backend.
 * A backend may filter some conditions itself and cut pages short, so the cases compare what a whole listing
 * yields, and that no page is over its size.
 */
import type { Page } from "../backend/service.js";
import type { TaskHubClient } from "../client.js";
import type { OrchestrationState } from "../state/orchestration-state.js";
import type { Harness, Suite } from "./conformance-harness.js";

/** `start`: before every seeded instance was created; `mark`: see `seed`. */
interface Seeded {
  mark: Date;
  start: Date;
}

/** The seeded instances with the id prefix "q-", sorted. */
const ALL = ["q-a-0", "q-a-1", "q-a-2", "q-b-0", "q-b-1", "q-b-2", "q-c-0", "q-d-0"];

export function queryConformance(suite: Suite): void {
  const { describe, it, expect, withHarness, waitForStatus, waitTimeoutMs } = suite;

  /**
   * q-a-*: Sequence, Completed, no custom status. q-b-0 and q-b-1: Labelled "Awaiting Approval", Running;
   * q-b-2: Labelled {"stage":"approved"}, Completed. q-c-0: Labelled without a custom status, Completed.
   * other-0: WaitEvent, Running. Then `mark`; after it, q-b-0 gets its event (Completed, updated after mark)
   * and q-d-0 (Sequence) is created.
   */
  async function seed({ client, wait }: Harness): Promise<Seeded> {
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
    const start = new Date(Date.now() - 1000);
    for (let i = 0; i < 3; i++)
      await client.scheduleNewOrchestration("Sequence", [i], { instanceId: `q-a-${i}` });
    for (const id of ["q-b-0", "q-b-1"])
      await client.scheduleNewOrchestration(
        "Labelled",
        { status: "Awaiting Approval", wait: true },
        { instanceId: id },
      );
    await client.scheduleNewOrchestration(
      "Labelled",
      { status: { stage: "approved" } },
      { instanceId: "q-b-2" },
    );
    await client.scheduleNewOrchestration("Labelled", {}, { instanceId: "q-c-0" });
    await client.scheduleNewOrchestration("WaitEvent", "never", { instanceId: "other-0" });
    for (const id of ["q-a-0", "q-a-1", "q-a-2", "q-b-2", "q-c-0"]) await wait(id);
    for (const id of ["q-b-0", "q-b-1", "other-0"]) await waitForStatus(client, id, "Running");
    await pause();
    const mark = new Date();
    await pause();
    await client.raiseEvent("q-b-0", "go", 1);
    await client.scheduleNewOrchestration("Sequence", [9], { instanceId: "q-d-0" });
    await wait("q-b-0");
    await wait("q-d-0");
    return { mark, start };
  }

  async function ids(
    client: TaskHubClient,
    query: Parameters<TaskHubClient["listInstances"]>[0],
  ): Promise<string[]> {
    const out: string[] = [];
    for await (const s of client.listInstances(query)) out.push(s.instanceId);
    return out.sort();
  }

  function invalidArgument(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return undefined;
  }

  describe("instance queries", () => {
    it(
      "lists by names, statuses, id prefix, custom status (ignoring case) and created / last-updated ranges",
      () =>
        withHarness(async (h) => {
          const { mark, start } = await seed(h);
          const { client } = h;
          const q = { instanceIdPrefix: "q-" };
          expect(await ids(client, q)).toEqual(ALL);
          expect(await ids(client, {})).toEqual([...ALL, "other-0"].sort());
          expect(await ids(client, { ...q, names: ["Labelled"] })).toEqual([
            "q-b-0",
            "q-b-1",
            "q-b-2",
            "q-c-0",
          ]);
          expect(await ids(client, { names: ["Sequence", "WaitEvent"] })).toEqual(
            ["q-a-0", "q-a-1", "q-a-2", "q-d-0", "other-0"].sort(),
          );
          expect(await ids(client, { names: ["labelled"] }), "names match exactly, case included").toEqual(
            [],
          );
          expect(await ids(client, { statuses: ["Running"] })).toEqual(["other-0", "q-b-1"]);
          expect(await ids(client, { ...q, statuses: ["Running", "Failed"] })).toEqual(["q-b-1"]);
          expect(await ids(client, { customStatusContains: "approv" })).toEqual(["q-b-0", "q-b-1", "q-b-2"]);
          expect(await ids(client, { customStatusContains: "AWAITING APPROVAL" })).toEqual([
            "q-b-0",
            "q-b-1",
          ]);
          expect(await ids(client, { customStatusContains: '"stage":"approved"' })).toEqual(["q-b-2"]);
          expect(
            await ids(client, { customStatusContains: "null" }),
            "no custom status never matches",
          ).toEqual([]);
          expect(
            await ids(client, {
              names: ["Labelled"],
              statuses: ["Completed"],
              customStatusContains: "approv",
              instanceIdPrefix: "q-b",
            }),
          ).toEqual(["q-b-0", "q-b-2"]);
          expect(await ids(client, { ...q, createdFrom: mark })).toEqual(["q-d-0"]);
          expect(await ids(client, { createdFrom: mark, createdTo: start }), "a reversed range").toEqual([]);
          expect(await ids(client, { ...q, createdFrom: start, createdTo: mark })).toEqual(
            ALL.filter((x) => x !== "q-d-0"),
          );
          expect(await ids(client, { ...q, lastUpdatedFrom: mark })).toEqual(["q-b-0", "q-d-0"]);
          expect(await ids(client, { lastUpdatedTo: mark, statuses: ["Running"] })).toEqual([
            "other-0",
            "q-b-1",
          ]);
          expect(
            await ids(client, { lastUpdatedFrom: mark, createdTo: mark, customStatusContains: "approval" }),
          ).toEqual(["q-b-0"]);
        }),
      waitTimeoutMs * 3,
    );

    it(
      "counts per status with the same filters; pages of a filtered listing hold at most maxPageSize, each match once",
      () =>
        withHarness(async (h) => {
          await seed(h);
          const { client } = h;
          const all = await client.countInstancesByStatus();
          expect(all).toEqual({
            total: 9,
            byStatus: {
              Running: 2,
              Completed: 7,
              ContinuedAsNew: 0,
              Failed: 0,
              Canceled: 0,
              Terminated: 0,
              Pending: 0,
              Suspended: 0,
            },
          });
          const approvals = await client.countInstancesByStatus({ customStatusContains: "approv" });
          expect(approvals.total).toBe(3);
          expect(approvals.byStatus).toMatchObject({ Running: 1, Completed: 2 });
          const some = await client.countInstancesByStatus({
            names: ["Sequence", "Labelled"],
            statuses: ["Completed"],
            instanceIdPrefix: "q-",
          });
          expect(some.total).toBe(7);
          expect(some.byStatus.Running).toBe(0);
          expect((await client.countInstancesByStatus({ instanceIdPrefix: "zz" })).total).toBe(0);

          for (const maxPageSize of [1, 2]) {
            for (const fetchPayloads of [true, false]) {
              const seen: string[] = [];
              let last: string | undefined = "none yet";
              for await (const page of client
                .listInstances({ customStatusContains: "approv", maxPageSize, fetchPayloads })
                .byPage()) {
                expect(page.items.length).toBeLessThanOrEqual(maxPageSize);
                seen.push(...page.items.map((s) => s.instanceId));
                last = page.continuationToken;
              }
              expect(last).toBeUndefined();
              expect(seen.sort()).toEqual(["q-b-0", "q-b-1", "q-b-2"]);
            }
          }
          // A token continues the same filter: the pages after the first have the rest.
          const list = client.listInstances({ instanceIdPrefix: "q-", names: ["Labelled"], maxPageSize: 3 });
          const first = (await list.byPage().next()).value as Page<OrchestrationState>;
          expect(first.items).toHaveLength(3);
          const rest: string[] = [];
          for await (const page of list.byPage({ continuationToken: first.continuationToken }))
            rest.push(...page.items.map((s) => s.instanceId));
          expect([...first.items.map((s) => s.instanceId), ...rest].sort()).toEqual([
            "q-b-0",
            "q-b-1",
            "q-b-2",
            "q-c-0",
          ]);
        }),
      waitTimeoutMs * 3,
    );

    it("refuses a malformed filter with InvalidArgument, before reading anything", () =>
      withHarness(async ({ client }) => {
        const bad: Record<string, unknown>[] = [
          { statuses: ["Bogus"] },
          { statuses: ["Running", "running"] },
          { createdFrom: new Date("not a date") },
          { lastUpdatedTo: "2024-01-01" },
          { names: [""] },
          { names: "Sequence" },
          { customStatusContains: "" },
          { instanceIdPrefix: 5 },
        ];
        for (const filter of bad) {
          const what = JSON.stringify(filter);
          expect(
            invalidArgument(() => client.listInstances(filter as never)),
            what,
          ).toBe("InvalidArgument");
          await expect(client.countInstancesByStatus(filter as never), what).rejects.toMatchObject({
            code: "InvalidArgument",
          });
        }
        for (const maxPageSize of [0, -1, 1001, 2.5]) {
          const pages = client.listInstances({ maxPageSize }).byPage();
          await expect(pages.next(), `maxPageSize ${maxPageSize}`).rejects.toMatchObject({
            code: "InvalidArgument",
          });
        }
      }));
  });
}
