/**
 * What a storage connection names: its account, the three service endpoints and how requests are signed.
 * A connection is a connection string (`UseDevelopmentStorage=true`, Azurite's full form, an Azure account key
 * or SAS connection string) or an identity-based connection: an account name and/or service URIs with a
 * `TokenCredential`. `identityConnectionSettings` reads the latter from settings named as Azure Functions names
 * them (`<Connection>__accountName`, `__blobServiceUri`, ...).
 *
 * Contracts:
 * - Errors never quote the connection string, the account key or a SAS token.
 * - Endpoints are absolute http(s) URLs without a trailing slash.
 */
import type { TokenCredential } from "@azure/identity";
import { InvalidArgumentError } from "@taskhub/core";
import { storageCredential, type StorageCredentialSettings } from "./credential.js";
import type { StorageService } from "./request-counter.js";

export type StorageConnection =
  | { connectionString: string }
  | {
      /** Default: taken from an endpoint (its first host label, or the first path segment of a path-style URL). */
      accountName?: string;
      /** Default: `new DefaultAzureCredential()`. */
      credential?: TokenCredential;
      /** Default: `https://<accountName>.<service>.core.windows.net`. */
      blobEndpoint?: string;
      queueEndpoint?: string;
      tableEndpoint?: string;
    };

/**
 * An identity-based connection as Azure Functions' settings describe it (`AzureWebJobsStorage__accountName`,
 * `__serviceUri`, `__blobServiceUri`, `__queueServiceUri`, `__tableServiceUri`, `__credential`, `__clientId`, ...).
 * `serviceUri` is the blob service's URI (as the Functions blob extension reads it).
 */
export interface IdentityConnectionSettings extends StorageCredentialSettings {
  accountName?: string;
  serviceUri?: string;
  blobServiceUri?: string;
  queueServiceUri?: string;
  tableServiceUri?: string;
}

/** The setting suffixes (after `<Connection>__`) an identity-based connection is read from. */
export const IDENTITY_SETTING_NAMES = [
  "accountName",
  "serviceUri",
  "blobServiceUri",
  "queueServiceUri",
  "tableServiceUri",
  "credential",
  "clientId",
  "managedIdentityResourceId",
  "tenantId",
  "clientSecret",
] as const satisfies readonly (keyof IdentityConnectionSettings)[];

/**
 * What a connection string says. `accountKey` and `sharedAccessSignature` are present but not enumerable,
 * so logging or serializing the object does not print them.
 */
export interface ParsedConnectionString {
  accountName: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  readonly accountKey: string | undefined;
  readonly sharedAccessSignature: string | undefined;
}

/** How the requests of a resolved connection are signed. */
export type StorageAuth =
  | { kind: "key"; accountName: string; accountKey: string }
  | { kind: "sas"; sas: string }
  | { kind: "token"; credential: TokenCredential }
  | { kind: "anonymous" };

export interface ResolvedConnection {
  accountName: string;
  endpoints: Record<StorageService, string>;
  auth: StorageAuth;
}

/** Azurite's (and the old storage emulator's) well-known development account. */
export const DEVELOPMENT_ACCOUNT_NAME = "devstoreaccount1";
export const DEVELOPMENT_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const SERVICES = ["blob", "queue", "table"] as const;
const DEVELOPMENT_PORTS: Record<StorageService, number> = { blob: 10000, queue: 10001, table: 10002 };

/**
 * Endpoints, account name and credentials of a storage connection string. Keys are case-insensitive.
 * `UseDevelopmentStorage=true` means Azurite on its default ports (10000 blob, 10001 queue, 10002 table) at
 * 127.0.0.1, or at the host of `DevelopmentStorageProxyUri`. Errors never quote the string.
 */
export function parseConnectionString(cs: string): ParsedConnectionString {
  const parts = new Map<string, string>();
  for (const piece of cs.split(";")) {
    const i = piece.indexOf("=");
    if (i > 0) parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    const proxy = validUrl(
      parts.get("developmentstorageproxyuri") || "http://127.0.0.1",
      "DevelopmentStorageProxyUri",
    );
    const base = `${proxy.protocol}//${proxy.hostname}`;
    return withSecrets(
      {
        accountName: DEVELOPMENT_ACCOUNT_NAME,
        blobEndpoint: `${base}:${DEVELOPMENT_PORTS.blob}/${DEVELOPMENT_ACCOUNT_NAME}`,
        queueEndpoint: `${base}:${DEVELOPMENT_PORTS.queue}/${DEVELOPMENT_ACCOUNT_NAME}`,
        tableEndpoint: `${base}:${DEVELOPMENT_PORTS.table}/${DEVELOPMENT_ACCOUNT_NAME}`,
      },
      DEVELOPMENT_ACCOUNT_KEY,
      undefined,
    );
  }
  const explicit = (svc: StorageService): string | undefined => {
    const value = parts.get(`${svc}endpoint`);
    if (!value) return undefined;
    validUrl(value, `${svc[0]!.toUpperCase()}${svc.slice(1)}Endpoint`);
    return value.replace(/\/+$/, "");
  };
  const accountName =
    parts.get("accountname") ||
    accountFromEndpoint(explicit("queue") ?? explicit("table") ?? explicit("blob"));
  if (!accountName) {
    throw new InvalidArgumentError(
      "the storage connection string has no AccountName and no endpoint to take it from (and is not UseDevelopmentStorage=true)",
    );
  }
  const protocol = parts.get("defaultendpointsprotocol")?.toLowerCase() || "https";
  if (protocol !== "https" && protocol !== "http")
    throw new InvalidArgumentError("DefaultEndpointsProtocol must be http or https");
  const suffix = parts.get("endpointsuffix") || "core.windows.net";
  const endpoint = (svc: StorageService): string =>
    explicit(svc) ?? `${protocol}://${accountName}.${svc}.${suffix}`;
  return withSecrets(
    {
      accountName,
      blobEndpoint: endpoint("blob"),
      queueEndpoint: endpoint("queue"),
      tableEndpoint: endpoint("table"),
    },
    parts.get("accountkey") || undefined,
    parts.get("sharedaccesssignature")?.replace(/^\?/, "") || undefined,
  );
}

