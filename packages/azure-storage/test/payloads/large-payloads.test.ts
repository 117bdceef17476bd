// Large-payload blob URLs: written without any SAS query, and read back by path whatever host a worker used.
import { describe, expect, it } from "vitest";
import { ContainerClient } from "@azure/storage-blob";
import { LargePayloadStore } from "../../src/payloads/large-payloads.js";

describe("large-payload blob URLs", () => {
  it("never carry the SAS of a container reached with one", () => {
    const store = new LargePayloadStore(
      new ContainerClient("https://acct.blob.core.windows.net/hub-largemessages?sv=2024-01-01&sig=SECRET"),
    );
    const url = store.urlOf("inst/ExecutionStarted.json.gz");
    expect(url).toBe("https://acct.blob.core.windows.net/hub-largemessages/inst/ExecutionStarted.json.gz");
    expect(url).not.toContain("SECRET");
    expect(store.blobNameFromUrl(url)).toBe("inst/ExecutionStarted.json.gz");
  });

  it("resolve a URL written under another host or port (proxy, localhost vs 127.0.0.1)", () => {
    const direct = new LargePayloadStore(
      new ContainerClient("http://127.0.0.1:10000/devstoreaccount1/hub-largemessages"),
    );
    const viaProxy = new LargePayloadStore(
      new ContainerClient("http://localhost:41234/devstoreaccount1/hub-largemessages"),
    );
    const url = viaProxy.urlOf("a b/Input-history.json.gz");
    expect(direct.blobNameFromUrl(url)).toBe("a b/Input-history.json.gz");
    expect(
      direct.blobNameFromUrl("http://127.0.0.1:10000/devstoreaccount1/other-container/x"),
    ).toBeUndefined();
    expect(
      direct.blobNameFromUrl('"http://127.0.0.1:10000/devstoreaccount1/hub-largemessages/x"'),
    ).toBeUndefined();
    expect(direct.blobNameFromUrl("not a url")).toBeUndefined();
  });
});
