// Text encoding through every store on a real Azurite (issue 9): astral characters, noncharacters (U+FFFE,
// U+FFFF), lone and reversed surrogates, right-to-left text and bidi controls, NUL and other control
// characters, in values and in object keys, small (inline in queue messages and table columns) and large
// (gzipped blobs). What comes back must be identical, code unit for code unit.
//
// Lone surrogates: payloads are JSON, and JSON.stringify writes a lone surrogate as a `\ud800` escape, so it
// survives UTF-8 exactly (better than DTF, whose Newtonsoft writer emits it raw and .NET's UTF-8 encoder then
// replaces it with U+FFFD). Where taskhub does meet raw UTF-8 (an instance id hashed to its partition), it
// hashes as .NET does, U+FFFD for a lone surrogate; ids that are not well-formed UTF-16 are refused, and so
// are ids with U+FFFE/U+FFFF (ids become blob names, listed in XML). U+FFFE in payloads is fine: queue
// messages carry it as a JSON escape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskHubError } from "@taskhub/core";
import { partitionIndex } from "@taskhub/azure-storage";
import { startAzurite, type AzuriteInstance } from "@taskhub/azurite";
import { newHub, type Hub } from "./worker-hub.js";

let azurite: AzuriteInstance;
let h: Hub;
const figures: string[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
  h = newHub(azurite.connectionString);
  await h.start("a");
});
afterAll(async () => {
  for (const w of h?.workers ?? []) if (w.exitedAt === undefined) w.kill("SIGKILL");
  await azurite?.stop();
  if (figures.length) console.log(`reliability-encoding figures:\n  ${figures.join("\n  ")}`);
});

const SAMPLES: Record<string, string> = {
  astral: "😀 𝄞 🀄 𠀀 \u{10FFFF} \u{1F1FA}\u{1F1F3}",
  noncharacters: "\uFFFE \uFFFF \uFDD0 \u{1FFFE}",
  "lone high surrogate": "a\uD800b",
  "lone low surrogate": "a\uDC00b",
  "reversed pair": "\uDC00\uD800",
  "surrogate at the end": "end\uD83D",
  rtl: "مرحبا بالعالم ‏שלום‎ \u202Eevil\u202C \u2067isolate\u2069",
  nul: "a\u0000b\u0000",
  controls: "\u0001\u0008\u0009\u000A\u000B\u000C\u000D\u001B\u001F\u007F\u0085\u2028\u2029",
  "BOM and zero-width": "\uFEFFbom\u200B\u200C\u200D",
  combining: "e\u0301 n\u0303 Å Å",
  "ZWJ sequence": "👩‍👩‍👧‍👦",
  "XML-looking": "<![CDATA[ ]]> &amp; </MessageText>",
  "JSON-looking": '{"$type":"x"} \\" \\u0000',
};

function payload(): Record<string, unknown> {
  const p: Record<string, unknown> = { ...SAMPLES };
  // Object keys too, and arrays of the lot.
  p["\uFFFE key \uD800 \u0000 😀"] = Object.values(SAMPLES);
  return p;
}

/** Exact comparison of every code unit (toEqual compares strings exactly too; this names the sample). */
function sameText(actual: unknown, expected: unknown, where: string): string[] {
  const problems: string[] = [];
  if (typeof expected === "string") {
    if (actual !== expected)
      problems.push(
        `${where}: ${JSON.stringify(actual)?.slice(0, 80)} != ${JSON.stringify(expected).slice(0, 80)}`,
      );
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      problems.push(`${where}: not the same array`);
    else expected.forEach((v, i) => problems.push(...sameText(actual[i], v, `${where}[${i}]`)));
  } else if (expected && typeof expected === "object") {
    const a = actual as Record<string, unknown>;
    const keysA = Object.keys(a ?? {}).sort();
    const keysE = Object.keys(expected).sort();
    if (JSON.stringify(keysA) !== JSON.stringify(keysE))
      problems.push(`${where}: keys differ: ${JSON.stringify(keysA)} != ${JSON.stringify(keysE)}`);
    for (const [k, v] of Object.entries(expected))
      problems.push(...sameText(a?.[k], v, `${where}.${JSON.stringify(k)}`));
  } else if (actual !== expected) problems.push(`${where}: ${String(actual)} != ${String(expected)}`);
  return problems;
}

