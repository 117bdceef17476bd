/**
 * The six Durable Functions application patterns, written with the `durable-functions` v3 programming model
 * (`df.app.*`) on taskhub. Importing this module declares every function on `df.app`; a host then needs:
 *
 * - `register(worker)`: adds the orchestrations, activities and entities (`taskhub worker --app` calls it);
 * - `httpHandler`: serves the `app.client.http` starters under `/api/...` (the host tries it before its
 *   management API).
 *
 * `taskhub worker --app packages/samples/dist/df/app.js` runs them as they are.
 */
import * as df from "@taskhub/durable-functions";
import "./chaining.js";
import "./fan-out-fan-in.js";
import "./async-http.js";
import "./monitor.js";
import "./human-interaction.js";
import "./aggregator.js";

export { register } from "@taskhub/durable-functions";
export const httpHandler = df.createHttpHandler();

export { outbox, onOutboxMessage, type OutboxMessage } from "./outbox.js";
export { jobs, type MonitorInput, type MonitorOutput } from "./monitor.js";
export type { ChainingOutput } from "./chaining.js";
export type { FanOutFanInOutput } from "./fan-out-fan-in.js";
export type { Report } from "./async-http.js";
export type { ApprovalInput, ApprovalEvent, ApprovalOutput } from "./human-interaction.js";
export { CounterClass } from "./aggregator.js";