/**
 * The identity-based connection named `name` in `settings` (environment variables or app settings):
 * `<name>__accountName`, `<name>__serviceUri`, ... (also `<name>:accountName`, as .NET configuration writes
 * it). Undefined when none of them is set. Checks the values: a URI that is not http(s), a `credential` other
 * than `managedidentity`, or neither an account name nor URIs for all three services, throw.
 */
export function identityConnectionSettings(
  settings: Readonly<Record<string, string | undefined>>,
  name: string,
): IdentityConnectionSettings | undefined {
  const found: Record<string, string> = {};
  for (const key of IDENTITY_SETTING_NAMES) {
    const value = settings[`${name}__${key}`] ?? settings[`${name}:${key}`];
    if (value !== undefined && value !== "") found[key] = value;
  }
  if (Object.keys(found).length === 0) return undefined;
  const result = found as IdentityConnectionSettings;
  identityConnection(result, `${name}__`); // validates
  return result;
}

/**
 * The `StorageConnection` of identity-based settings, with the credential they describe (or `credential`
 * when given: it replaces `credential`/`clientId`/... of the settings). `prefix` names the settings in errors.
 */
export function identityConnection(
  settings: IdentityConnectionSettings,
  prefix = "",
  credential?: TokenCredential,
): StorageConnection & { credential: TokenCredential } {
  const uri = (value: string | undefined, key: string): string | undefined =>
    value === undefined ? undefined : validUrl(value, `${prefix}${key}`).href.replace(/\/+$/, "");
  const blob = uri(settings.blobServiceUri, "blobServiceUri") ?? uri(settings.serviceUri, "serviceUri");
  const queue = uri(settings.queueServiceUri, "queueServiceUri");
  const table = uri(settings.tableServiceUri, "tableServiceUri");
  if (!settings.accountName && (!blob || !queue || !table)) {
    const missing = [
      !blob && "blobServiceUri (or serviceUri)",
      !queue && "queueServiceUri",
      !table && "tableServiceUri",
    ]
      .filter(Boolean)
      .map((k) => `${prefix}${k as string}`);
    throw new InvalidArgumentError(
      `an identity-based storage connection needs ${prefix}accountName or the URI of each service: ${missing.join(", ")} missing`,
    );
  }
  return {
    accountName: settings.accountName,
    blobEndpoint: blob,
    queueEndpoint: queue,
    tableEndpoint: table,
    credential: credential ?? storageCredential(settings, prefix),
  };
}

/** The account, endpoints and signing of a connection; validates what the connection gives. */
export function resolveConnection(conn: StorageConnection): ResolvedConnection {
  if ("connectionString" in conn) {
    const p = parseConnectionString(conn.connectionString);
    return {
      accountName: p.accountName,
      endpoints: { blob: p.blobEndpoint, queue: p.queueEndpoint, table: p.tableEndpoint },
      auth: p.accountKey
        ? { kind: "key", accountName: p.accountName, accountKey: p.accountKey }
        : p.sharedAccessSignature
          ? { kind: "sas", sas: p.sharedAccessSignature }
          : { kind: "anonymous" },
    };
  }
  const given = { blob: conn.blobEndpoint, queue: conn.queueEndpoint, table: conn.tableEndpoint };
  const valid = (svc: StorageService): string | undefined =>
    given[svc] ? validUrl(given[svc]!, `${svc}Endpoint`).href.replace(/\/+$/, "") : undefined;
  const accountName =
    conn.accountName || accountFromEndpoint(valid("queue") ?? valid("table") ?? valid("blob"));
  if (!accountName)
    throw new InvalidArgumentError("a storage connection needs an accountName or the service endpoints");
  const endpoints = { blob: "", queue: "", table: "" };
  for (const svc of SERVICES) endpoints[svc] = valid(svc) ?? `https://${accountName}.${svc}.core.windows.net`;
  return {
    accountName,
    endpoints,
    auth: { kind: "token", credential: conn.credential ?? storageCredential({}) },
  };
}

function withSecrets(
  endpoints: Omit<ParsedConnectionString, "accountKey" | "sharedAccessSignature">,
  accountKey: string | undefined,
  sharedAccessSignature: string | undefined,
): ParsedConnectionString {
  return Object.defineProperties(endpoints, {
    accountKey: { value: accountKey, enumerable: false },
    sharedAccessSignature: { value: sharedAccessSignature, enumerable: false },
  }) as ParsedConnectionString;
}

function validUrl(value: string, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InvalidArgumentError(`${what} of the storage connection is not an http(s) URL`);
  }
  return url;
}

/** Path-style endpoints (Azurite: `http://127.0.0.1:10001/devstoreaccount1`) name the account in the path. */
function accountFromEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  const url = new URL(endpoint);
  return url.pathname.split("/").find((s) => s !== "") ?? url.hostname.split(".")[0];
}
