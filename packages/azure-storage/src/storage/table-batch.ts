/**
 * An entity group transaction (`$batch`) sent through a `TableClient`'s own pipeline: the same request the
 * table SDK's `submitTransaction` sends (same body, headers, signing, retries, request counting), built
 * directly. The SDK builds it by creating a second `TableClient` per transaction and running every action
 * through that client's generated operation and pipeline just to capture its text, which made a history
 * checkpoint cost a worker about a tenth of its CPU.
 *
 * Contracts:
 * - Actions are the SDK's `TransactionAction`s with the SDK's meaning: `create` (insert), `upsert` (insert or
 *   Merge/Replace), `update` (Merge/Replace, `If-Match` the given ETag or `*`), `delete` (`If-Match` `*` or
 *   the given ETag); all on one partition key.
 * - Property values are written as the SDK writes them: JS strings, numbers, booleans and null as JSON,
 *   `bigint` as Edm.Int64, `Date` as Edm.DateTime, `Uint8Array` as Edm.Binary, `{ value, type }` with its
 *   Edm type.
 * - The result has one sub-response per action, in action order (status, ETag, row key where the service
 *   names it). A failed action fails the whole transaction with the SDK's `RestError` (the sub-response's
 *   status and `odata.error` code), as `submitTransaction` does.
 */
import { randomUUID } from "node:crypto";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import type {
  TableClient,
  TableTransactionResponse,
  TransactionAction,
  UpdateMode,
} from "@azure/data-tables";
import type { OperationOptions } from "@taskhub/core";

const CRLF = "\r\n";

let httpClient: HttpClient | undefined;

/** Sends `actions` as one entity group transaction on `client`'s table. */
export async function submitTableBatch(
  client: TableClient,
  actions: readonly TransactionAction[],
  options: OperationOptions = {},
): Promise<TableTransactionResponse> {
  if (actions.length === 0) throw new RangeError("a table batch needs at least one action");
  const partitionKey = actions[0]![1].partitionKey;
  const batchId = randomUUID();
  const changesetId = randomUUID();
  const base = client.url.endsWith("/") ? client.url : `${client.url}/`;
  const tableUrl = `${base}${encodeURIComponent(client.tableName)}`;
  const parts: string[] = [
    `--batch_${batchId}${CRLF}content-type: multipart/mixed; boundary=changeset_${changesetId}${CRLF}${CRLF}`,
  ];
  for (const action of actions) {
    const entity = action[1];
    if (entity.partitionKey !== partitionKey)
      throw new Error("All operations in a transaction must target the same partitionKey");
    parts.push(subRequest(changesetId, tableUrl, action));
  }
  const body = `${parts.join(CRLF)}${CRLF}--changeset_${changesetId}--${CRLF}--batch_${batchId}--${CRLF}`;
  const request = createPipelineRequest({
    url: `${base}$batch`,
    method: "POST",
    body,
    headers: createHttpHeaders({
      accept: "application/json",
      "x-ms-version": "2019-02-02",
      DataServiceVersion: "3.0;",
      MaxDataServiceVersion: "3.0;NetFx",
      "Content-Type": `multipart/mixed; boundary=batch_${batchId}`,
      "Accept-Charset": "UTF-8",
      Connection: "Keep-Alive",
    }),
    allowInsecureConnection: base.startsWith("http:"),
    abortSignal: options.abortSignal,
  });
  const response = await client.pipeline.sendRequest((httpClient ??= createDefaultHttpClient()), request);
  return parseBatchResponse(response);
}

