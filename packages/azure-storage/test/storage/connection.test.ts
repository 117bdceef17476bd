// Storage connections: connection string forms (Azurite's, Azure's account key and SAS forms), identity-based
// settings named as Azure Functions names them, and the credential they choose. Secrets never in errors.
import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { inspect } from "node:util";
import { describe, expect, inject, it } from "vitest";
import {
  DEVELOPMENT_ACCOUNT_KEY,
  identityConnection,
  identityConnectionSettings,
  parseConnectionString,
  resolveConnection,
  storageCredential,
} from "../../src/index.js";

const azurite = (): string => inject("azuriteConnectionString");

describe("parseConnectionString", () => {
  it("maps UseDevelopmentStorage=true to Azurite's default ports on 127.0.0.1", () => {
    const p = parseConnectionString("UseDevelopmentStorage=true");
    expect(p).toEqual({
      accountName: "devstoreaccount1",
      blobEndpoint: "http://127.0.0.1:10000/devstoreaccount1",
      queueEndpoint: "http://127.0.0.1:10001/devstoreaccount1",
      tableEndpoint: "http://127.0.0.1:10002/devstoreaccount1",
    });
    expect(p.accountKey).toBe(DEVELOPMENT_ACCOUNT_KEY);
    expect(
      parseConnectionString("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite")
        .queueEndpoint,
    ).toBe("http://azurite:10001/devstoreaccount1");
  });

  it("reads Azurite's full form, with the key kept out of logs and JSON", () => {
    const cs = azurite();
    const p = parseConnectionString(cs);
    expect(p.accountName).toBe("devstoreaccount1");
    for (const endpoint of [p.blobEndpoint, p.queueEndpoint, p.tableEndpoint]) {
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      expect(cs).toContain(`=${endpoint};`);
    }
    expect(new Set([p.blobEndpoint, p.queueEndpoint, p.tableEndpoint]).size).toBe(3);
    expect(p.accountKey).toBe(DEVELOPMENT_ACCOUNT_KEY);
    expect(JSON.stringify(p)).not.toContain(DEVELOPMENT_ACCOUNT_KEY);
  });

  it("reads Azure's account form and SAS form, keys case-insensitively", () => {
    const a = parseConnectionString(
      "defaultendpointsprotocol=https;accountname=acct;ACCOUNTKEY=a2V5;EndpointSuffix=core.chinacloudapi.cn",
    );
    expect(a).toEqual({
      accountName: "acct",
      blobEndpoint: "https://acct.blob.core.chinacloudapi.cn",
      queueEndpoint: "https://acct.queue.core.chinacloudapi.cn",
      tableEndpoint: "https://acct.table.core.chinacloudapi.cn",
    });
    expect(a.accountKey).toBe("a2V5");
    const s = parseConnectionString(
      "QueueEndpoint=https://acct.queue.core.windows.net/;SharedAccessSignature=?sv=2022&sig=abc%3D",
    );
    expect(s.accountName).toBe("acct");
    expect(s.queueEndpoint).toBe("https://acct.queue.core.windows.net");
    expect(s.sharedAccessSignature).toBe("sv=2022&sig=abc%3D");
    expect(s.accountKey).toBeUndefined();
  });

  it("rejects a connection string without an account or with a bad endpoint, without echoing it", () => {
    for (const cs of [
      "AccountKey=secretsecret",
      "AccountName=a;AccountKey=secretsecret;QueueEndpoint=not a url",
    ]) {
      let err: unknown;
      try {
        parseConnectionString(cs);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: "InvalidArgument" });
      expect((err as Error).message).not.toContain("secretsecret");
    }
  });
});

