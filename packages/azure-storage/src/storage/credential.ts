/**
 * The `TokenCredential` of an identity-based storage connection, chosen from its settings as Azure Functions
 * (Microsoft.Extensions.Azure) chooses it:
 * - `credential: "managedidentity"`: a managed identity; the user-assigned one of `clientId` or
 *   `managedIdentityResourceId`, else the system-assigned one.
 * - `tenantId` + `clientId` + `clientSecret`: that service principal (local development).
 * - otherwise `DefaultAzureCredential` (environment, workload identity, managed identity, developer sign-ins).
 *
 * Contracts:
 * - A `credential` value other than `managedidentity` (any case), or a `clientSecret` without `tenantId` and
 *   `clientId`, throws InvalidArgument naming the setting, when `storageCredential` is called; the secret is
 *   never quoted.
 * - `@azure/identity` is loaded when the credential is first asked for a token (`getToken`) or resolved
 *   (`resolve()`), not before: loading it costs a process about a third of a second of CPU, which every CLI
 *   verb and every process on an account key or connection string would otherwise pay for nothing.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { InvalidArgumentError } from "@taskhub/core";

export interface StorageCredentialSettings {
  /** `managedidentity`, or absent. */
  credential?: string;
  /** The user-assigned managed identity's client id, or the service principal's. */
  clientId?: string;
  managedIdentityResourceId?: string;
  tenantId?: string;
  clientSecret?: string;
}

/** Which `@azure/identity` credential a `StorageCredential` stands for, with its options. */
export type StorageCredentialChoice =
  | { kind: "managedIdentity"; clientId?: string; resourceId?: string }
  | { kind: "clientSecret"; tenantId: string; clientId: string }
  | { kind: "default"; managedIdentityClientId?: string };

/** A `TokenCredential` that creates its `@azure/identity` credential on first use (see the contracts above). */
export class StorageCredential implements TokenCredential {
  private created: Promise<TokenCredential> | undefined;
  /** A JS private field: kept out of logs and `util.inspect`, not only out of JSON. */
  readonly #clientSecret: string | undefined;

  constructor(
    /** The credential chosen (no secret in it). */
    readonly choice: StorageCredentialChoice,
    clientSecret?: string,
  ) {
    this.#clientSecret = clientSecret;
  }

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    return this.resolve().then((credential) => credential.getToken(scopes, options));
  }

  /** The `@azure/identity` credential itself (loads the package the first time). */
  resolve(): Promise<TokenCredential> {
    return (this.created ??= import("@azure/identity").then((identity): TokenCredential => {
      const c = this.choice;
      switch (c.kind) {
        case "managedIdentity":
          if (c.resourceId !== undefined)
            return new identity.ManagedIdentityCredential({ resourceId: c.resourceId });
          return c.clientId !== undefined
            ? new identity.ManagedIdentityCredential({ clientId: c.clientId })
            : new identity.ManagedIdentityCredential();
        case "clientSecret":
          return new identity.ClientSecretCredential(c.tenantId, c.clientId, this.#clientSecret!);
        case "default":
          return new identity.DefaultAzureCredential(
            c.managedIdentityClientId !== undefined
              ? { managedIdentityClientId: c.managedIdentityClientId }
              : {},
          );
      }
    }));
  }

  /** Never the client secret. */
  toJSON(): StorageCredentialChoice {
    return this.choice;
  }
}

export function storageCredential(settings: StorageCredentialSettings, prefix = ""): StorageCredential {
  const { credential, clientId, managedIdentityResourceId, tenantId, clientSecret } = settings;
  if (credential !== undefined && credential.toLowerCase() !== "managedidentity") {
    throw new InvalidArgumentError(
      `${prefix}credential must be "managedidentity" (or absent), got ${JSON.stringify(credential)}`,
    );
  }
  if (credential !== undefined) {
    if (clientId !== undefined && managedIdentityResourceId !== undefined)
      throw new InvalidArgumentError(
        `give ${prefix}clientId or ${prefix}managedIdentityResourceId for a managed identity, not both`,
      );
    if (managedIdentityResourceId !== undefined)
      return new StorageCredential({ kind: "managedIdentity", resourceId: managedIdentityResourceId });
    return new StorageCredential(
      clientId !== undefined ? { kind: "managedIdentity", clientId } : { kind: "managedIdentity" },
    );
  }
  if (clientSecret !== undefined) {
    if (tenantId === undefined || clientId === undefined)
      throw new InvalidArgumentError(
        `${prefix}clientSecret needs ${prefix}tenantId and ${prefix}clientId (a service principal)`,
      );
    return new StorageCredential({ kind: "clientSecret", tenantId, clientId }, clientSecret);
  }
  return new StorageCredential(
    clientId !== undefined ? { kind: "default", managedIdentityClientId: clientId } : { kind: "default" },
  );
}
