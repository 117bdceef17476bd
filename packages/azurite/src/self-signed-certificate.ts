/**
 * A throwaway self-signed certificate for serving Azurite over HTTPS (`startAzurite({ cert, key })`), made in
 * Node alone (the `selfsigned` library, on Node's WebCrypto): no `openssl` command needed. It is its own CA
 * (basicConstraints CA:TRUE), so a client trusts it as a root, e.g. through `NODE_EXTRA_CA_CERTS=<certFile>`,
 * and names 127.0.0.1 and localhost, where Azurite listens. `selfsigned` is an optional peer dependency, as
 * `azurite` is (a production host never makes certificates): loaded on the first call, with a clear error
 * when it is not installed.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isIP } from "node:net";
import { TaskHubError } from "@taskhub/core";

export interface SelfSignedCertificateOptions {
  /** Host names and IP addresses it is valid for (default 127.0.0.1 and localhost); the first is its CN. */
  hosts?: readonly string[];
  /** Days it is valid from now (default 2). */
  days?: number;
  /** Folder for the PEM files (default: a new temporary folder). */
  dir?: string;
}

export interface SelfSignedCertificate {
  /** The certificate and its private key (PKCS#8), PEM. */
  readonly cert: string;
  readonly key: string;
  /** The same, written to `cert.pem` and `key.pem` in `dir`: for Azurite's `--cert` / `--key`. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly dir: string;
}

export async function createSelfSignedCertificate(
  options: SelfSignedCertificateOptions = {},
): Promise<SelfSignedCertificate> {
  const hosts = options.hosts ?? ["127.0.0.1", "localhost"];
  if (hosts.length === 0) throw new RangeError("a certificate needs at least one host");
  const { generate } = await loadSelfsigned();
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: hosts[0]! }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + (options.days ?? 2) * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      {
        name: "subjectAltName",
        altNames: hosts.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
      },
    ],
  });
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "taskhub-tls-")));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  await writeFile(certFile, pems.cert);
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private, certFile, keyFile, dir };
}

async function loadSelfsigned(): Promise<typeof import("selfsigned")> {
  try {
    return await import("selfsigned");
  } catch (err) {
    throw new TaskHubError(
      "InvalidArgument",
      "cannot make a certificate: the selfsigned package is not installed. It is an optional development " +
        "dependency: install it with `npm install -D selfsigned`.",
      { cause: err },
    );
  }
}
