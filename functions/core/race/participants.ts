import { createHash } from "node:crypto";
import type { Registrant } from "#providers/race/shapes.ts";

/**
 * One participant list per tenant and event from the registrations of several providers: the
 * same person registered twice (on RunSignUp and on Race Roster, say) becomes one participant who
 * keeps both records. Pure: the same registrations and edits give the same list, in whatever order
 * they come.
 */

/** The fields a participant has, each from a registration or set in Pacer. */
export const PARTICIPANT_FIELDS = [
  "firstName",
  "lastName",
  "email",
  "birthDate",
  "gender",
  "bib",
  "chip",
  "city",
  "region",
  "country",
  "team",
] as const;
export type ParticipantField = (typeof PARTICIPANT_FIELDS)[number];

/** A registration as one provider holds it, named by where it came from. */
export interface SourceRegistration {
  readonly provider: string;
  readonly registrant: Registrant;
}

/** A value set in Pacer (a bib the timer assigned, a corrected name): it owns the field. */
export interface OwnedValue {
  readonly value: string;
  /** Who set it (the caller's subject) and when (ISO 8601). */
  readonly by: string;
  readonly at: string;
}

/** How a field's value is chosen when registrations disagree. */
export type FieldRule =
  /** The registration changed last wins (ties: the provider order, then the value). */
  | { readonly kind: "newest" }
  /** The first of these providers that has a value wins; others after them, newest first. */
  | { readonly kind: "prefer"; readonly providers: readonly string[] };

export const DEFAULT_RULE: FieldRule = { kind: "newest" };

/** Where a participant's value came from. */
export type ValueOrigin =
  | { readonly kind: "pacer"; readonly by: string; readonly at: string }
  | { readonly kind: "registration"; readonly source: string };

/** Registrations (or a registration and Pacer) that disagree on a field, and what was kept. */
export interface FieldConflict {
  readonly field: ParticipantField;
  readonly values: readonly { readonly source: string; readonly value: string }[];
  readonly chosen: string;
  /** "owned": Pacer's value stands; otherwise the rule that chose. */
  readonly resolvedBy: "owned" | FieldRule["kind"];
}

export interface UnifiedParticipant {
  /**
   * Stable for as long as any of its registrations stays: a participant keeps the id it was given
   * (`UnifyOptions.previous`) when registrations join or leave it; a new one's is derived from its
   * least source key.
   */
  readonly participantId: string;
  readonly fields: Readonly<Partial<Record<ParticipantField, string>>>;
  readonly origins: Readonly<Partial<Record<ParticipantField, ValueOrigin>>>;
  /** Its registrations, as `<provider>:<eventId>:<registrationId>`, sorted. */
  readonly sources: readonly string[];
  readonly conflicts: readonly FieldConflict[];
  /** Every registration of this person is cancelled. */
  readonly cancelled: boolean;
}

export interface UnifyOptions {
  /** Values set in Pacer, by participant id and field. */
  readonly owned?: Readonly<Record<string, Readonly<Partial<Record<ParticipantField, OwnedValue>>>>>;
  /** Per-field rules; a field not named here is `newest`. */
  readonly rules?: Readonly<Partial<Record<ParticipantField, FieldRule>>>;
  /** Provider order for ties (and `prefer` rules that do not name a provider). */
  readonly providerOrder?: readonly string[];
  /**
   * The participant id each source key had in the last list, so that ids (and the values set in
   * Pacer under them, and the scoring provider's records) survive a runner registering on another
   * platform later. Two earlier participants joined into one keep the lesser id, and the values set
   * in Pacer for both (the kept id's win a field they both set).
   */
  readonly previous?: ReadonlyMap<string, string>;
}

export const sourceKey = (source: SourceRegistration): string =>
  `${source.provider}:${source.registrant.eventId}:${source.registrant.registrationId}`;

/**
 * The participant list. Two registrations are one person when the first key both carry agrees:
 * the bib, else the email (case and spaces aside), else the name and birth date together. An
 * email shared by two registrations with different birth dates (a parent registering a child)
 * is not a match. Matching is transitive: a registration matching two participants joins them.
 */
