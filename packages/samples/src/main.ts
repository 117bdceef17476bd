/**
 * The main job (`npm start`): a worker running the sample orchestrations on Azure Storage. Without
 * AZURE_STORAGE_CONNECTION_STRING it starts an embedded Azurite (in memory; Storage Explorer's default
 * emulator ports when free), runs every sample, prints the results and where to look in Storage
 * Explorer, and keeps serving until Ctrl+C. Flags: `--exit` stops after the samples; `--in-memory` uses
 * the in-memory backend instead of Azure Storage.
 */
import { TaskHubClient, TaskHubWorker, type OrchestrationService, type OrchestrationServiceClient, type OrchestrationState } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import { AzureStorageOrchestrationService } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azure-storage/testing";
import { registerSamples } from "./patterns.js";

const args = new Set(process.argv.slice(2));
const TASK_HUB = process.env.TASKHUB_NAME ?? "SamplesHub";

function show(label: string, s: OrchestrationState): void {
  const took = s.lastUpdatedAt.getTime() - s.createdAt.getTime();
  console.log(`${label.padEnd(18)} ${s.runtimeStatus.padEnd(10)} ${JSON.stringify(s.output)}  (${s.instanceId}, ${took} ms)`);
}

async function embeddedAzurite(): Promise<AzuriteInstance> {
  try {
    return await startAzurite({ blobPort: 10000, queuePort: 10001, tablePort: 10002 });
  } catch {
    return startAzurite();
  }
}

async function main(): Promise<void> {
  let azurite: AzuriteInstance | undefined;
  let service: OrchestrationService & OrchestrationServiceClient;
  let connectionString: string | undefined;
  if (args.has("--in-memory")) {
    service = new InMemoryOrchestrationService();
    console.log("taskhub samples on the in-memory backend\n");
  } else {
    connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
    if (!connectionString) {
      azurite = await embeddedAzurite();
      connectionString = azurite.connectionString;
      console.log(`started an embedded Azurite (in memory): queue ${azurite.queueEndpoint}, table ${azurite.tableEndpoint}, blob ${azurite.blobEndpoint}`);
    } else {
      console.log("using the storage account from AZURE_STORAGE_CONNECTION_STRING");
    }
    service = new AzureStorageOrchestrationService({ taskHubName: TASK_HUB, storage: { connectionString }, maxPollingIntervalMs: 1000 });
    console.log(`task hub ${TASK_HUB}\n`);
  }

  const worker = registerSamples(new TaskHubWorker(service), {
    jobCompletesAfterPolls: 3,
    record: (kind, value) => console.log(`  [activity] ${kind}: ${JSON.stringify(value)}`),
  });
  await worker.start();
  const client = new TaskHubClient(service);
  const wait = (id: string): Promise<OrchestrationState> => client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });

  show("HelloCities", await wait(await client.scheduleNewOrchestration("HelloCities", undefined, { instanceId: "hello-cities", dedupeStatuses: [] })));
  show("FunctionChaining", await wait(await client.scheduleNewOrchestration("FunctionChaining", 5)));
  show("FanOutFanIn", await wait(await client.scheduleNewOrchestration("FanOutFanIn", 100)));
  show("Monitor", await wait(await client.scheduleNewOrchestration("Monitor", { jobId: "job-1", pollingIntervalMs: 1000, expiryMs: 30_000 })));
  const approval = await client.scheduleNewOrchestration("HumanInteraction", { requestId: "req-1", timeoutMs: 72 * 3600_000 });
  await client.waitForOrchestrationStart(approval);
  await client.raiseEvent(approval, "ApprovalEvent", true);
  show("HumanInteraction", await wait(approval));
  show("HumanInteraction", await wait(await client.scheduleNewOrchestration("HumanInteraction", { requestId: "req-2", timeoutMs: 1000 })));
  show("Eternal", await wait(await client.scheduleNewOrchestration("Eternal", { iteration: 0, stopAfter: 3, intervalMs: 1000 })));

  // The aggregator: clients signal a counter entity; an orchestration and a client read it.
  for (const n of [1, 2, 3, 4]) await client.signalEntity({ name: "Counter", key: "visits" }, "add", n);
  await client.signalEntity({ name: "CounterClass", key: "visits" }, "add", 10);
  show("Aggregator", await wait(await client.scheduleNewOrchestration("ReadCounter", "visits")));
  for (let i = 0; i < 100 && (await client.getEntity({ name: "CounterClass", key: "visits" }))?.state === undefined; i++)
    await new Promise((r) => setTimeout(r, 100));
  console.log(`${"Aggregator (class)".padEnd(18)} ${JSON.stringify((await client.getEntity({ name: "CounterClass", key: "visits" }))?.state)}  (@counterclass@visits)`);

  if (connectionString) {
    console.log(`
Inspect the task hub in Azure Storage Explorer (attach to a local emulator, or use this connection string):
  ${azurite ? connectionString : "(your AZURE_STORAGE_CONNECTION_STRING)"}
  tables  ${TASK_HUB}History (one partition per instance; try PartitionKey 'hello-cities' or '@counter@visits')
          and ${TASK_HUB}Instances (entities are the rows whose PartitionKey starts with '@')
  queues  ${TASK_HUB.toLowerCase()}-control-00..03, ${TASK_HUB.toLowerCase()}-workitems`);
  }
  const stop = async (): Promise<void> => {
    await worker.stop({ drainTimeoutMs: 5000 });
    await azurite?.stop();
  };
  if (args.has("--exit")) return stop();
  console.log("\nthe worker keeps running; press Ctrl+C to stop");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
