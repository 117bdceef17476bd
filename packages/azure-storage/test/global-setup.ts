// One in-memory Azurite for the whole test run, on free ports; test files share it and read its connection
// string with inject("azuriteConnectionString"). It is stopped after the run (and dies with this process).
import type { TestProject } from "vitest/node";
import { startAzurite } from "@taskhub/azurite";

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