function entityUrl(tableUrl: string, partitionKey: string, rowKey: string): string {
  const key = (k: string): string => encodeURIComponent(k.replace(/'/g, "''"));
  return `${tableUrl}(PartitionKey='${key(partitionKey)}',RowKey='${key(rowKey)}')`;
}

function subRequest(changesetId: string, tableUrl: string, action: TransactionAction): string {
  const [kind, entity] = action;
  let line: string;
  let headers: string[];
  let withBody = true;
  const url = (): string => entityUrl(tableUrl, entity.partitionKey, entity.rowKey);
  const writeHeaders = [
    "Content-Type: application/json",
    "DataServiceVersion: 3.0",
    "Accept: application/json",
  ];
  switch (kind) {
    case "create":
      line = `POST ${tableUrl}`;
      headers = [
        "Content-Type: application/json;odata=nometadata",
        "Accept: application/json;odata=minimalmetadata",
        "DataServiceVersion: 3.0",
        "Prefer: return-no-content",
      ];
      break;
    case "upsert":
      line = `${method(action[2])} ${url()}`;
      headers = writeHeaders;
      break;
    case "update":
      line = `${method(action[2])} ${url()}`;
      headers = [...writeHeaders, `If-Match: ${action[3]?.etag ?? "*"}`];
      break;
    case "delete":
      line = `DELETE ${url()}`;
      headers = ["Accept: application/json;odata=minimalmetadata", "DataServiceVersion: 3.0", "If-Match: *"];
      withBody = false;
      break;
    default:
      throw new Error(`unknown table batch action '${String(kind)}'`);
  }
  const lines = [
    `--changeset_${changesetId}${CRLF}content-type: application/http${CRLF}content-transfer-encoding: binary`,
    "",
    `${line} HTTP/1.1`,
    ...headers,
    CRLF,
  ];
  if (withBody) lines.push(JSON.stringify(serializeEntity(entity)));
  return lines.join(CRLF);
}

const method = (mode: UpdateMode | undefined): string => ((mode ?? "Merge") === "Merge" ? "PATCH" : "PUT");

const EDM_TYPES = new Set(["Boolean", "DateTime", "Double", "Guid", "Int32", "Int64", "String", "Binary"]);
const KEY_NAMES: Record<string, string> = {
  partitionKey: "PartitionKey",
  rowKey: "RowKey",
  etag: "odata.etag",
  timestamp: "Timestamp",
};

/** The SDK's entity serialization: property names as the service spells them, Edm types annotated. */
function serializeEntity(entity: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    const key = KEY_NAMES[name] ?? name;
    let v: unknown = value;
    let type: string | undefined;
    if (
      typeof value === "object" &&
      value !== null &&
      (value as { value?: unknown }).value !== undefined &&
      (value as { type?: unknown }).type !== undefined
    ) {
      const typed = value as { value: unknown; type: string };
      if (!EDM_TYPES.has(typed.type)) throw new Error(`Unknown EDM type ${typeof typed.value}`);
      v = typed.value;
      type = `Edm.${typed.type}`;
    } else if (typeof value === "bigint") {
      v = value.toString();
      type = "Edm.Int64";
    } else if (value instanceof Date) {
      type = "Edm.DateTime";
    } else if (value instanceof Uint8Array) {
      v = Buffer.from(value).toString("base64");
      type = "Edm.Binary";
    } else if (
      value !== null &&
      value !== undefined &&
      !["boolean", "string", "number"].includes(typeof value)
    ) {
      throw new Error(`Unknown EDM type ${typeof value}`);
    }
    out[key] = v;
    if (type !== undefined) out[`${key}@odata.type`] = type;
  }
  return out;
}

/** The SDK's reading of a `$batch` response (`parseTransactionResponse`). */
function parseBatchResponse(response: PipelineResponse): TableTransactionResponse {
  const status = response.status;
  const rawBody = response.bodyAsText ?? "";
  if (!(status >= 200 && status < 300)) throw bodyError(rawBody, status, response);
  const parts = rawBody.split("--changesetresponse_");
  const subResponses = parts.slice(1, parts.length - 1).map((part) => {
    const statusMatch = /HTTP\/1.1 ([0-9]*)/.exec(part);
    if (statusMatch?.length !== 2) throw new Error(`Couldn't extract status from sub-response:\n ${part}`);
    const subStatus = Number.parseInt(statusMatch[1]!);
    if (!Number.isInteger(subStatus))
      throw new Error(`Expected sub-response status to be an integer ${subStatus}`);
    const bodyMatch = /\{(.*)\}/.exec(part);
    if (bodyMatch?.length === 2) throw bodyError(bodyMatch[0], subStatus, response);
    const etag = /ETag: (.*)/.exec(part);
    const rowKey = /RowKey='(.*)'/.exec(part);
    return {
      status: subStatus,
      ...(rowKey?.length === 2 ? { rowKey: rowKey[1]! } : {}),
      ...(etag?.length === 2 ? { etag: etag[1]! } : {}),
    };
  });
  return {
    status,
    subResponses,
    getResponseForEntity: (rowKey: string) => subResponses.find((r) => r.rowKey === rowKey),
  };
}

function bodyError(text: string, statusCode: number, response: PipelineResponse): RestError {
  let parsed: { "odata.error"?: { code?: string; message?: { value?: string } } } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    /* no JSON body: the generic message */
  }
  const error = parsed?.["odata.error"];
  return new RestError(error?.message?.value ?? "Transaction Failed", {
    code: error?.code,
    statusCode,
    request: response.request,
    response,
  });
}