describe("identityConnectionSettings", () => {
  it("reads <name>__accountName and the other settings Functions reads; undefined when none is set", () => {
    const env = {
      AzureWebJobsStorage__accountName: "acct",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-00000000000c",
      Other__accountName: "other",
    };
    expect(identityConnectionSettings(env, "AzureWebJobsStorage")).toEqual({
      accountName: "acct",
      credential: "managedidentity",
      clientId: "00000000-0000-0000-0000-00000000000c",
    });
    expect(identityConnectionSettings(env, "Missing")).toBeUndefined();
    expect(identityConnectionSettings({ "Conn:accountName": "x" }, "Conn")).toEqual({ accountName: "x" });
  });

  it("infers the three endpoints from the account name, or takes each service's URI", () => {
    const byName = resolveConnection(identityConnection({ accountName: "acct" }));
    expect(byName.accountName).toBe("acct");
    expect(byName.endpoints).toEqual({
      blob: "https://acct.blob.core.windows.net",
      queue: "https://acct.queue.core.windows.net",
      table: "https://acct.table.core.windows.net",
    });
    expect(byName.auth.kind).toBe("token");
    const byUri = resolveConnection(
      identityConnection({
        serviceUri: "https://127.0.0.1:10000/devstoreaccount1/",
        queueServiceUri: "https://127.0.0.1:10001/devstoreaccount1",
        tableServiceUri: "https://127.0.0.1:10002/devstoreaccount1",
      }),
    );
    expect(byUri.accountName).toBe("devstoreaccount1");
    expect(byUri.endpoints).toEqual({
      blob: "https://127.0.0.1:10000/devstoreaccount1",
      queue: "https://127.0.0.1:10001/devstoreaccount1",
      table: "https://127.0.0.1:10002/devstoreaccount1",
    });
  });

  it("refuses settings that cannot make a connection, naming the settings", () => {
    expect(() =>
      identityConnectionSettings({ S__queueServiceUri: "https://a.queue.core.windows.net" }, "S"),
    ).toThrow(
      /S__accountName or the URI of each service: S__blobServiceUri \(or serviceUri\), S__tableServiceUri missing/,
    );
    expect(() =>
      identityConnectionSettings({ S__accountName: "a", S__blobServiceUri: "ftp://x" }, "S"),
    ).toThrow(/S__blobServiceUri of the storage connection is not an http\(s\) URL/);
    expect(() => identityConnectionSettings({ S__accountName: "a", S__credential: "azurecli" }, "S")).toThrow(
      /S__credential must be "managedidentity"/,
    );
    let err: unknown;
    try {
      identityConnectionSettings({ S__accountName: "a", S__clientSecret: "hushhush" }, "S");
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "InvalidArgument" });
    expect((err as Error).message).toMatch(/S__clientSecret needs S__tenantId and S__clientId/);
    expect((err as Error).message).not.toContain("hushhush");
  });
});

describe("storageCredential", () => {
  it("chooses the credential as Functions does", async () => {
    const resolved = (settings: Parameters<typeof storageCredential>[0]): Promise<unknown> =>
      storageCredential(settings).resolve();
    expect(await resolved({ credential: "managedidentity" })).toBeInstanceOf(ManagedIdentityCredential);
    expect(await resolved({ credential: "ManagedIdentity", clientId: "c" })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(
      storageCredential({ credential: "managedidentity", managedIdentityResourceId: "r" }).choice,
    ).toEqual({
      kind: "managedIdentity",
      resourceId: "r",
    });
    expect(await resolved({ tenantId: "t", clientId: "c", clientSecret: "s" })).toBeInstanceOf(
      ClientSecretCredential,
    );
    expect(await resolved({})).toBeInstanceOf(DefaultAzureCredential);
    expect(() =>
      storageCredential({ credential: "managedidentity", clientId: "c", managedIdentityResourceId: "r" }),
    ).toThrow(/not both/);
  });

  it("creates its @azure/identity credential once, and never shows the client secret", async () => {
    const c = storageCredential({ tenantId: "t", clientId: "c", clientSecret: "hushhush" });
    expect(JSON.stringify(c)).not.toContain("hushhush");
    expect(inspect(c, { showHidden: true })).not.toContain("hushhush");
    expect(await c.resolve()).toBe(await c.resolve());
  });
});
