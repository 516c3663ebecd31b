import { z } from "zod";
import type { Entity } from "#providers/types.ts";

/** Real-time syncs start a little early so the first minutes of a session are not missed. */
export const LEAD_MS = 5 * 60_000;
/** OpenF1 counts a session as live until 30 minutes after it ends; data keeps arriving until then. */
export const TAIL_MS = 30 * 60_000;

const storedSession = z.object({
  session_key: z.number().int(),
  date_start: z.string(),
  date_end: z.string(),
  is_cancelled: z.boolean().optional(),
});

/** When a stored session is live for Pacer: from LEAD_MS before its start to TAIL_MS after its end. */
export interface LiveSpan {
  readonly sessionKey: number;
  /** The session's own start (epoch ms), before the lead. */
  readonly sessionStartMs: number;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The live span of each session an earlier `sessions` sync stored, skipping cancelled sessions and
 * rows whose dates do not parse (nothing can be scheduled from them).
 */
export function liveSpans(sessions: readonly Entity[]): LiveSpan[] {
  const spans: LiveSpan[] = [];
  for (const entity of sessions) {
    const parsed = storedSession.safeParse(entity.data);
    if (!parsed.success || parsed.data.is_cancelled === true) continue;
    const startMs = Date.parse(parsed.data.date_start);
    const endMs = Date.parse(parsed.data.date_end);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) continue;
    spans.push({
      sessionKey: parsed.data.session_key,
      sessionStartMs: startMs,
      startMs: startMs - LEAD_MS,
      endMs: endMs + TAIL_MS,
    });
  }
  return spans;
}

/**
 * The key of the session live at `now`, from the sessions an earlier `sessions` sync stored. When
 * windows overlap (a session's tail and the next one's lead), the one that started last wins, as
 * OpenF1's own `session_key=latest` does.
 */
export function findLiveSession(sessions: readonly Entity[], now: Date): string | undefined {
  const at = now.getTime();
  let live: LiveSpan | undefined;
  for (const span of liveSpans(sessions)) {
    if (!(span.startMs <= at && at <= span.endMs)) continue;
    if (live === undefined || span.sessionStartMs > live.sessionStartMs) live = span;
  }
  return live === undefined ? undefined : String(live.sessionKey);
}
