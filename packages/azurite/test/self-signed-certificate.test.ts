import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createSelfSignedCertificate } from "../src/index.js";

describe("createSelfSignedCertificate", () => {
  it("makes a CA certificate for 127.0.0.1 and localhost, with its key, in PEM files", async () => {
    const c = await createSelfSignedCertificate();
    expect(await readFile(c.certFile, "utf8")).toBe(c.cert);
    expect(await readFile(c.keyFile, "utf8")).toBe(c.key);
    const x509 = new X509Certificate(c.cert);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toContain("CN=127.0.0.1");
    expect(x509.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(x509.subjectAltName).toContain("DNS:localhost");
    expect(x509.checkPrivateKey(createPrivateKey(c.key))).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true); // self-signed
    const validTo = new Date(x509.validTo).getTime();
    expect(validTo).toBeGreaterThan(Date.now() + 86_400_000);
    expect(validTo).toBeLessThan(Date.now() + 3 * 86_400_000);
  });

  it("serves HTTPS that a client trusting it (and only it) accepts", async () => {
    const c = await createSelfSignedCertificate();
    const server = createServer({ cert: c.cert, key: c.key }, (_req, res) => res.end("ok"));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    const get = (host: string, ca?: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = request({
          host,
          port,
          path: "/",
          ca,
          servername: host === "127.0.0.1" ? undefined : host,
        });
        req.on("response", (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      expect(await get("127.0.0.1", c.cert)).toBe("ok");
      expect(await get("localhost", c.cert)).toBe("ok");
      await expect(get("127.0.0.1")).rejects.toThrow(/self.signed/i);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it("names the hosts it is given, and refuses none", async () => {
    const c = await createSelfSignedCertificate({ hosts: ["example.test", "10.1.2.3"], days: 1 });
    const x509 = new X509Certificate(c.cert);
    expect(x509.subject).toContain("CN=example.test");
    expect(x509.subjectAltName).toBe("DNS:example.test, IP Address:10.1.2.3");
    await expect(createSelfSignedCertificate({ hosts: [] })).rejects.toThrow(/at least one host/);
  });
});
