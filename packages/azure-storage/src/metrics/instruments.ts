/**
 * The storage provider's instruments, on @taskhub/core's `taskhub` meter: message age at dequeue, partitions
 * owned, lease acquisitions and losses, poison messages, storage requests. Recorded where the provider
 * already logs or counts these (docs/tracing.md, "Metrics"); `undefined` while no OpenTelemetry SDK is
 * registered, and then the recording points do nothing.
 */
import { instrumentsPerProvider, Metric } from "@taskhub/core";

export type ProviderInstruments = NonNullable<ReturnType<typeof providerInstruments>>;

export const providerInstruments = instrumentsPerProvider((m) => ({
  messageAge: m.createHistogram(Metric.messageAge, {
    unit: "s",
    description: "How long a message waited in its queue (since it was enqueued) when it was dequeued.",
  }),
  partitionsOwned: m.createUpDownCounter(Metric.partitionsOwned, {
    unit: "{partition}",
    description: "Partitions (control queues) this worker owns and polls.",
  }),
  leaseAcquired: m.createCounter(Metric.leaseAcquired, {
    unit: "{lease}",
    description: "Partition leases this worker acquired (or stole).",
  }),
  leaseLost: m.createCounter(Metric.leaseLost, {
    unit: "{lease}",
    description:
      "Partition leases this worker lost without giving them up (a renewal failed, another worker took it).",
  }),
  poisonMessages: m.createCounter(Metric.poisonMessages, {
    unit: "{message}",
    description: "Messages moved to the poison store.",
  }),
  storageRequests: m.createCounter(Metric.storageRequests, {
    unit: "{request}",
    description: "Requests sent to Azure Storage (every attempt, retries included).",
  }),
  storageRequestDuration: m.createHistogram(Metric.storageRequestDuration, {
    unit: "s",
    description: "How long a storage request took, from sending it to its response (or failure).",
  }),
}));
