/**
 * The `TokenCredential` of an identity-based storage connection, chosen from its settings as Azure Functions
 * (Microsoft.Extensions.Azure) chooses it:
 * - `credential: "managedidentity"`: a managed identity; the user-assigned one of `clientId` or
 *   `managedIdentityResourceId`, else the system-assigned one.
 * - `tenantId` + `clientId` + `clientSecret`: that service principal (local development).
 * - otherwise `DefaultAzureCredential` (environment, workload identity, managed identity, developer sign-ins).
 *
 * Contracts: a `credential` value other than `managedidentity` (any case), or a `clientSecret` without
 * `tenantId` and `clientId`, throws InvalidArgument naming the setting; the secret is never quoted.
 */
import {
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
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

export function storageCredential(settings: StorageCredentialSettings, prefix = ""): TokenCredential {
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
      return new ManagedIdentityCredential({ resourceId: managedIdentityResourceId });
    return clientId !== undefined
      ? new ManagedIdentityCredential({ clientId })
      : new ManagedIdentityCredential();
  }
  if (clientSecret !== undefined) {
    if (tenantId === undefined || clientId === undefined)
      throw new InvalidArgumentError(
        `${prefix}clientSecret needs ${prefix}tenantId and ${prefix}clientId (a service principal)`,
      );
    return new ClientSecretCredential(tenantId, clientId, clientSecret);
  }
  return new DefaultAzureCredential(clientId !== undefined ? { managedIdentityClientId: clientId } : {});
}