export function unify(
  registrations: readonly SourceRegistration[],
  options: UnifyOptions = {},
): UnifiedParticipant[] {
  // One record per source key (the latest change wins), in a canonical order.
  const bySource = new Map<string, SourceRegistration>();
  for (const registration of registrations) {
    const key = sourceKey(registration);
    const held = bySource.get(key);
    if (!held || compareNewest(registration, held) < 0) bySource.set(key, registration);
    else if (
      compareNewest(registration, held) === 0 &&
      compareText(canonical(registration), canonical(held)) < 0
    ) {
      // Two versions changed at the same moment: the order they came in must not decide.
      bySource.set(key, registration);
    }
  }
  const sources = [...bySource.entries()].sort(([a], [b]) => compareText(a, b));
  const parent = sources.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    return root;
  };
  const matchKeys = sources.map(([, registration]) => keysOf(registration.registrant));
  for (let i = 0; i < sources.length; i++) {
    for (let j = i + 1; j < sources.length; j++) {
      if (samePerson(matchKeys[i] as MatchKeys, matchKeys[j] as MatchKeys)) {
        const [a, b] = [find(i), find(j)];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const groups = new Map<number, [string, SourceRegistration][]>();
  sources.forEach((entry, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), entry]);
  });
  const ids = assignIds([...groups.values()], options.previous ?? new Map());
  return [...groups.values()]
    .map((group, i) => participantOf(group, ids[i] as Assigned, options))
    .sort((a, b) => compareText(a.participantId, b.participantId));
}

interface MatchKeys {
  readonly bib?: string;
  readonly email?: string;
  readonly nameAndBirth?: string;
  readonly birthDate?: string;
}

