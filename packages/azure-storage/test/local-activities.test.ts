import { describe, expect, it } from "vitest";
import { localActivityRoom } from "../src/local-activities.js";

describe("localActivityRoom", () => {
  it("keeps as many as the dispatcher has free slots for, less those already waiting for one", () => {
    expect(localActivityRoom({ concurrency: 16, running: 0, waiting: 0 })).toBe(16);
    expect(localActivityRoom({ concurrency: 16, running: 10, waiting: 0 })).toBe(6);
    expect(localActivityRoom({ concurrency: 16, running: 10, waiting: 4 })).toBe(2);
  });

  it("none when every slot is taken or spoken for, or when this worker runs no activities", () => {
    expect(localActivityRoom({ concurrency: 16, running: 16, waiting: 0 })).toBe(0);
    expect(localActivityRoom({ concurrency: 16, running: 12, waiting: 9 })).toBe(0);
    expect(localActivityRoom({ concurrency: 0, running: 0, waiting: 0 })).toBe(0);
  });
});
