// A v4-model app's HTTP functions, declared with the real `@azure/functions` package, served by a real
// `taskhub worker` process on Azurite and driven over HTTP as the documentation's curl lines drive them: the
// async HTTP API starter (durable client input, createCheckStatusResponse), route parameters and constraints,
// methods, 404s, authLevel with the host's key, JSON / text / form bodies, HttpResponse and HttpResponseInit
// returns, app and invocation hooks, a failing function, and a timer trigger reported at start and not run.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { spawnWorker } from "../fixtures/worker-process.js";

const app = fileURLToPath(new URL("../fixtures/v4-http-app.mjs", import.meta.url));
const KEY = "key-0123456789abcdefXYZ";

let azurite: AzuriteInstance;
let host: { url: string; output: () => string; stop: () => Promise<number | null> };

beforeAll(async () => {
  azurite = await startAzurite();
  const worker = spawnWorker(["--app", app], {
    ...process.env,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    TASKHUB_HUB_NAME: "FunctionsHttpHub",
    TASKHUB_HTTP_PORT: "0",
    TASKHUB_HTTP_KEY: KEY,
    TASKHUB_HTTP_AUTH: "",
  });
  host = { url: await worker.ready, output: worker.output, stop: worker.stop };
});
afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

const isNoClient = (e: Record<string, unknown>): boolean => e.functionName === "NoClientInput";

/** The pino JSON lines of the host whose `event` is `name`. */
function events(name: string): Record<string, unknown>[] {
  return host
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === name);
}

