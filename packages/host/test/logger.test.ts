import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, isSecretSetting, scrubSecrets, secretSettingValues } from "../src/logger.js";

/** A logger whose lines are kept, with the secrets of `env` to hide as the host passes them. */
function capture(env: Record<string, string>): { logger: ReturnType<typeof createLogger>; text(): string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ secrets: secretSettingValues(env), destination }),
    text: () => chunks.join(""),
  };
}

describe("secret scrubbing of identity-based connection settings", () => {
  it("names client secrets and certificates as secret settings, and nothing else of a connection", () => {
    for (const name of [
      "AzureWebJobsStorage__clientSecret",
      "MyStorage__clientSecret",
      "AzureWebJobsStorage__clientCertificate",
      "AzureWebJobsStorage__clientCertificatePassword",
      "clientSecret",
      "AZURE_CLIENT_SECRET",
      "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    ])
      expect(isSecretSetting(name), name).toBe(true);
    for (const name of [
      "AzureWebJobsStorage__clientId",
      "AzureWebJobsStorage__accountName",
      "AzureWebJobsStorage__credential",
      "AzureWebJobsStorage__tenantId",
      "clientSecretExpiry",
    ])
      expect(isSecretSetting(name), name).toBe(false);
  });

  it("hides the value of a secret setting in text, as name=value, name: value and JSON", () => {
    expect(scrubSecrets("AzureWebJobsStorage__clientSecret=s3cr3t-Value~x; next")).toBe(
      "AzureWebJobsStorage__clientSecret=[REDACTED]; next",
    );
    expect(scrubSecrets('{"MyConn__clientCertificatePassword":"p@ss.word","clientId":"abc"}')).toBe(
      '{"MyConn__clientCertificatePassword":"[REDACTED]","clientId":"abc"}',
    );
    expect(scrubSecrets("AZURE_CLIENT_SECRET: topsecret")).toBe("AZURE_CLIENT_SECRET: [REDACTED]");
    // A message about the setting, without its value, is left alone.
    expect(scrubSecrets("AzureWebJobsStorage__clientSecret needs __tenantId and __clientId")).toBe(
      "AzureWebJobsStorage__clientSecret needs __tenantId and __clientId",
    );
  });

  it("never writes an identity secret to a log line: fields, messages and error texts", () => {
    const secret = "Zq8~verySecretClientValue.123";
    const certPassword = "cert-password-456";
    const { logger, text } = capture({
      AzureWebJobsStorage__accountName: "devstoreaccount1",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
      AzureWebJobsStorage__clientSecret: secret,
      Other__clientCertificatePassword: certPassword,
    });
    logger.info({ clientSecret: secret, storage: { clientSecret: secret } }, "fields");
    logger.info({ settings: { AzureWebJobsStorage__clientSecret: secret } }, "nested setting");
    logger.warn(`credential refused ${secret} and ${certPassword}`);
    logger.error({ err: new Error(`AADSTS7000215: Invalid client secret provided: ${secret}`) }, "token");
    logger.flush();
    const out = text();
    expect(out.split("\n").filter(Boolean)).toHaveLength(4);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(certPassword);
    expect(out).toContain("[REDACTED]");
    // What is not a secret stays readable.
    expect(out).toContain("AADSTS7000215");
  });
});
