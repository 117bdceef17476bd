/**
 * The dashboard's calls to its host: the Durable Functions management API (`/runtime/webhooks/durabletask`) and
 * the dashboard's own endpoints (`/dashboard/api/*`), both on the origin (and path prefix) the dashboard was
 * served from. The host's key (from the page's `?code=`, or typed in when the host answers 401) is sent as
 * `x-functions-key`; the page keeps it for the browser tab's session only.
 */
import type { StatusObject } from "@taskhub/core/management";
import { managementApiQuery, type InstanceFilter } from "../model/instance-filter.js";
import type { HistoryEvent } from "../model/history-event.js";

/**
 * The management API's status object, as core builds it (a type-only import: the bundle takes none of core's
 * code), with its condensed history typed as the dashboard reads it.
 */
export interface InstanceStatus extends Omit<StatusObject, "historyEvents"> {
  historyEvents?: HistoryEvent[];
}

export interface Page<T> {
  items: T[];
  continuationToken: string | undefined;
}

export interface InstanceCounts {
  total: number;
  byStatus: Record<string, number>;
}

export interface HubPartition {
  /** The control queue's name. */
  partition: string;
  /** The worker holding the lease now; null when none does. */
  owner?: string | null;
  leaseState?: string;
  leaseExpiresAt?: string;
  /** The worker that wants the lease next. */
  nextOwner?: string | null;
  draining?: boolean;
  /** Which leases the hub uses: "table", "blob", or "none" before any worker ran. */
  manager?: string;
  queueDepth?: number;
  oldestMessageAgeMs?: number;
}

export interface HubQueue {
  queueName: string;
  queueDepth: number;
  oldestMessageAgeMs?: number;
}

export interface HubInfo {
  taskHub: string;
  partitionCount?: number;
  partitions: HubPartition[];
  workItemQueue?: HubQueue;
  workers: { worker: string; partitions: string[]; lastRenewedAt?: string }[];
}

export interface PoisonMessage {
  queueName: string;
  messageId: string;
  dequeueCount: number;
  instanceId?: string;
  eventType?: string;
  reason: string;
  insertedAt?: string;
  quarantinedAt?: string;
}

export interface InstanceBlob {
  name: string;
  size: number;
  lastModified: string;
}

/** A dashboard endpoint the host does not have (404): the view says "not available". */
export const NOT_AVAILABLE = Symbol("not available");
export type Optional<T> = T | typeof NOT_AVAILABLE;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const KEY_STORAGE = "taskhub.dashboard.key";
export const WEBHOOK_PATH = "/runtime/webhooks/durabletask";

/** The path prefix the host serves under: what comes before `/dashboard` in the page's path. */
export function hostPrefix(pathname: string): string {
  const i = pathname.indexOf("/dashboard");
  return i > 0 ? pathname.slice(0, i) : "";
}

/**
 * The key the page was opened with (`/dashboard/?code=...`, as `taskhub dashboard` prints it) becomes the key of
 * this tab's session, and leaves the address bar.
 */
export function takeKeyFromUrl(): void {
  const url = new URL(location.href);
  const code = url.searchParams.get("code");
  if (!code) return;
  setKey(code);
  url.searchParams.delete("code");
  history.replaceState(history.state, "", url.toString());
}

export function getKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined;
  }
}

export function setKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}

function errorText(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as unknown;
    if (typeof j === "string") return j;
    if (j && typeof j === "object" && "Message" in j) return String((j as { Message: unknown }).Message);
  } catch {
    /* not JSON */
  }
  return body.trim() || `HTTP ${status}`;
}

export class ManagementClient {
  constructor(private readonly prefix: string = hostPrefix(location.pathname)) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = getKey();
    if (key) headers.set("x-functions-key", key);
    const res = await fetch(`${this.prefix}${path}`, { ...init, headers });
    if (res.status >= 400) throw new ApiError(res.status, errorText(res.status, await res.text()));
    return res;
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async listInstances(filter: InstanceFilter, top: number, token?: string): Promise<Page<InstanceStatus>> {
    const headers: Record<string, string> = token ? { "x-ms-continuation-token": token } : {};
    const res = await this.request(`${WEBHOOK_PATH}/instances/?${managementApiQuery(filter, top)}`, {
      headers,
    });
    const items = (await res.json()) as InstanceStatus[];
    return { items, continuationToken: res.headers.get("x-ms-continuation-token") ?? undefined };
  }

  countInstances(filter: InstanceFilter): Promise<InstanceCounts> {
    return this.json(`${WEBHOOK_PATH}/instanceCounts?${managementApiQuery(filter)}`);
  }

