/**
 * A storage request's metrics, recorded by the request counter's pipeline policy (which already names every
 * attempt's service and operation): one count and one duration per attempt, with `error.type` set to the
 * HTTP status (4xx, 5xx) or the error's code when it failed.
 */
import type { PipelineResponse } from "@azure/core-rest-pipeline";
import { MetricAttr } from "@taskhub/core";
import type { ClassifiedRequest } from "../storage/request-counter.js";
import type { ProviderInstruments } from "./instruments.js";

export async function measureStorageRequest(
  m: ProviderInstruments,
  request: ClassifiedRequest,
  send: () => Promise<PipelineResponse>,
): Promise<PipelineResponse> {
  const t0 = performance.now();
  let errorType: string | undefined;
  try {
    const res = await send();
    if (res.status >= 400) errorType = String(res.status);
    return res;
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; name?: string };
    errorType = e.statusCode ? String(e.statusCode) : (e.code ?? e.name ?? "Error");
    throw err;
  } finally {
    const attrs = {
      [MetricAttr.storageService]: request.service,
      [MetricAttr.storageOperation]: request.operation,
      ...(errorType ? { [MetricAttr.errorType]: errorType } : {}),
    };
    m.storageRequests.add(1, attrs);
    m.storageRequestDuration.record((performance.now() - t0) / 1000, attrs);
  }
}
