// Writes docs/log-events.md from the log-event catalogue (run after building: `pnpm run docs:log-events`).
import { writeFileSync } from "node:fs";
import { renderLogEventsMarkdown } from "../dist/logging/log-events-doc.js";

const target = new URL("../../../docs/log-events.md", import.meta.url);
writeFileSync(target, renderLogEventsMarkdown());
console.log(`wrote ${target.pathname}`);
