// One in-memory Azurite for the whole test run; tests read its connection string with inject().
import type { TestProject } from "vitest/node";
import { startAzurite } from "../src/testing/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
