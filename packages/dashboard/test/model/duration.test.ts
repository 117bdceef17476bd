import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/model/duration.js";

describe("formatDuration", () => {
  it("picks a unit for people", () => {
    expect(
      [0, 250, 1500, 12_340, 125_000, 3_900_000, 2 * 86_400_000 + 3_600_000].map(formatDuration),
    ).toEqual(["0 ms", "250 ms", "1.5 s", "12.3 s", "2 min 5 s", "1 h 5 min", "2 d 1 h"]);
  });
});
