// @taskhub/azurite: startAzurite(), a real Azurite as a child process (needs the azurite package, an optional
// peer), and createSelfSignedCertificate() to serve it over HTTPS. Tests start it; so does the host's embedded
// development storage (`taskhub worker` without a storage account). @taskhub/azure-storage does not depend
// on it: a production install of the provider has no Azurite.
/// <reference types="node" preserve="true" />
export * from "./start-azurite.js";
export * from "./self-signed-certificate.js";
