// Table batches built by submitTableBatch against Azurite: the same $batch request the table SDK's
// submitTransaction sends, the same results and the same errors.
import { randomBytes } from "node:crypto";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import { createStorageClients, RequestCounter } from "../../src/index.js";
import { submitTableBatch } from "../../src/storage/table-batch.js";

const uniqueName = (): string => `t${randomBytes(6).toString("hex")}`;
const azurite = (): string => inject("azuriteConnectionString");

/** Records the body of every $batch request the client sends, with its ids and table name made neutral. */
function recordBatches(client: TableClient): string[] {
  const bodies: string[] = [];
  const policy: PipelinePolicy = {
    name: "recordBatches",
    sendRequest(request, next) {
      if (request.url.endsWith("$batch"))
        bodies.push(
          [...request.headers]
            .filter(
              ([name]) =>
                !["authorization", "x-ms-date", "x-ms-client-request-id", "content-length"].includes(name),
            )
            .map(([name, value]) => `${name}: ${value}`)
            .sort()
            .join("\n")
            .concat("\n\n", String(request.body))
            .replace(/(batch|changeset)_[0-9a-f-]{36}/g, "$1_ID")
            .replaceAll(client.tableName, "TABLE"),
        );
      return next(request);
    },
  };
  client.pipeline.addPolicy(policy, { afterPhase: "Retry" });
  return bodies;
}

const pk = "inst'1 é+";
const steps = (etag: () => string): TransactionAction[][] => [
  [
    [
      "upsert",
      {
        partitionKey: pk,
        rowKey: "0000000000000000",
        EventType: "ExecutionStarted",
        EventId: -1,
        Big: 5_000_000_000,
        Ratio: 1.5,
        Flag: true,
        Nothing: null,
        Skipped: undefined,
        Long: BigInt("9007199254740993"),
        Bytes: new Uint8Array([1, 2, 255]),
        When: new Date("2026-01-02T03:04:05.678Z"),
        Timestamp: { value: "2026-01-01T00:00:00.000Z", type: "DateTime" },
        Id: { value: "3e6a8c6f-1c56-4a4b-9b7c-0d6a1e0f2a11", type: "Guid" },
        Input: 'x\u00e9"\\\u2028',
      },
      "Replace",
    ],
    ["create", { partitionKey: pk, rowKey: "sentinel", IsCheckpointComplete: false }],
  ],
  [
    ["upsert", { partitionKey: pk, rowKey: "0000000000000001", A: "a" }, "Merge"],
    [
      "update",
      { partitionKey: pk, rowKey: "sentinel", IsCheckpointComplete: true },
      "Merge",
      { etag: etag() },
    ],
    ["update", { partitionKey: pk, rowKey: "0000000000000000", A: "b" }, "Replace"],
  ],
  [
    ["delete", { partitionKey: pk, rowKey: "0000000000000001" }],
    ["update", { partitionKey: pk, rowKey: "0000000000000000", A: "c" }],
  ],
];

describe("submitTableBatch on Azurite", () => {
  it("sends the request the SDK's submitTransaction sends, and reads its answer alike", async () => {
    const counter = new RequestCounter();
    const c = createStorageClients({ connectionString: azurite() }, { counter });
    const [sdkName, ownName] = [uniqueName(), uniqueName()];
    await Promise.all([c.tableService.createTable(sdkName), c.tableService.createTable(ownName)]);
    const sdk = c.table(sdkName);
    const own = c.table(ownName);
    const sdkBodies = recordBatches(sdk);
    const ownBodies = recordBatches(own);
    let sdkEtag = "";
    let ownEtag = "";
    const sdkSteps = steps(() => sdkEtag);
    const ownSteps = steps(() => ownEtag);
    for (let i = 0; i < sdkSteps.length; i++) {
      const before = counter.snapshot();
      const a = await sdk.submitTransaction(sdkSteps[i]!);
      const b = await submitTableBatch(own, ownSteps[i]!);
      expect(counter.diff(before).byOperation).toEqual({ "table.Batch": 2 });
      expect(b.status).toBe(a.status);
      expect(b.subResponses.map((r) => [r.status, r.rowKey, typeof r.etag])).toEqual(
        a.subResponses.map((r) => [r.status, r.rowKey, typeof r.etag]),
      );
      if (i === 0) {
        sdkEtag = a.subResponses[1]!.etag!;
        ownEtag = b.subResponses[1]!.etag!;
        expect(b.getResponseForEntity("sentinel")?.etag).toBe(ownEtag);
      }
    }
    expect(ownBodies).toEqual(sdkBodies);
    expect(ownBodies).toHaveLength(3);
    const rows = async (t: TableClient): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const r of t.listEntities({ disableTypeConversion: true }))
        out.push({ ...r, etag: undefined, timestamp: undefined });
      return out;
    };
    expect(await rows(own)).toEqual(await rows(sdk));
  });

  it("fails as submitTransaction fails: a stale ETag with 412, an existing row with 409, each with its code", async () => {
    const c = createStorageClients({ connectionString: azurite() });
    const t = c.table(uniqueName());
    await c.tableService.createTable(t.tableName);
    const first = await submitTableBatch(t, [["create", { partitionKey: "p", rowKey: "s", V: 1 }]]);
    await submitTableBatch(t, [
      ["update", { partitionKey: "p", rowKey: "s", V: 2 }, "Merge", { etag: first.subResponses[0]!.etag }],
    ]);
    const stale = [
      ["update", { partitionKey: "p", rowKey: "s", V: 3 }, "Merge", { etag: first.subResponses[0]!.etag }],
    ] as TransactionAction[];
    await expect(submitTableBatch(t, stale)).rejects.toMatchObject({
      statusCode: 412,
      code: "UpdateConditionNotSatisfied",
    });
    await expect(t.submitTransaction(stale)).rejects.toMatchObject({
      statusCode: 412,
      code: "UpdateConditionNotSatisfied",
    });
    await expect(submitTableBatch(t, [["create", { partitionKey: "p", rowKey: "s" }]])).rejects.toMatchObject(
      {
        statusCode: 409,
        code: "EntityAlreadyExists",
      },
    );
    expect((await t.getEntity("p", "s")).V).toBe(2);
    await expect(
      submitTableBatch(t, [
        ["create", { partitionKey: "p", rowKey: "1" }],
        ["create", { partitionKey: "q", rowKey: "2" }],
      ]),
    ).rejects.toThrow(/same partitionKey/);
  });
});
