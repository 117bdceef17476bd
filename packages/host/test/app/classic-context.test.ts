import { describe, expect, it } from "vitest";
import { toClassicRequest } from "../../src/app/classic-context.js";

const post = (body?: string, headers: Record<string, string> = {}): Request =>
  new Request("http://127.0.0.1:7071/api/orchestrators/Hello?x=1", {
    method: "POST",
    headers,
    ...(body === undefined ? {} : { body }),
  });

describe("toClassicRequest", () => {
  it("parses a JSON body into req.body and keeps the text in req.rawBody", async () => {
    const req = await toClassicRequest(post('{"city":"Tokyo"}', { "content-type": "application/json" }), {
      functionName: "Hello",
    });
    expect(req).toMatchObject({
      method: "POST",
      url: "http://127.0.0.1:7071/api/orchestrators/Hello?x=1",
      query: { x: "1" },
      params: { functionName: "Hello" },
      headers: { "content-type": "application/json" },
      body: { city: "Tokyo" },
      rawBody: '{"city":"Tokyo"}',
    });
  });

  it("leaves a body that is not JSON as its text", async () => {
    const req = await toClassicRequest(post("hello there"), {});
    expect(req.body).toBe("hello there");
    expect(req.rawBody).toBe("hello there");
  });

  it("gives no body for an empty one, as the Functions Node.js worker does (a starter's startNew then has no input)", async () => {
    for (const request of [post(), post("")]) {
      const req = await toClassicRequest(request, {});
      expect(req.body).toBeUndefined();
      expect(req.rawBody).toBeUndefined();
    }
  });
});
