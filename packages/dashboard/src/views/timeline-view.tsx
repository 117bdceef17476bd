/**
 * The history as a timeline: one row per step (the orchestration, each activity or sub-orchestration with its
 * retries as segments, timers, events as points) on a shared time axis. The slowest step is marked. Each bar's
 * text (status, duration) is in its accessible name and tooltip, so the chart reads without colors.
 */
import { barPosition, type Timeline, type TimelineRow } from "../model/timeline.js";
import { formatDuration } from "../model/duration.js";
import { instanceHref } from "../model/route.js";

const KIND_LABEL: Record<TimelineRow["kind"], string> = {
  orchestration: "orchestration",
  activity: "activity",
  subOrchestration: "sub-orchestration",
  timer: "timer",
  event: "event",
};

function describe(r: TimelineRow): string {
  const attempts = r.segments.length > 1 ? `, ${r.segments.length} attempts` : "";
  const time = r.point ? "" : `, ${formatDuration(r.end - r.start)}`;
  return `${KIND_LABEL[r.kind]} ${r.label}: ${r.status}${time}${attempts}${r.slowest ? " (slowest step)" : ""}`;
}

export function TimelineView({ timeline }: { timeline: Timeline }) {
  const span = timeline.end - timeline.start;
  return (
    <div class="timeline" role="figure" aria-label={`Timeline over ${formatDuration(span)}`}>
      <div class="timeline-row axis" aria-hidden="true">
        <div class="timeline-label" />
        <div class="timeline-track">
          {timeline.ticks.map((t) => (
            <span key={t.offset} class="tick" style={{ left: `${span > 0 ? (t.offset / span) * 100 : 0}%` }}>
              {t.label}
            </span>
          ))}
        </div>
      </div>
      <ol class="timeline-rows">
        {timeline.rows.map((r, i) => (
          <li key={i} class={`timeline-row kind-${r.kind}${r.slowest ? " slowest" : ""}`} data-kind={r.kind}>
            <div class="timeline-label">
              <span class="kind">{KIND_LABEL[r.kind]}</span>{" "}
              {r.instanceId && r.kind === "subOrchestration" ? (
                <a href={instanceHref(r.instanceId)}>{r.label}</a>
              ) : (
                r.label
              )}
              {r.segments.length > 1 && <span class="attempts"> ×{r.segments.length}</span>}
              {r.slowest && <span class="slow-flag"> slowest</span>}
            </div>
            <div class="timeline-track" title={describe(r)} aria-label={describe(r)} role="img">
              {(r.segments.length > 0 ? r.segments : [{ start: r.start, end: r.end, status: r.status }]).map(
                (s, j) => {
                  const pos = barPosition(timeline, s.start, s.end);
                  return (
                    <span
                      key={j}
                      class={`bar bar-${s.status}${r.point ? " point" : ""}`}
                      style={{ left: `${pos.left}%`, width: r.point ? undefined : `${pos.width}%` }}
                    />
                  );
                },
              )}
              {!r.point && <span class="bar-text">{formatDuration(r.end - r.start)}</span>}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
