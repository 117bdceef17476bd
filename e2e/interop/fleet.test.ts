// Scenario 4 of the interop suite: a mixed fleet. One DT.AS worker and one taskhub worker serve the same hub at
// the same time; both clients start instances, some with sub-orchestrations whose children land on partitions
// the other runtime owns. Every instance completes exactly once with the right output, the partitions are split
// between the two runtimes, and no partition is ever held by both.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEvent } from "@taskhub/core";
import { partitionIndex } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { DtfPeer } from "./peer.js";
import { startTaskhubWorker, taskhubClient, type RunningTaskhubWorker } from "./taskhub.js";

let azurite: AzuriteInstance;
let peer: DtfPeer;

beforeAll(async () => {
  azurite = await startAzurite();
  peer = await DtfPeer.start(azurite.connectionString);
});

afterAll(async () => {
  await peer?.stop();
  await azurite?.stop();
});

const PARTITIONS = 4;
const DTAS = "dtas-fleet";
const TASKHUB = "taskhub-fleet";
const CITIES = ["Tokyo", "Seattle", "London", "Paris", "Cairo"];

/** The mix each client starts, `PER_KIND` of each: name, input, expected output, children's instance ids. */
const PER_KIND = 15;
const KINDS = [
  {
    name: "HelloSequence",
    input: (n: number) => `p${n}`,
    output: (n: number) => CITIES.map((c) => `Hello, p${n} ${c}!`),
    children: () => [] as string[],
  },
  { name: "FanOutFanIn", input: () => 5, output: () => 30, children: () => [] as string[] },
  {
    name: "Parent",
    input: (n: number) => n,
    output: (n: number) => ({ child: 2 * n + 1 }),
    children: (id: string) => [`${id}:child`],
  },
  {
    name: "FanOutChildren",
    input: () => 3,
    output: () => 15, // (2·1+1) + (2·2+1) + (2·3+1)
    children: (id: string) => [1, 2, 3].map((i) => `${id}:c${i}`),
  },
] as const;

interface Sample {
  at: number;
  owners: (string | undefined)[];
  /** Partitions the taskhub worker listened on both just before and just after the table was read. */
  taskhubListening: number[];
}

type Manager = "table" | "blob";

/** Who holds each partition in storage: `<hub>Partitions` CurrentOwner, or the owner of a leased ownership blob. */
async function storedOwners(worker: RunningTaskhubWorker, manager: Manager): Promise<(string | undefined)[]> {
  const { clients, names } = worker.service;
  if (manager === "table") {
    const owners: (string | undefined)[] = names.controlQueues.map(() => undefined);
    for await (const row of clients.table(names.partitionsTable).listEntities<{ CurrentOwner?: string }>()) {
      const p = names.controlQueues.indexOf(row.rowKey ?? "");
      if (p >= 0) owners[p] = row.CurrentOwner || undefined;
    }
    return owners;
  }
  return Promise.all(
    names.controlQueues.map(async (q) => {
      const res = await clients.container(names.leasesContainer).getBlobClient(`ownership/${q}`).download();
      const chunks: Buffer[] = [];
      for await (const c of res.readableStreamBody!) chunks.push(c as Buffer);
      const owner = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Owner?: string | null }).Owner;
      return res.leaseState === "leased" && owner ? owner : undefined;
    }),
  );
}

/** Reads the stored owners between two looks at the taskhub worker's own view. */
async function sample(worker: RunningTaskhubWorker, manager: Manager): Promise<Sample> {
  const before = new Set(worker.service.ownedPartitions());
  const owners = await storedOwners(worker, manager);
  const after = new Set(worker.service.ownedPartitions());
  return { at: Date.now(), owners, taskhubListening: [...before].filter((p) => after.has(p)) };
}

/** Exactly once: one start, one completion, each scheduled task and child answered once. */
function onceViolations(id: string, history: HistoryEvent[]): string[] {
  const out: string[] = [];
  const count = (t: string) => history.filter((e) => e.type === t).length;
  for (const t of ["ExecutionStarted", "ExecutionCompleted"])
    if (count(t) !== 1) out.push(`${id}: ${count(t)} ${t}`);
  const pairs = [
    ["TaskScheduled", "TaskCompleted"],
    ["SubOrchestrationInstanceCreated", "SubOrchestrationInstanceCompleted"],
  ] as const;
  for (const [scheduled, completed] of pairs) {
    const ids = history.filter((e) => e.type === scheduled).map((e) => e.eventId);
    if (new Set(ids).size !== ids.length) out.push(`${id}: ${scheduled} ids repeat: ${ids.join(",")}`);
    for (const sid of ids) {
      const n = history.filter(
        (e) => e.type === completed && (e as { taskScheduledId?: number }).taskScheduledId === sid,
      ).length;
      if (n !== 1) out.push(`${id}: ${scheduled} ${sid} answered ${n} times`);
    }
    const answered = history.filter((e) => e.type === completed).length;
    if (answered !== ids.length) out.push(`${id}: ${answered} ${completed} for ${ids.length} ${scheduled}`);
  }
  return out;
}

