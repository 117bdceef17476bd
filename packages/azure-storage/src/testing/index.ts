// @taskhub/azure-storage/testing: startAzurite(), a real Azurite as a child process (needs the azurite package).
/// <reference types="node" preserve="true" />
export * from "./azurite.js";