describe("encoding", () => {
  it("round-trips every class of Unicode through queues, tables and blobs, small and large, exactly", async () => {
    const small = payload();
    const large = {
      ...payload(),
      filler: Array.from({ length: 4000 }, () => Object.values(SAMPLES).join("|")),
    };
    expect(JSON.stringify(large).length).toBeGreaterThan(1_000_000);
    const problems: string[] = [];
    for (const [size, value] of [
      ["small", small],
      ["large", large],
    ] as const) {
      // Orchestration input and output (control queue, History and Instances tables), activity input and
      // result (work-item queue, control queue), sub-orchestration input and result.
      const id = await h.client.scheduleNewOrchestration("Echo", value, {
        instanceId: `enc-${size}-\u05e9\u05dc\u05d5\u05dd-😀`,
      });
      const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(s.runtimeStatus).toBe("Completed");
      problems.push(
        ...sameText(s.output, value, `${size} output`),
        ...sameText(s.input, value, `${size} input`),
      );
      const history = await h.client.getOrchestrationHistory(id);
      const result = history.find((e) => e.type === "TaskCompleted");
      expect(
        result?.type === "TaskCompleted" && result.result === JSON.stringify(value),
        `${size}: the activity result in history is the exact JSON`,
      ).toBe(true);
      // External event data (control queue, History) and custom status (Instances).
      const waiting = await h.client.scheduleNewOrchestration("EchoEvent");
      await h.client.waitForOrchestrationStart(waiting, { timeoutMs: 30_000 });
      await h.client.raiseEvent(waiting, "echo", value);
      const e = await h.client.waitForOrchestrationCompletion(waiting, { timeoutMs: 60_000 });
      problems.push(
        ...sameText(e.output, value, `${size} event`),
        ...sameText(e.customStatus, size === "small" ? value : "large", `${size} custom status`),
      );
      // Entity state (scheduler state in History and Instances) and the signal's input (control queue).
      const box = { name: "box", key: `${size}-😀` };
      await h.client.signalEntity(box, "set", value);
      let state: unknown;
      for (let i = 0; i < 200 && state === undefined; i++) {
        state = (await h.client.getEntity(box))?.state;
        if (state === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      problems.push(...sameText(state, value, `${size} entity state`));
      // Large ones really went through blobs.
      if (size === "large") {
        let blobs = 0;
        for await (const b of h.service.payloads.container.listBlobsFlat({ prefix: "enc-large" }))
          if (b.name) blobs++;
        expect(blobs).toBeGreaterThan(0);
        figures.push(`large encoding payload: ${JSON.stringify(large).length} characters, ${blobs} blobs`);
      }
    }
    expect(problems).toEqual([]);
    figures.push(
      `encoding: ${Object.keys(SAMPLES).length} classes of text (+ as object keys) x 2 sizes x 6 paths (orchestration input/output, activity, sub-orchestration, event, custom status (small only: 16 KB limit), entity state): 0 differences`,
    );
  }, 180_000);

  it("hashes ids to partitions over UTF-8 as .NET does, and refuses ids that are not well-formed UTF-16", async () => {
    // .NET's UTF-8 encoder turns a lone surrogate into U+FFFD; Buffer.from does the same.
    expect(partitionIndex("a\uD800b", 16)).toBe(partitionIndex("a\uFFFDb", 16));
    // And ids with noncharacters: ids become blob names, which storage lists in XML, where U+FFFE is not allowed.
    for (const id of ["a\uD800b", "\uDC00", "end\uD83D", "nonchar-\uFFFE", "nonchar-\uFFFF"]) {
      const err = await h.client
        .scheduleNewOrchestration("Echo", 1, { instanceId: id })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskHubError);
      expect((err as TaskHubError).code).toBe("InvalidArgument");
    }
    // Well-formed ids of every other class work.
    const ids = [
      "rtl-\u05e9\u05dc\u05d5\u05dd-\u202E",
      "nonchar-\uFDD0",
      "line-sep-\u2028\u2029",
      "astral-\u{10FFFF}😀",
      "bom-\uFEFF",
      "combining-e\u0301",
    ];
    for (const id of ids) await h.client.scheduleNewOrchestration("Echo", id, { instanceId: id });
    for (const id of ids) {
      const s = await h.client.waitForOrchestrationCompletion(id, { timeoutMs: 60_000 });
      expect(s.instanceId).toBe(id);
      expect(s.output).toBe(id);
    }
    figures.push(
      `encoded ids: ${ids.length} well-formed ids with RTL, U+FDD0, line separators, astral, BOM, combining marks completed; 3 with lone surrogates and 2 with U+FFFE/U+FFFF refused`,
    );
  }, 120_000);
});
