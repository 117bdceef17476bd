/**
 * Builds the DT.AS peer once per run (`dotnet build` is incremental: an unchanged peer is not rebuilt). Without
 * .NET the run stops here with one line saying what to install.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const version = spawnSync("dotnet", ["--version"], { encoding: "utf8" });
  if (version.error || version.status !== 0)
    throw new Error(
      "the interop tests need the .NET SDK 10 (`dotnet`) to build the DT.AS peer: install dotnet-sdk-10.0",
    );
  const project = fileURLToPath(new URL("../dtf-peer/dtf-peer.csproj", import.meta.url));
  const build = spawnSync(
    "dotnet",
    ["build", project, "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"],
    { encoding: "utf8", timeout: 600_000 },
  );
  if (build.status !== 0)
    throw new Error(`building the DT.AS peer failed:\n${build.stdout}\n${build.stderr}`);
}
