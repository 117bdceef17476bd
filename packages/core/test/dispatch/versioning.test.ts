// Version comparison and matching as DurableTask.Core's VersioningSettings defines them.
import { describe, expect, it } from "vitest";
import { compareVersions, versionMatches } from "../../src/index.js";

describe("compareVersions", () => {
  it("treats empty versions as equal and older than any other", () => {
    expect(compareVersions("", undefined)).toBe(0);
    expect(compareVersions("  ", "")).toBe(0);
    expect(compareVersions("", "1.0")).toBe(-1);
    expect(compareVersions("1.0", undefined)).toBe(1);
  });

  it("compares 2 to 4 numeric parts as System.Version does, a missing part below 0", () => {
    expect(compareVersions("1.9", "1.10")).toBe(-1);
    expect(compareVersions("2.0.0", "2.0.0")).toBe(0);
    expect(compareVersions("1.0", "1.0.0")).toBe(-1);
    expect(compareVersions("1.2.3.4", "1.2.3")).toBe(1);
  });

  it("compares anything else as case-insensitive ordinal strings", () => {
    expect(compareVersions("v1-release", "V1-RELEASE")).toBe(0);
    expect(compareVersions("1", "2")).toBe(-1); // single numbers are no System.Version: string order
    expect(compareVersions("10", "9")).toBe(-1);
    expect(compareVersions("2025-01-02", "2025-01-10")).toBe(-1);
    expect(compareVersions("1.0", "1.0-beta")).toBe(-1);
  });
});

describe("versionMatches", () => {
  it("None matches anything; Strict only the same string; CurrentOrOlder up to the worker's", () => {
    expect(versionMatches({}, "9.9")).toBe(true);
    expect(versionMatches({ version: "1.0", matchStrategy: "Strict" }, "1.0")).toBe(true);
    expect(versionMatches({ version: "1.0", matchStrategy: "Strict" }, "1.0.0")).toBe(false);
    expect(versionMatches({ matchStrategy: "Strict" }, "")).toBe(true);
    expect(versionMatches({ version: "2.0", matchStrategy: "CurrentOrOlder" }, "1.5")).toBe(true);
    expect(versionMatches({ version: "2.0", matchStrategy: "CurrentOrOlder" }, "2.1")).toBe(false);
    // A worker without a version runs only unversioned instances under CurrentOrOlder (as DF does).
    expect(versionMatches({ matchStrategy: "CurrentOrOlder" }, "1.0")).toBe(false);
    expect(versionMatches({ matchStrategy: "CurrentOrOlder" }, "")).toBe(true);
  });
});