async function poll(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const MANAGERS = [
  { manager: "table", dtas: "table" },
  { manager: "blob", dtas: "safe" },
] as const;

describe("scenario 4: a mixed fleet", () => {
  it.each(MANAGERS)(
    "splits the $manager manager's partitions and runs every instance exactly once",
    async ({ manager, dtas }) => {
      const hub = `fleet${manager === "table" ? "T" : "B"}${randomBytes(3).toString("hex")}`;
      const client = taskhubClient(azurite.connectionString, hub, PARTITIONS);
      // Count what the taskhub worker runs (same results as the app's activities).
      const ranOnTaskhub = { SayHello: 0, Double: 0 };
      const taskhub = await startTaskhubWorker(azurite.connectionString, hub, {
        partitionCount: PARTITIONS,
        partitionManagement: manager,
        workerId: TASKHUB,
        activities: {
          SayHello: (_ctx, name: string) => (ranOnTaskhub.SayHello++, `Hello, ${name}!`),
          Double: (_ctx, n: number) => (ranOnTaskhub.Double++, n * 2),
        },
      });
      let dtasRunning = false;
      const samples: Sample[] = [];
      let sampling = true;
      let sampler: Promise<void> | undefined;
      try {
        await peer.startWorker(hub, { partitionCount: PARTITIONS, partitionManager: dtas, workerId: DTAS });
        dtasRunning = true;

        // Both runtimes hold partitions (DT.AS steals from the first worker through NextOwner) before any instance.
        let last: Sample | undefined;
        await poll(
          "both workers to own partitions",
          async () => {
            last = await sample(taskhub, manager);
            return (
              last.owners.includes(DTAS) && last.owners.includes(TASKHUB) && !last.owners.includes(undefined)
            );
          },
          120_000,
        ).catch((e: Error) => {
          throw new Error(`${e.message}; partitions table: ${JSON.stringify(last?.owners)}`);
        });

        sampler = (async () => {
          while (sampling) {
            samples.push(await sample(taskhub, manager));
            await new Promise((r) => setTimeout(r, 1000));
          }
        })();

        // Both clients start half of the instances each.
        const started: { id: string; kind: (typeof KINDS)[number]; n: number; by: "taskhub" | "DT.AS" }[] =
          [];
        for (const kind of KINDS)
          for (let n = 1; n <= PER_KIND; n++)
            for (const by of ["taskhub", "DT.AS"] as const) {
              const id = `${kind.name}-${by === "taskhub" ? "t" : "d"}${n}`;
              if (by === "taskhub")
                await client.scheduleNewOrchestration(kind.name, kind.input(n), { instanceId: id });
              else await peer.startInstance(hub, kind.name, id, JSON.stringify(kind.input(n)));
              started.push({ id, kind, n, by });
            }

        for (const s of started) {
          const state = await client.waitForOrchestrationCompletion(s.id, { timeoutMs: 180_000 });
          expect({ id: s.id, status: state.runtimeStatus, output: state.output }).toEqual({
            id: s.id,
            status: "Completed",
            output: s.kind.output(s.n),
          });
        }
        sampling = false;
        await sampler;

        // Exactly once, for every instance and every child.
        const all = started.flatMap((s) => [s.id, ...s.kind.children(s.id)]);
        const violations: string[] = [];
        for (const id of all)
          violations.push(...onceViolations(id, await client.getOrchestrationHistory(id)));
        expect(violations).toEqual([]);

        // Never held by both: taskhub listened only on partitions the table says it owns.
        const both = samples.flatMap((s) =>
          s.taskhubListening
            .filter((p) => s.owners[p] !== TASKHUB)
            .map(
              (p) =>
                `${new Date(s.at).toISOString()} partition ${p}: table says ${s.owners[p]}, taskhub listens`,
            ),
        );
        expect(both).toEqual([]);
        expect(samples.length).toBeGreaterThan(2);

        // Both ran orchestrations: an instance whose partition had one owner in every sample of the run ran there.
        const ranBy = { [DTAS]: 0, [TASKHUB]: 0 } as Record<string, number>;
        for (const id of all) {
          const p = partitionIndex(id, PARTITIONS);
          const owners = new Set(samples.map((s) => s.owners[p]));
          if (owners.size === 1) {
            const [o] = [...owners];
            if (o) ranBy[o] = (ranBy[o] ?? 0) + 1;
          }
        }
        const end = await sample(taskhub, manager);
        const report = {
          instances: all.length,
          orchestrationsRunBy: ranBy,
          activitiesRunByTaskhub: ranOnTaskhub,
          activitiesInAll: started.reduce(
            (a, s) => a + { HelloSequence: 5, FanOutFanIn: 5, Parent: 1, FanOutChildren: 3 }[s.kind.name],
            0,
          ),
          partitionsAtEnd: end.owners,
          samples: samples.length,
        };
        console.log(`scenario 4 (${manager}): ${JSON.stringify(report)}`);
        expect(ranBy[DTAS], JSON.stringify(report)).toBeGreaterThan(0);
        expect(ranBy[TASKHUB], JSON.stringify(report)).toBeGreaterThan(0);

        // At the end each partition has exactly one owner, and each runtime owns at least one.
        expect(
          end.owners.every((o) => o === DTAS || o === TASKHUB),
          JSON.stringify(end.owners),
        ).toBe(true);
        expect(end.owners.filter((o) => o === DTAS).length).toBeGreaterThan(0);
        expect(end.owners.filter((o) => o === TASKHUB).length).toBeGreaterThan(0);
        expect([...end.taskhubListening].sort()).toEqual(
          end.owners.flatMap((o, p) => (o === TASKHUB ? [p] : [])),
        );
      } finally {
        sampling = false;
        await sampler?.catch(() => undefined);
        await taskhub.stop();
        if (dtasRunning) await peer.stopWorker(hub);
      }
    },
  );
});
