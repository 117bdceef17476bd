/**
 * What every conformance case runs in: a fresh backend, a `TaskHubWorker` with the conformance orchestrators
 * and activities registered, and a `TaskHubClient`, torn down after the case. Optionally the worker runs over
 * a fault-injecting wrapper of the service (fault-injection.ts).
 */
import type { OrchestrationService, OrchestrationServiceClient } from "../backend/service.js";
import { TaskHubClient } from "../client.js";
import type { Logger } from "../replay/logger.js";
import { TaskHubWorker, type TaskHubWorkerOptions } from "../worker.js";
import { registerConformanceTasks } from "./conformance-orchestrations.js";
import type { TestApi } from "./test-api.js";

export interface BackendUnderTest {
  service: OrchestrationService & OrchestrationServiceClient;
  /** Defaults to `service`. */
  client?: OrchestrationServiceClient;
  dispose?(): Promise<void>;
}

export interface ConformanceOptions {
  /** Per-test timeout for waiting on an instance (default 20 s). */
  waitTimeoutMs?: number;
  workerOptions?: TaskHubWorkerOptions;
  logger?: Logger;
  /**
   * The backend for the hostile-delivery cases that end in quarantine (delivery-conformance.ts): configured to
   * quarantine after 3 deliveries, and soon (on Azure Storage, a short visibility timeout), so those cases
   * finish within `waitTimeoutMs`. Defaults to the suite's backend.
   */
  quarantiningBackend?: () => Promise<BackendUnderTest>;
}

export interface Harness {
  client: TaskHubClient;
  /** The backend's client side, for messages `TaskHubClient` would not send. */
  service: OrchestrationServiceClient;
  counters: Map<string, number>;
  worker: TaskHubWorker;
  wait(id: string): ReturnType<TaskHubClient["waitForOrchestrationCompletion"]>;
}

export type WrapService = (
  service: OrchestrationService,
  client: OrchestrationServiceClient,
) => OrchestrationService;

export interface Suite extends TestApi {
  readonly waitTimeoutMs: number;
  readonly options: ConformanceOptions;
  /** Run `fn` with a fresh backend (from `create`, default the suite's), worker and client. */
  withHarness(
    fn: (h: Harness) => Promise<void>,
    wrap?: WrapService,
    create?: () => Promise<BackendUnderTest>,
  ): Promise<void>;
  waitForStatus(client: TaskHubClient, id: string, status: string): Promise<void>;
  /** Poll `probe` until it returns a value (or throw after `waitTimeoutMs`, naming `what`). */
  eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T>;
}

export function conformanceSuite(
  createBackend: () => Promise<BackendUnderTest>,
  api: TestApi,
  options: ConformanceOptions,
): Suite {
  const waitTimeoutMs = options.waitTimeoutMs ?? 20_000;

  async function withHarness(
    fn: (h: Harness) => Promise<void>,
    wrap?: WrapService,
    create: () => Promise<BackendUnderTest> = createBackend,
  ): Promise<void> {
    const backend = await create();
    const clientService = backend.client ?? backend.service;
    const counters = new Map<string, number>();
    const service = wrap ? wrap(backend.service, clientService) : backend.service;
    const worker = new TaskHubWorker(service, {
      logger: options.logger,
      abandonDelayMs: 10,
      ...options.workerOptions,
    });
    registerConformanceTasks(worker, counters);
    const client = new TaskHubClient(clientService);
    await worker.start();
    try {
      await fn({
        client,
        service: clientService,
        counters,
        worker,
        wait: (id) => client.waitForOrchestrationCompletion(id, { timeoutMs: waitTimeoutMs }),
      });
    } finally {
      await worker.stop({ drainTimeoutMs: 5000 });
      await backend.dispose?.();
    }
  }

  async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + waitTimeoutMs;
    for (;;) {
      const got = await probe();
      if (got !== undefined) return got;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function waitForStatus(client: TaskHubClient, id: string, status: string): Promise<void> {
    await eventually(`instance ${id} to reach ${status}`, async () => {
      const s = await client.getOrchestrationState(id, { fetchPayloads: false });
      return s?.runtimeStatus === status ? true : undefined;
    });
  }

  return { ...api, waitTimeoutMs, options, withHarness, waitForStatus, eventually };
}