describe("@azure/functions v4 HTTP functions on the taskhub host", () => {
  it("the async HTTP API starter: durable client input, createCheckStatusResponse, the orchestration runs", async () => {
    const r = await fetch(`${host.url}/api/orchestrators/Hello/v4-start-1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify("world"),
    });
    expect(r.status).toBe(202);
    const payload = (await r.json()) as Record<string, string>;
    expect(payload.id).toBe("v4-start-1");
    expect(r.headers.get("location")).toBe(payload.statusQueryGetUri);
    expect(payload.statusQueryGetUri).toMatch(
      new RegExp(
        `^${host.url}/runtime/webhooks/durabletask/instances/v4-start-1\\?taskHub=FunctionsHttpHub&`,
      ),
    );
    expect(payload.statusQueryGetUri).toContain(`code=${KEY}`);
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 300 && status.runtimeStatus !== "Completed"; i++) {
      status = (await (await fetch(payload.statusQueryGetUri!)).json()) as Record<string, unknown>;
      if (status.runtimeStatus !== "Completed") await new Promise((res) => setTimeout(res, 100));
    }
    expect(status).toMatchObject({ name: "Hello", runtimeStatus: "Completed", output: "hi world" });
    // The optional route parameter may be left out: a new id is made.
    const second = await fetch(`${host.url}/api/orchestrators/Hello`, { method: "POST", body: '"again"' });
    expect(second.status).toBe(202);
    expect(((await second.json()) as { id: string }).id).toMatch(/^[0-9a-f]{32}$/);
    // Its context.log went to the host's log with the function's name.
    expect(events("functions.log").some((e) => e.functionName === "StartOrchestration")).toBe(true);
  });

  it("route parameters and constraints pick the function; the query reaches it; unknown routes and methods are 404", async () => {
    const byId = await fetch(`${host.url}/api/items/42?q=x`);
    expect(byId.status).toBe(200);
    expect(byId.headers.get("content-type")).toBe("application/json");
    expect(await byId.json()).toEqual({ by: "id", id: 42, q: "x" });
    expect(await (await fetch(`${host.url}/api/items/abc`)).json()).toEqual({ by: "name", name: "abc" });
    // Neither int nor alpha: no function takes it.
    expect((await fetch(`${host.url}/api/items/a1`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/nothing-here`)).status).toBe(404);
    // ItemById is GET only.
    expect((await fetch(`${host.url}/api/items/42`, { method: "POST" })).status).toBe(404);
    // Routes are case-insensitive, and the function name is the default route.
    expect(await (await fetch(`${host.url}/API/defaultroute`)).text()).toBe("default");
  });

  it("app.put / app.patch / app.deleteRequest share a route by method", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const r = await fetch(`${host.url}/api/thing`, { method });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(method);
    }
    expect((await fetch(`${host.url}/api/thing`)).status).toBe(404);
  });

  it("bodies as @azure/functions delivers them: text, JSON, form; an HttpResponse with headers and a cookie", async () => {
    const echo = await fetch(`${host.url}/api/echo`, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-test": "seen" },
      body: "héllo",
    });
    expect(echo.status).toBe(201);
    expect(await echo.text()).toBe("echo: héllo");
    expect(echo.headers.get("content-type")).toBe("text/plain");
    expect(echo.headers.get("x-seen")).toBe("seen");
    expect(echo.headers.getSetCookie()).toEqual([
      "visited=yes; HttpOnly",
      "theme=dark; Path=/; Max-Age=60; SameSite=Strict",
    ]);
    const json = await fetch(`${host.url}/api/json`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: [1, 2], b: null }),
    });
    expect(await json.json()).toEqual({ got: { a: [1, 2], b: null } });
    const form = await fetch(`${host.url}/api/form`, {
      method: "POST",
      body: new URLSearchParams({ name: "Ada", role: "engineer" }),
    });
    expect(await form.json()).toEqual({ name: "Ada", role: "engineer" });
  });

  it("authLevel function and admin need the host's key (code or x-functions-key): 401 without, 200 with", async () => {
    expect((await fetch(`${host.url}/api/secret`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/secret?code=wrong-key-0123456789`)).status).toBe(401);
    const withCode = await fetch(`${host.url}/api/secret?code=${KEY}`);
    expect(withCode.status).toBe(200);
    expect(await withCode.text()).toBe("secret");
    expect((await fetch(`${host.url}/api/secret`, { headers: { "x-functions-key": KEY } })).status).toBe(200);
    expect((await fetch(`${host.url}/api/admin-only`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/admin-only?code=${KEY}`)).status).toBe(200);
    // Anonymous functions need no key; the management API still does.
    expect((await fetch(`${host.url}/api/items/1`)).status).toBe(200);
    expect((await fetch(`${host.url}/runtime/webhooks/durabletask/instances/v4-start-1`)).status).toBe(401);
  });

  it("a function that throws answers 500 and is logged; getClient without the durable client input throws", async () => {
    const r = await fetch(`${host.url}/api/throws`);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe("");
    expect((await fetch(`${host.url}/api/no-client`)).status).toBe(500);
    // The host logs the failure before it answers, but its stdout reaches this process on another pipe than
    // the answer: wait for the line rather than read the output at once.
    for (let i = 0; i < 300 && !events("functions.invocationFailed").some(isNoClient); i++)
      await new Promise((r) => setTimeout(r, 100));
    const failures = events("functions.invocationFailed");
    expect(failures.map((e) => e.functionName)).toEqual(expect.arrayContaining(["Throws", "NoClientInput"]));
    const noClient = failures.find(isNoClient);
    expect(JSON.stringify(noClient?.err)).toContain(
      "Could not find a registered durable client input binding",
    );
  });

  it("appStart ran before serving; a preInvocation hook wraps the handler", async () => {
    const r = await fetch(`${host.url}/api/hooked`);
    expect(r.headers.get("x-hooked")).toBe("yes");
    expect(await r.json()).toEqual({ started: true, functionName: "Hooked" });
  });

  it("at start: the HTTP functions and their routes are listed; the timer trigger is reported once and not run", () => {
    const http = events("functions.httpFunction");
    expect(http.find((e) => e.functionName === "ItemById")).toMatchObject({
      route: "/api/items/{id:int}",
      methods: ["GET"],
      authLevel: "anonymous",
    });
    const notHosted = events("functions.triggerNotHosted");
    expect(notHosted).toHaveLength(1);
    expect(notHosted[0]).toMatchObject({ functionName: "Tick", trigger: "timerTrigger" });
    expect(host.output()).not.toContain("test mode");
  });
});
