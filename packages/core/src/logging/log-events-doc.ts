/**
 * docs/log-events.md, rendered from the catalogue (log-events.ts). `pnpm --filter @taskhub/core run
 * docs:log-events` writes it; a test fails when the file and the catalogue disagree.
 */
import { LOG_EVENT_GROUPS, type LogEventSpec } from "./log-events.js";

const INTRO = `# Log events

<!-- Generated from packages/core/src/logging/log-events.ts by \`pnpm --filter @taskhub/core run docs:log-events\`; do not edit by hand. -->

Every structured line taskhub writes carries an \`event\` field with one of the names below, at the level
given, with the fields given. The host (\`taskhub worker\`) logs one JSON object per line through pino:
\`level\` is pino's number (20 debug, 30 info, 40 warn, 50 error), \`msg\` a human-readable text, \`time\`
the epoch milliseconds; set the level with \`logLevel\` or \`TASKHUB_LOG_LEVEL\` (see
[configuration.md](configuration.md)). An application embedding the worker passes its own logger (a pino
logger, or any object with \`debug\`/\`info\`/\`warn\`/\`error\` taking \`(fields, message)\`) as the
worker's and the provider's \`logger\` option and gets the same events.

Names are \`area.whatHappened\`. Fields marked *context* come from the logger the line goes through and
are on every line of that event. \`err\` is the error as pino serializes it (\`type\`, \`message\`,
\`stack\` and its own properties such as \`code\`); secrets (account keys, SAS signatures, API keys,
identity-based connections' client secrets and certificates) are scrubbed from every line the host writes.
A line the host writes while an OpenTelemetry span is active also has \`trace_id\`, \`span_id\` and
\`trace_flags\` (see [tracing.md](tracing.md)).

Contributors: the catalogue is \`packages/core/src/logging/log-events.ts\`; write events with
\`logEvent(logger, name, fields, message)\` from \`@taskhub/core\`, which takes the level from the catalogue
and fails to compile for a name or field not in it. Add a new event to the catalogue, then regenerate this
page.
`;

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function fieldsCell(spec: LogEventSpec): string {
  const lines = [
    ...Object.entries(spec.fields).map(([name, meaning]) => `\`${name}\`: ${meaning}`),
    ...Object.entries(spec.context ?? {}).map(([name, meaning]) => `\`${name}\` (*context*): ${meaning}`),
  ];
  return lines.length === 0 ? "(none)" : cell(lines.join("<br>"));
}

export function renderLogEventsMarkdown(): string {
  const parts = [INTRO];
  for (const group of LOG_EVENT_GROUPS) {
    parts.push(`## ${group.title}\n`);
    parts.push("| Event | Level | Fields | Meaning |\n|---|---|---|---|");
    for (const [name, spec] of Object.entries(group.events))
      parts.push(`| \`${name}\` | ${spec.level} | ${fieldsCell(spec)} | ${cell(spec.description)} |`);
    parts.push("");
  }
  return parts.join("\n");
}