function keysOf(registrant: Registrant): MatchKeys {
  const bib = clean(registrant.bib);
  const email = clean(registrant.email)?.toLowerCase();
  const birthDate = clean(registrant.birthDate);
  const first = normalName(registrant.firstName);
  const last = normalName(registrant.lastName);
  return {
    ...(bib ? { bib } : {}),
    ...(email ? { email } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(first && last && birthDate ? { nameAndBirth: `${first}|${last}|${birthDate}` } : {}),
  };
}

function samePerson(a: MatchKeys, b: MatchKeys): boolean {
  if (a.bib !== undefined && b.bib !== undefined) return a.bib === b.bib;
  if (a.email !== undefined && b.email !== undefined) {
    if (a.email !== b.email) return false;
    // A shared family address: the same email, two people.
    return a.birthDate === undefined || b.birthDate === undefined || a.birthDate === b.birthDate;
  }
  return a.nameAndBirth !== undefined && a.nameAndBirth === b.nameAndBirth;
}

interface Assigned {
  readonly participantId: string;
  /** Earlier ids the group absorbed (their values set in Pacer come along). */
  readonly absorbed: readonly string[];
}

/**
 * Each group's id: the least of the earlier ids its sources had that no group before it (in
 * least-source-key order) took; else one derived from its least source key. Deterministic for the
 * same groups and the same earlier ids, whatever order the registrations came in.
 */
function assignIds(
  groups: readonly [string, SourceRegistration][][],
  previous: ReadonlyMap<string, string>,
): Assigned[] {
  const taken = new Set<string>();
  return groups.map((group) => {
    const earlier = [...new Set(group.flatMap(([key]) => previous.get(key) ?? []))].sort(compareText);
    const kept = earlier.find((id) => !taken.has(id));
    let participantId = kept;
    for (let salt = 0; participantId === undefined || taken.has(participantId); salt++) {
      participantId = derivedId(group[0]?.[0] ?? "", salt);
    }
    taken.add(participantId);
    return { participantId, absorbed: earlier.filter((id) => id !== participantId) };
  });
}

const derivedId = (key: string, salt: number): string =>
  `p-${createHash("sha256")
    .update(salt === 0 ? key : `${key}#${salt}`)
    .digest("hex")
    .slice(0, 20)}`;

function participantOf(
  group: readonly [string, SourceRegistration][],
  { participantId, absorbed }: Assigned,
  options: UnifyOptions,
): UnifiedParticipant {
  const keys = group.map(([key]) => key);
  // Values set in Pacer under this id, then under the ids it absorbed: the kept id's win.
  const owned = Object.assign(
    {},
    ...[...absorbed].reverse().map((id) => options.owned?.[id] ?? {}),
    options.owned?.[participantId] ?? {},
  ) as Partial<Record<ParticipantField, OwnedValue>>;
  const fields: Partial<Record<ParticipantField, string>> = {};
  const origins: Partial<Record<ParticipantField, ValueOrigin>> = {};
  const conflicts: FieldConflict[] = [];
  for (const field of PARTICIPANT_FIELDS) {
    const offered = group
      .map(([source, registration]) => ({
        source,
        registration,
        value: clean(registration.registrant[field]),
      }))
      .filter((offer): offer is typeof offer & { value: string } => offer.value !== undefined);
    const mine = owned[field];
    if (mine !== undefined) {
      fields[field] = mine.value;
      origins[field] = { kind: "pacer", by: mine.by, at: mine.at };
      const differing = offered.filter((offer) => !sameValue(field, offer.value, mine.value));
      if (differing.length > 0) {
        conflicts.push({
          field,
          values: [
            { source: "pacer", value: mine.value },
            ...differing.map(({ source, value }) => ({ source, value })),
          ],
          chosen: mine.value,
          resolvedBy: "owned",
        });
      }
      continue;
    }
    if (offered.length === 0) continue;
    const rule = options.rules?.[field] ?? DEFAULT_RULE;
    const ranked = [...offered].sort((a, b) => rank(rule, options.providerOrder ?? [], a, b));
    const chosen = ranked[0] as (typeof ranked)[number];
    fields[field] = chosen.value;
    origins[field] = { kind: "registration", source: chosen.source };
    const distinct = ranked.filter(
      (offer, i) => ranked.findIndex((other) => sameValue(field, other.value, offer.value)) === i,
    );
    if (distinct.length > 1) {
      conflicts.push({
        field,
        values: ranked.map(({ source, value }) => ({ source, value })),
        chosen: chosen.value,
        resolvedBy: rule.kind,
      });
    }
  }
  return {
    participantId,
    fields,
    origins,
    sources: keys,
    conflicts,
    cancelled: group.every(([, registration]) => registration.registrant.cancelled === true),
  };
}

type Offer = { readonly source: string; readonly registration: SourceRegistration; readonly value: string };

function rank(rule: FieldRule, order: readonly string[], a: Offer, b: Offer): number {
  if (rule.kind === "prefer") {
    const place = (offer: Offer) => {
      const at = rule.providers.indexOf(offer.registration.provider);
      return at === -1 ? rule.providers.length : at;
    };
    const byPreference = place(a) - place(b);
    if (byPreference !== 0) return byPreference;
  }
  const byTime = compareNewest(a.registration, b.registration);
  if (byTime !== 0) return byTime;
  const place = (offer: Offer) => {
    const at = order.indexOf(offer.registration.provider);
    return at === -1 ? order.length : at;
  };
  return place(a) - place(b) || compareText(a.value, b.value) || compareText(a.source, b.source);
}

/** Newest change first; a registration that says nothing of when it changed counts as oldest. */
function compareNewest(a: SourceRegistration, b: SourceRegistration): number {
  const at = (r: SourceRegistration) => Date.parse(r.registrant.modifiedAt ?? "") || 0;
  return at(b) - at(a);
}

function sameValue(field: ParticipantField, a: string, b: string): boolean {
  return field === "email" ? a.toLowerCase() === b.toLowerCase() : a === b;
}

const clean = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
};

/** Case, accents and spacing aside: "José  Núñez" and "jose nunez" are one name. */
const normalName = (value: string | undefined): string | undefined =>
  clean(value)
    ?.normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ");

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const canonical = (registration: SourceRegistration): string =>
  JSON.stringify(Object.entries(registration.registrant).sort(([a], [b]) => compareText(a, b)));
