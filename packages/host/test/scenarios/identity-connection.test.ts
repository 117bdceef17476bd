// A `taskhub worker` process reaching storage the way a Functions app does without keys: settings
// AzureWebJobsStorage__blobServiceUri / __queueServiceUri / __tableServiceUri / __credential=managedidentity /
// __clientId, a managed identity (an App Service identity endpoint this test serves, as IDENTITY_ENDPOINT and
// IDENTITY_HEADER name it) and Azurite over HTTPS with `--oauth basic` (a self-signed certificate from
// @taskhub/azurite's createSelfSignedCertificate, trusted through NODE_EXTRA_CA_CERTS). An orchestration runs
// end to end; a token Azurite refuses stops the host at start, exit code 1, naming the failure.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createSelfSignedCertificate, startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnWorker } from "../fixtures/worker-process.js";

const app = fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url));
const CLIENT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const IDENTITY_HEADER = "identity-header-secret";

let azurite: AzuriteInstance;
let certFile: string;
let identity: Server;
let identityUrl: string;
/** The query strings the identity endpoint was asked with, and the audience it puts in its tokens. */
const tokenRequests: URLSearchParams[] = [];
let audience = "https://storage.azure.com";

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  const tls = await createSelfSignedCertificate();
  certFile = tls.certFile;
  azurite = await startAzurite({ cert: tls.certFile, key: tls.keyFile, oauth: "basic" });
  // App Service's managed identity endpoint: GET ?resource=...&api-version=2019-08-01[&client_id=...]
  identity = createServer((req, res) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    tokenRequests.push(query);
    if (req.headers["x-identity-header"] !== IDENTITY_HEADER) {
      res.writeHead(401).end();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: audience,
      iss: "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
      iat: now - 60,
      nbf: now - 60,
      exp: now + 3600,
      appid: query.get("client_id"),
    };
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        access_token: `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims)}.c2lnbmF0dXJl`,
        expires_on: String(now + 3600),
        resource: query.get("resource"),
        token_type: "Bearer",
        client_id: query.get("client_id"),
      }),
    );
  });
  await new Promise<void>((done) => identity.listen(0, "127.0.0.1", done));
  identityUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`;
});

afterAll(async () => {
  await new Promise((done) => identity?.close(done));
  await azurite?.stop();
});

function startWorker(hubName: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: certFile,
    IDENTITY_ENDPOINT: identityUrl,
    IDENTITY_HEADER,
    AzureWebJobsStorage__blobServiceUri: azurite.blobEndpoint,
    AzureWebJobsStorage__queueServiceUri: azurite.queueEndpoint,
    AzureWebJobsStorage__tableServiceUri: azurite.tableEndpoint,
    AzureWebJobsStorage__credential: "managedidentity",
    AzureWebJobsStorage__clientId: CLIENT_ID,
    TASKHUB_HUB_NAME: hubName,
    TASKHUB_HTTP_PORT: "0",
    TASKHUB_HTTP_AUTH: "disabled",
  };
  for (const name of [
    "AZURE_STORAGE_CONNECTION_STRING",
    "AzureWebJobsStorage",
    "TASKHUB_CONNECTION_NAME",
    "TASKHUB_CONFIG",
  ])
    delete env[name];
  return spawnWorker(["--app", app], env);
}

describe("taskhub worker with an identity-based connection", () => {
  it("runs an orchestration end to end with a managed identity's token, no key", async () => {
    audience = "https://storage.azure.com";
    const worker = startWorker("IdentityHub");
    try {
      const base = `${await worker.ready}/runtime/webhooks/durabletask`;
      const r = await fetch(`${base}/orchestrators/SlowTwice?timeout=60&pollingInterval=1`, {
        method: "POST",
        body: "10",
      });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual(["slept 10", "slept 10"]);
      // The user-assigned identity of __clientId asked for a storage token.
      expect(tokenRequests.length).toBeGreaterThan(0);
      expect(tokenRequests.every((q) => q.get("client_id") === CLIENT_ID)).toBe(true);
      expect(tokenRequests[0]!.get("resource")).toBe("https://storage.azure.com");
    } finally {
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
  }, 120_000);

  it("stops at start, exit 1 with the storage refusal named, when Azurite refuses the token", async () => {
    audience = "https://vault.azure.net";
    const worker = startWorker("RefusedHub");
    await expect(worker.ready).rejects.toThrow(/exited \(1\)/);
    expect(worker.output()).toMatch(/cannot reach the storage account: .*failed to authenticate/is);
    expect(worker.output()).not.toContain(IDENTITY_HEADER);
  }, 120_000);
});
