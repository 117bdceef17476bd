// What an instance listing or count gives the Instances table's filter, and what it leaves for the rows.
import { describe, expect, it } from "vitest";
import { RUNTIME_STATUSES } from "@taskhub/core";
import { instanceFilter, splitInstanceFilter } from "../../src/tracking/instances-filter.js";

describe("instanceFilter", () => {
  it("gives the table every condition but customStatusContains", () => {
    expect(
      instanceFilter(
        {
          createdFrom: new Date("2024-01-01T00:00:00Z"),
          lastUpdatedFrom: new Date("2024-02-01T00:00:00Z"),
          lastUpdatedTo: new Date("2024-03-01T00:00:00Z"),
          statuses: ["Running", "Failed"],
          names: ["A", "B'x"],
          instanceIdPrefix: "ord",
          customStatusContains: "anything",
          excludeEntities: true,
        },
        "ord-7",
      ),
    ).toBe(
      "(RowKey eq '') and (CreatedTime ge datetime'2024-01-01T00:00:00.000Z') and " +
        "(LastUpdatedTime ge datetime'2024-02-01T00:00:00.000Z') and " +
        "(LastUpdatedTime le datetime'2024-03-01T00:00:00.000Z') and " +
        "(RuntimeStatus eq 'Running' or RuntimeStatus eq 'Failed') and (Name eq 'A' or Name eq 'B''x') and " +
        "(PartitionKey ge 'ord' and PartitionKey lt 'ore') and (PartitionKey lt '@' or PartitionKey ge 'A') and " +
        "(PartitionKey gt 'ord-7')",
    );
  });
});

describe("splitInstanceFilter", () => {
  it("leaves for the rows the custom status, and past the table's 15 comparisons names, then statuses", () => {
    expect(splitInstanceFilter({ statuses: ["Running"], names: ["A"] }, false)).toEqual({
      table: { statuses: ["Running"], names: ["A"] },
      rows: undefined,
    });
    expect(splitInstanceFilter({ names: ["A"], customStatusContains: "x" }, false)).toEqual({
      table: { names: ["A"] },
      rows: { customStatusContains: "x" },
    });
    const names = ["A", "B", "C"];
    // 1 (RowKey) + 8 + 3 + 2 (prefix) + 2 (entities) = 16: the names go.
    expect(
      splitInstanceFilter(
        { statuses: RUNTIME_STATUSES, names, instanceIdPrefix: "p", excludeEntities: true },
        false,
      ),
    ).toEqual({
      table: { statuses: RUNTIME_STATUSES, instanceIdPrefix: "p", excludeEntities: true },
      rows: { names },
    });
    const wide = {
      statuses: RUNTIME_STATUSES,
      names,
      createdFrom: new Date(1),
      createdTo: new Date(2),
      lastUpdatedFrom: new Date(1),
      lastUpdatedTo: new Date(2),
      instanceIdPrefix: "p",
      excludeEntities: true,
    };
    // 21 with where it resumes: the names and the statuses go (10 left).
    expect(splitInstanceFilter(wide, true).rows).toEqual({ names, statuses: RUNTIME_STATUSES });
  });
});
