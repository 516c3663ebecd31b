import { z } from "zod";
import type { Entity } from "#providers/types.ts";

/** Real-time syncs start a little early so the first minutes of a session are not missed. */
const LEAD_MS = 5 * 60_000;
/** OpenF1 counts a session as live until 30 minutes after it ends; data keeps arriving until then. */
const TAIL_MS = 30 * 60_000;

const storedSession = z.object({
  session_key: z.number().int(),
  date_start: z.string(),
  date_end: z.string(),
  is_cancelled: z.boolean().optional(),
});

/**
 * The key of the session live at `now`, from the sessions an earlier `sessions` sync stored. When
 * windows overlap (a session's tail and the next one's lead), the one that started last wins, as
 * OpenF1's own `session_key=latest` does.
 */
export function findLiveSession(sessions: readonly Entity[], now: Date): string | undefined {
  const at = now.getTime();
  let live: { key: number; startMs: number } | undefined;
  for (const entity of sessions) {
    const parsed = storedSession.safeParse(entity.data);
    if (!parsed.success || parsed.data.is_cancelled === true) continue;
    const startMs = Date.parse(parsed.data.date_start);
    const endMs = Date.parse(parsed.data.date_end);
    if (!(startMs - LEAD_MS <= at && at <= endMs + TAIL_MS)) continue;
    if (live === undefined || startMs > live.startMs) live = { key: parsed.data.session_key, startMs };
  }
  return live === undefined ? undefined : String(live.key);
}
