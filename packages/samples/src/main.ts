/**
 * The main job (`npm start`): a worker running the sample orchestrations on the in-memory backend,
 * printing each result. (The Azure Storage issue switches this to an embedded Azurite.)
 */
import { TaskHubClient, TaskHubWorker, type OrchestrationState } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import { registerSamples } from "./patterns.js";

function show(label: string, s: OrchestrationState): void {
  const took = s.lastUpdatedAt.getTime() - s.createdAt.getTime();
  console.log(`${label.padEnd(20)} ${s.runtimeStatus.padEnd(10)} ${JSON.stringify(s.output)}  (${s.instanceId}, ${took} ms)`);
}

async function main(): Promise<void> {
  const service = new InMemoryOrchestrationService();
  const worker = registerSamples(new TaskHubWorker(service), {
    jobCompletesAfterPolls: 3,
    record: (kind, value) => console.log(`  [activity] ${kind}: ${JSON.stringify(value)}`),
  });
  await worker.start();
  const client = new TaskHubClient(service);
  const wait = (id: string): Promise<OrchestrationState> => client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
  console.log("taskhub samples on the in-memory backend\n");

  show("HelloCities", await wait(await client.scheduleNewOrchestration("HelloCities")));
  show("FunctionChaining", await wait(await client.scheduleNewOrchestration("FunctionChaining", 5)));
  show("FanOutFanIn", await wait(await client.scheduleNewOrchestration("FanOutFanIn", 100)));
  show("Monitor", await wait(await client.scheduleNewOrchestration("Monitor", { jobId: "job-1", pollingIntervalMs: 200, expiryMs: 10_000 })));

  const approval = await client.scheduleNewOrchestration("HumanInteraction", { requestId: "req-1", timeoutMs: 72 * 3600_000 });
  await client.waitForOrchestrationStart(approval);
  await client.raiseEvent(approval, "ApprovalEvent", true);
  show("HumanInteraction", await wait(approval));
  show("HumanInteraction", await wait(await client.scheduleNewOrchestration("HumanInteraction", { requestId: "req-2", timeoutMs: 500 })));

  show("Eternal", await wait(await client.scheduleNewOrchestration("Eternal", { iteration: 0, stopAfter: 3, intervalMs: 100 })));
  await worker.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
