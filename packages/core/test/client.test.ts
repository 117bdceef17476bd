// Instance ids a client accepts: DurableTask.Core's and Durable Functions' rules, one message for every refusal.
import { describe, expect, it } from "vitest";
import { TaskHubClient, validateInstanceId } from "../src/index.js";
import { InMemoryOrchestrationService } from "../src/testing/index.js";

describe("instance ids", () => {
  it.each([
    ["empty", ""],
    ["a space", " "],
    ["spaces and tabs", " \t "],
    ["an ideographic space", "\u3000"],
    ["a no-break space", "\u00a0"],
    ["a slash", "a/b"],
    ["a backslash", "a\\b"],
    ["a #", "a#b"],
    ["a ?", "a?b"],
    ["a control character", "a\u0001b"],
    ["a C1 control character", "a\u0085b"],
    ["U+FFFF", "a\uffffb"],
    ["a lone surrogate", "a\ud800b"],
    ["a leading @", "@counter@x"],
    ["257 characters", "x".repeat(257)],
  ])("refuses %s, with the rules in the message", (_what, id) => {
    expect(() => validateInstanceId(id)).toThrow(
      /^instance id .* is not valid: .*; an instance id has 1 to 256 characters, is not only white space/,
    );
  });

  it.each([
    ["plain", "order-42"],
    ["white space around", "  order 42 "],
    ["256 characters", "x".repeat(256)],
    ["astral", "\u{1F600}"],
    ["an @ inside", "a@b"],
  ])("accepts %s", (_what, id) => {
    expect(() => validateInstanceId(id)).not.toThrow();
  });

  it("a client refuses a blank id before it writes anything", async () => {
    const service = new InMemoryOrchestrationService();
    const client = new TaskHubClient(service);
    await expect(
      client.scheduleNewOrchestration("Any", undefined, { instanceId: " " }),
    ).rejects.toMatchObject({ code: "InvalidArgument" });
    const all = [];
    for await (const s of client.listInstances({})) all.push(s);
    expect(all).toEqual([]);
  });
});