  /** The instance with its history (inputs and results included), or undefined when there is none. */
  async getInstance(id: string): Promise<InstanceStatus | undefined> {
    try {
      return await this.json(
        `${WEBHOOK_PATH}/instances/${encodeURIComponent(id)}?showHistory=true&showHistoryOutput=true&showInput=true`,
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async raiseEvent(id: string, event: string, jsonBody: string): Promise<void> {
    await this.request(
      `${WEBHOOK_PATH}/instances/${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent(event)}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: jsonBody,
      },
    );
  }

  async instanceAction(
    id: string,
    action: "terminate" | "suspend" | "resume" | "rewind",
    reason: string,
  ): Promise<void> {
    const q = reason ? `?reason=${encodeURIComponent(reason)}` : "";
    await this.request(`${WEBHOOK_PATH}/instances/${encodeURIComponent(id)}/${action}${q}`, {
      method: "POST",
    });
  }

  /** Restarts it; answers the id of the new run (the same id unless `newInstanceId`). */
  async restart(id: string, newInstanceId: boolean): Promise<string> {
    const body = await this.json<{ id?: string }>(
      `${WEBHOOK_PATH}/instances/${encodeURIComponent(id)}/restart?restartWithNewInstanceId=${newInstanceId}`,
      { method: "POST" },
    );
    return body?.id ?? id;
  }

  async purge(id: string): Promise<void> {
    await this.request(`${WEBHOOK_PATH}/instances/${encodeURIComponent(id)}`, { method: "DELETE" });
  }

  /** An entity's state, or NOT_AVAILABLE when it has none. */
  async getEntity(name: string, key: string): Promise<Optional<unknown>> {
    try {
      return await this.json(
        `${WEBHOOK_PATH}/entities/${encodeURIComponent(name)}/${encodeURIComponent(key || "$")}`,
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return NOT_AVAILABLE;
      throw e;
    }
  }

  async signalEntity(name: string, key: string, op: string, jsonBody: string): Promise<void> {
    await this.request(
      `${WEBHOOK_PATH}/entities/${encodeURIComponent(name)}/${encodeURIComponent(key || "$")}?op=${encodeURIComponent(op)}`,
      { method: "POST", headers: { "content-type": "application/json" }, body: jsonBody },
    );
  }

  private async optional<T>(path: string, init: RequestInit = {}): Promise<Optional<T>> {
    try {
      return await this.json<T>(path, init);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 501)) return NOT_AVAILABLE;
      throw e;
    }
  }

  hub(): Promise<Optional<HubInfo>> {
    return this.optional("/dashboard/api/hub");
  }

  poison(): Promise<Optional<{ messages: PoisonMessage[] }>> {
    return this.optional("/dashboard/api/poison");
  }

  async replayPoison(queueName: string, messageId: string): Promise<void> {
    await this.request(
      `/dashboard/api/poison/${encodeURIComponent(queueName)}/${encodeURIComponent(messageId)}/replay`,
      { method: "POST" },
    );
  }

  blobs(id: string): Promise<Optional<{ blobs: InstanceBlob[] }>> {
    return this.optional(`/dashboard/api/instances/${encodeURIComponent(id)}/blobs`);
  }

  /** The instance's status without its history (one point read; its input too unless `input` is false), or
   * undefined when there is none. */
  async getInstanceStatus(id: string, input = true): Promise<InstanceStatus | undefined> {
    try {
      return await this.json(
        `${WEBHOOK_PATH}/instances/${encodeURIComponent(id)}?showHistory=false&showInput=${input}`,
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Every event of the instance's current execution from its History rows (scheduling events included, no
   * payloads), its parent and older executions' leftover rows. NOT_AVAILABLE from a host without the endpoint,
   * and for an instance that has neither an Instances row nor history.
   */
  historySkeleton(id: string): Promise<Optional<import("../model/raw-history.js").HistorySkeleton>> {
    return this.optional(`/dashboard/api/instances/${encodeURIComponent(id)}/history`);
  }

  /** One page of the current execution's full History rows, after the row index `after`. */
  historyPage(
    id: string,
    after?: number,
    top = 200,
  ): Promise<Optional<import("../model/raw-history.js").HistoryPage>> {
    const from = after === undefined ? "" : `&after=${after}`;
    return this.optional(
      `/dashboard/api/instances/${encodeURIComponent(id)}/history?view=full&top=${top}${from}`,
    );
  }

  /**
   * `POST /bulk/{verb}` with `dryRun`: how many instances the operation would take now, per status; and the
   * host's clock (its `Date` header), to pin the targets to instances created before the count.
   */
  async bulkDryRun(verb: string, body: Record<string, unknown>): Promise<BulkDryRun> {
    const res = await this.request(`${WEBHOOK_PATH}/bulk/${encodeURIComponent(verb)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, dryRun: true }),
    });
    const answer = (await res.json()) as { matched: number; byStatus: Record<string, number> };
    return { matched: answer.matched, byStatus: answer.byStatus ?? {}, serverDate: res.headers.get("date") };
  }

  /** `POST /bulk/{verb}`: starts the bulk operation; answers its instance id. */
  async startBulk(verb: string, body: Record<string, unknown>): Promise<string> {
    const answer = await this.json<{ id: string }>(`${WEBHOOK_PATH}/bulk/${encodeURIComponent(verb)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return answer.id;
  }
}

/** A bulk operation's dry run. */
export interface BulkDryRun {
  matched: number;
  byStatus: Record<string, number>;
  /** The host's `Date` header, when it sent one. */
  serverDate: string | null;
}
