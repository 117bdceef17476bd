/** Every orchestration kind of the interop app, with its input, the events it needs, and its expected result. */
import { randomBytes } from "node:crypto";

export interface Case {
  /** Unique within a run: the instance id's stem. */
  label: string;
  name: string;
  /** JSON text (undefined: no input). */
  input: string | undefined;
  /** Events to raise once the instance runs, in order: [name, JSON text]. */
  events?: [string, string][];
  /** What the instance ends with (its status and output JSON text); null: the output is compared across runtimes only. */
  expected: { status: string; output?: unknown };
}

/** A payload over DT.AS's inline limit (45 KB of UTF-16 for a message, 64 KB for a table property): offloaded to blobs, gzipped. */
export function largeText(chars: number): string {
  const unit = "large payload: ascii, ü, 日本, 😀, e\u0301, שלום; ";
  return unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
}

export function cases(): Case[] {
  const flakyKey = `flaky-${randomBytes(4).toString("hex")}`;
  const large = largeText(100_000);
  return [
    {
      label: "hello",
      name: "HelloSequence",
      input: '"hi"',
      expected: {
        status: "Completed",
        output: ["Tokyo", "Seattle", "London", "Paris", "Cairo"].map((c) => `Hello, hi ${c}!`),
      },
    },
    { label: "fan", name: "FanOutFanIn", input: "6", expected: { status: "Completed", output: 42 } },
    { label: "timer", name: "DurableTimer", input: "2", expected: { status: "Completed", output: "fired" } },
    {
      label: "event",
      name: "WaitForEvent",
      input: "120",
      events: [["approve", '{"by":"test"}']],
      expected: { status: "Completed", output: { approved: { by: "test" } } },
    },
    {
      label: "eventTimeout",
      name: "WaitForEvent",
      input: "1",
      expected: { status: "Completed", output: "timeout" },
    },
    { label: "sub", name: "Parent", input: "20", expected: { status: "Completed", output: { child: 41 } } },
    {
      label: "can",
      name: "ContinueAsNewCarry",
      input: '{"items":[],"target":3}',
      events: [
        ["item", "1"],
        ["item", '"two"'],
        ["item", '{"three":3}'],
      ],
      expected: { status: "Completed", output: [1, "two", { three: 3 }] },
    },
    {
      label: "retryOk",
      name: "RetryThenSucceed",
      input: JSON.stringify({ key: flakyKey, failures: 2 }),
      expected: { status: "Completed", output: "ok after 3" },
    },
    { label: "retryFail", name: "RetryThenFail", input: '"boom"', expected: { status: "Failed" } },
    {
      label: "catch",
      name: "CatchFailure",
      input: '"caught boom"',
      expected: { status: "Completed", output: { caught: "caught boom" } },
    },
    {
      label: "large",
      name: "LargePayload",
      input: JSON.stringify(large),
      expected: { status: "Completed", output: large },
    },
    {
      label: "status",
      name: "CustomStatus",
      input: '"s"',
      events: [["next", '"go"']],
      expected: { status: "Completed", output: "done" },
    },
    {
      label: "long",
      name: "LongRunning",
      input: undefined,
      events: [["finish", '"fin"']],
      expected: { status: "Completed", output: { finished: "fin" } },
    },
    {
      label: "echo",
      name: "Echo",
      input: '{"a":[1,2.5,null,"x"]}',
      events: [["echo", '"e"']],
      expected: { status: "Completed", output: [{ a: [1, 2.5, null, "x"] }, "e"] },
    },
  ];
}
