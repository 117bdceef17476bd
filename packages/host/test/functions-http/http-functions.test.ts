// The real @azure/functions registering into the host's core module in this process, its HTTP functions served
// by the handler directly (no server): the route prefix, the durable client input's value, start-time refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@taskhub/core";
import { installFunctionsCore } from "../../src/functions-http/install-functions-core.js";
import { createHttpFunctionsHandler, httpRoutes } from "../../src/functions-http/http-functions.js";
import { startFunctions } from "../../src/functions-http/functions-host.js";
import type { FunctionsCore } from "../../src/functions-http/functions-core.js";

let core: FunctionsCore;
let app: typeof import("@azure/functions").app;

beforeAll(async () => {
  core = installFunctionsCore();
  // Loaded after the core module is in place, as `taskhub worker` loads an app.
  app = (await import("@azure/functions")).app;
  app.get("Item", { route: "items/{id:int}", handler: (request) => ({ jsonBody: request.params }) });
  app.post("Starter", {
    route: "start",
    extraInputs: [{ type: "durableClient", name: "starter" }],
    handler: (_request, context) => ({ jsonBody: context.extraInputs.get("starter") }),
  });
});

const binding = {
  taskHubName: "Hub",
  creationUrls: { createNewInstancePostUri: "c", createAndWaitOnNewInstancePostUri: "w" },
  managementUrls: {} as never,
  baseUrl: "http://h/runtime/webhooks/durabletask",
  requiredQueryStringParameters: "",
};
const handler = (routePrefix: string) =>
  createHttpFunctionsHandler(core, httpRoutes(core, routePrefix), {
    auth: "disabled",
    durableClientBinding: () => binding,
    logger: silentLogger,
  });

describe("@azure/functions HTTP functions in this process", () => {
  it("registers through the host's core module: no test mode", () => {
    expect([...core.functions.values()].map((f) => f.metadata.name)).toEqual(["Item", "Starter"]);
    expect(core.programmingModel?.name).toBe("@azure/functions");
  });

  it("serves under the route prefix given, or at the root; other paths are declined", async () => {
    const v1 = handler("v1/fn");
    expect(await (await v1(new Request("http://h/v1/fn/items/5")))?.json()).toEqual({ id: "5" });
    expect(await v1(new Request("http://h/api/items/5"))).toBeUndefined();
    const root = handler("");
    expect((await root(new Request("http://h/items/5")))?.status).toBe(200);
  });

  it("a durableClient input gets the extension's client binding", async () => {
    const r = await handler("api")(new Request("http://h/api/start", { method: "POST" }));
    expect(await r?.json()).toEqual(binding);
  });

  it("refuses a bad route at start naming the function, and registrations once started", () => {
    core.api.registerFunction(
      { name: "BadRoute", bindings: { req: { type: "httpTrigger", direction: "in", route: "a/{id:nope}" } } },
      () => undefined,
    );
    expect(() => httpRoutes(core)).toThrow(/HTTP function 'BadRoute': unknown route constraint 'nope'/);
    expect(() => app.get("item", { handler: () => ({}) })).toThrow(
      /a function named 'item' is already registered/,
    );
    core.markStarted();
    expect(() => app.get("Late", { handler: () => ({}) })).toThrow(/only be registered during app startup/);
  });

  // Last: HTTP streaming stays on for the rest of this process.
  it("refuses an app that enables HTTP streaming at start", async () => {
    app.setup({ enableHttpStream: true });
    await expect(
      startFunctions(core, {
        auth: "disabled",
        durableClientBinding: () => binding,
        logger: silentLogger,
        baseUrl: "http://h",
      }),
    ).rejects.toThrow(/enables HTTP streaming .* which taskhub does not host/);
  });
});
