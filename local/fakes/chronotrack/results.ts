import type { FakeEvent } from "./data.ts";

/**
 * Result rows in the documented `event_results` field names, every value a string as ChronoTrack
 * sends them: times "HH:MM:SS.s", ranks "1". Ranked by chip time within each race; the primary
 * bracket is the race's gender division.
 */

export interface Finisher {
  readonly entryId?: string;
  readonly bib?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  /** "M" / "F" / other, as the entry holds it. */
  readonly sex?: string;
  readonly city?: string;
  readonly region?: string;
  readonly raceId: string;
  readonly chipMs: number;
  readonly gunMs: number;
}

/** "HH:MM:SS.s", to the tenth of a second. */
export function clockTime(ms: number): string {
  const tenths = Math.round(ms / 100);
  const hours = Math.floor(tenths / 36_000);
  const minutes = Math.floor((tenths % 36_000) / 600);
  const seconds = Math.floor((tenths % 600) / 10);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${tenths % 10}`;
}

const DIVISION: Readonly<Record<string, string>> = { M: "Male", F: "Female" };

export function resultRows(event: FakeEvent, finishers: readonly Finisher[]): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const race of event.races) {
    const ranked = finishers.filter((f) => f.raceId === race.raceId).sort((a, b) => a.chipMs - b.chipMs);
    const genderRanks = new Map<string, number>();
    ranked.forEach((finisher, index) => {
      const division = finisher.sex === undefined ? undefined : DIVISION[finisher.sex];
      const genderRank = division === undefined ? undefined : (genderRanks.get(division) ?? 0) + 1;
      if (division !== undefined && genderRank !== undefined) genderRanks.set(division, genderRank);
      const optional = {
        results_entry_id: finisher.entryId,
        results_bib: finisher.bib,
        results_first_name: finisher.firstName,
        results_last_name: finisher.lastName,
        results_sex: finisher.sex,
        results_city: finisher.city,
        results_state: finisher.region,
        results_primary_bracket_name: division && `${race.name} ${division}`,
        results_gender_rank: genderRank && String(genderRank),
        results_bracket_rank: genderRank && String(genderRank),
      };
      rows.push({
        ...(Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >),
        results_race_id: race.raceId,
        results_race_name: race.name,
        results_rank: String(index + 1),
        results_time: clockTime(finisher.chipMs),
        results_gun_time: clockTime(finisher.gunMs),
        results_time_with_penalty: clockTime(finisher.chipMs),
      });
    });
  }
  return rows;
}
