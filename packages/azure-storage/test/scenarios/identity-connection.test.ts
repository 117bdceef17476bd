// Identity-based connections for real: Azurite over HTTPS (a self-signed certificate from @taskhub/azurite's
// createSelfSignedCertificate) with `--oauth basic`, and a worker process whose storage connection has service
// URIs and a TokenCredential only, so every request it makes carries a bearer token. A token Azurite refuses
// fails the start clearly.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createSelfSignedCertificate, startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueHubName } from "../helpers.js";

const WORKER = fileURLToPath(new URL("./fixtures/token-credential-worker.mjs", import.meta.url));

let azurite: AzuriteInstance;
let certFile: string;

beforeAll(async () => {
  const tls = await createSelfSignedCertificate();
  certFile = tls.certFile;
  azurite = await startAzurite({ cert: tls.certFile, key: tls.keyFile, oauth: "basic" });
});

afterAll(async () => {
  await azurite?.stop();
});

interface WorkerResult {
  ok: boolean;
  status?: string;
  output?: unknown;
  error?: string;
  code?: string;
  statusCode?: number;
  tokenCalls: number;
  scopes: string[];
}

function runWorker(audience: string): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: certFile,
        TEST_HUB: uniqueHubName("id"),
        TEST_TOKEN_AUDIENCE: audience,
        TEST_ENDPOINTS: JSON.stringify({
          blob: azurite.blobEndpoint,
          queue: azurite.queueEndpoint,
          table: azurite.tableEndpoint,
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last) as WorkerResult);
      } catch {
        reject(new Error(`worker exited (${code}) without a result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe("identity-based connection (HTTPS Azurite with --oauth basic)", () => {
  it("serves HTTPS endpoints", () => {
    for (const e of [azurite.blobEndpoint, azurite.queueEndpoint, azurite.tableEndpoint])
      expect(e).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    expect(azurite.connectionString).toContain("DefaultEndpointsProtocol=https;");
  });

  it("runs an orchestration end to end with a token credential and no key", async () => {
    const r = await runWorker("https://storage.azure.com");
    expect(r).toMatchObject({ ok: true, status: "Completed", output: ["Hello, Tokyo!", "Hello, Seattle!"] });
    expect(r.tokenCalls).toBeGreaterThan(0);
    expect(r.scopes).toEqual(["https://storage.azure.com/.default"]);
  });

  it("fails the start clearly when Azurite refuses the token", async () => {
    const r = await runWorker("https://vault.azure.net");
    expect(r.ok).toBe(false);
    expect(r.tokenCalls).toBeGreaterThan(0);
    expect(r.statusCode).toBe(403);
    // What was being created first (the requests run at once; the first failure in the hub's order is
    // reported, whichever answered first), and Azurite's message; the reason ("Invalid token audience") is
    // in the error body of some services only. The queue SDK's own message would be "Unexpected status code".
    expect(r.error).toMatch(
      /^storage operation create queue \S+-control-00 failed with HTTP 403 \(AuthenticationFailed\): Server failed to authenticate/,
    );
  });
});
