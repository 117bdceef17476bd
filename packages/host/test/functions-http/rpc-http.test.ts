import { describe, expect, it } from "vitest";
import { fromRpcHttpResponse, toRpcHttpRequest, toSetCookie } from "../../src/functions-http/rpc-http.js";

describe("the request as the Functions host hands it to a Node.js worker", () => {
  it("query without empty values, repeated values joined; lower-case headers; the body as bytes", async () => {
    const rpc = await toRpcHttpRequest(
      new Request("http://h/api/x?a=1&a=2&empty=&b=3", {
        method: "POST",
        headers: { "X-Custom": "v" },
        body: "héllo",
      }),
      { id: "7" },
    );
    expect(rpc.query).toEqual({ a: "1,2", b: "3" });
    expect(rpc.headers?.["x-custom"]).toBe("v");
    expect(rpc.params).toEqual({ id: "7" });
    expect(rpc.url).toBe("http://h/api/x?a=1&a=2&empty=&b=3");
    expect(Buffer.from(rpc.body!.bytes!).toString("utf8")).toBe("héllo");
    expect((await toRpcHttpRequest(new Request("http://h/api/x"), {})).body).toBeUndefined();
  });
});

describe("the response", () => {
  it("nothing returned is 204", () => {
    expect(fromRpcHttpResponse(undefined).status).toBe(204);
  });

  it("status, headers, body bytes and one Set-Cookie per cookie", async () => {
    const r = fromRpcHttpResponse({
      http: {
        statusCode: "201",
        headers: { "content-type": "text/plain" },
        body: { bytes: new TextEncoder().encode("ok") },
        cookies: [
          { name: "a", value: "1", secure: { value: true }, sameSite: "explicitNone" },
          { name: "b", value: "2", expires: { value: { seconds: 0 } }, domain: { value: "example.org" } },
        ],
      },
    });
    expect(r.status).toBe(201);
    expect(await r.text()).toBe("ok");
    expect(r.headers.getSetCookie()).toEqual([
      "a=1; Secure; SameSite=None",
      "b=2; Domain=example.org; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]);
  });

  it("a status outside 200-599 is refused with the status named", () => {
    expect(() => fromRpcHttpResponse({ http: { statusCode: "99" } })).toThrow(/the status '99'/);
  });

  it("toSetCookie writes only the attributes given", () => {
    expect(toSetCookie({ name: "n", value: "v" })).toBe("n=v");
  });
});
