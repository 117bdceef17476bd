// Runs a function app on a worker over the in-memory backend with a virtual clock that jumps to the next
// timer when nothing else is ready, so durable timers of hours take milliseconds.
import { TaskHubWorker } from "@taskhub/core";
import { InMemoryOrchestrationService } from "@taskhub/core/testing";
import { createApp, type DurableClient, type FunctionApp, type RegisterOptions } from "../src/index.js";

export interface Running {
  app: FunctionApp;
  service: InMemoryOrchestrationService;
  worker: TaskHubWorker;
  client: DurableClient;
  /** Start `name`, wait for it to finish, return its status. */
  run(
    name: string,
    input?: unknown,
    instanceId?: string,
  ): Promise<Awaited<ReturnType<DurableClient["getStatus"]>>>;
  wait(instanceId: string): Promise<Awaited<ReturnType<DurableClient["getStatus"]>>>;
  stop(): Promise<void>;
}

export async function start(
  declare: (app: FunctionApp) => void,
  options: RegisterOptions & { virtual?: boolean } = {},
): Promise<Running> {
  const app = createApp();
  declare(app);
  const virtual = options.virtual ?? true;
  const service = new InMemoryOrchestrationService(
    virtual ? { clock: "virtual", autoAdvanceTime: true, pollIntervalMs: 20 } : { pollIntervalMs: 20 },
  );
  const worker = new TaskHubWorker(service);
  app.register(worker, { taskHubName: "TestHub", ...options });
  await worker.start();
  const client = app.getClient();
  const wait = async (id: string) => {
    await client.client.waitForOrchestrationCompletion(id, { timeoutMs: 20_000 });
    return client.getStatus(id, { showHistory: true, showHistoryOutput: true });
  };
  return {
    app,
    service,
    worker,
    client,
    wait,
    async run(name, input, instanceId) {
      const id = await client.startNew(name, { input, ...(instanceId ? { instanceId } : {}) });
      return wait(id);
    },
    stop: () => worker.stop({ drainTimeoutMs: 1000 }),
  };
}
