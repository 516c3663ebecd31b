import {
  DEMO_EVENTS,
  DEMO_RACE_ID,
  DEMO_RACE_NAME,
  DEMO_TIMEZONE,
  type DemoEvent,
  type RaceData,
  type Registration,
  type RemovedRegistration,
} from "./data.ts";

/**
 * RunSignUp's JSON as the fake serves it, in the documented shapes (shared/providers/runsignup.md):
 * the race object under `race`, participant rows, and removed-participant rows.
 */

const EASTERN = "America/New_York";
const HOUR_MS = 3_600_000;

function parts(epochMs: number, timeZone: string): Record<string, string> {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  return Object.fromEntries(format.formatToParts(epochMs).map((part) => [part.type, part.value]));
}

/** "M/D/YYYY HH:MM", RunSignUp's usual time format, as a wall clock in `timeZone`. */
export function rsuTime(epochMs: number, timeZone: string): string {
  const p = parts(epochMs, timeZone);
  return `${Number(p.month)}/${Number(p.day)}/${p.year} ${p.hour}:${p.minute}`;
}

/** "MM/DD/YYYY", the race's date fields. */
const rsuDate = (epochMs: number, timeZone: string) => {
  const p = parts(epochMs, timeZone);
  return `${p.month}/${p.day}/${p.year}`;
};

/** "YYYY-MM-DD HH:MM:SS" (Eastern), the removed rows' format. */
function sqlTime(epochMs: number): string {
  const p = parts(epochMs, EASTERN);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;
const cents = (text: string) => Math.round(Number(text.replace("$", "")) * 100);

function eventObject(event: DemoEvent, data: RaceData) {
  const opens = rsuTime(data.startMs - 120 * 24 * HOUR_MS, DEMO_TIMEZONE);
  const closes = rsuTime(data.startMs - 12 * HOUR_MS, DEMO_TIMEZONE);
  return {
    event_id: event.eventId,
    race_event_days_id: 90_210,
    name: event.name,
    details: null,
    start_time: rsuTime(data.startMs, DEMO_TIMEZONE),
    end_time: rsuTime(data.startMs + event.hours * HOUR_MS, DEMO_TIMEZONE),
    age_calc_base_date: null,
    registration_opens: opens,
    event_type: "running_race",
    distance: event.distance,
    volunteer: "F",
    require_dob: "T",
    require_phone: "F",
    registration_periods: [
      {
        registration_opens: opens,
        registration_closes: closes,
        race_fee: event.raceFee,
        processing_fee: event.processingFee,
      },
    ],
    sub_event_ids: [],
    giveaway: null,
  };
}

/** `GET /race/{id}`: `{ race }`, with `race_event_days` only when asked for. */
export function raceBody(data: RaceData, includeEventDays: boolean) {
  const day = rsuDate(data.startMs, DEMO_TIMEZONE);
  return {
    race: {
      race_id: DEMO_RACE_ID,
      name: DEMO_RACE_NAME,
      last_date: null,
      last_end_date: null,
      next_date: day,
      next_end_date: day,
      is_draft_race: "F",
      is_private_race: "F",
      is_registration_open: "T",
      created: rsuTime(data.startMs - 150 * 24 * HOUR_MS, EASTERN),
      last_modified: rsuTime(data.startMs - 30 * 24 * HOUR_MS, EASTERN),
      description: "<p>A flat 5K and 10K along the harbour front.</p>",
      url: `https://runsignup.com/Race/CA/SanPedro/HarbourRun`,
      external_race_url: null,
      external_results_url: null,
      fb_page_id: null,
      fb_event_id: null,
      logo_url: null,
      address: {
        street: "Harbor Blvd",
        city: "San Pedro",
        state: "CA",
        zipcode: "90731",
        country_code: "US",
      },
      timezone: DEMO_TIMEZONE,
      can_use_registration_api: "T",
      real_time_notifications_enabled: "F",
      events: DEMO_EVENTS.map((event) => eventObject(event, data)),
      ...(includeEventDays && {
        race_event_days: [
          { race_event_days_id: 90_210, start_date: `${day} 00:00`, end_date: `${day} 00:00` },
        ],
      }),
    },
  };
}

function userOf(r: Registration) {
  return {
    user_id: r.userId,
    first_name: r.firstName,
    middle_name: null,
    last_name: r.lastName,
    email: r.email,
    address: { street: null, city: r.city, state: r.region, zipcode: null, country_code: r.country },
    dob: r.birthDate,
    gender: r.gender,
    phone: null,
    profile_image_url: null,
  };
}

/** Age on race day, as RunSignUp computes it from the date of birth. */
function ageOn(birthDate: string | null, atMs: number): number | null {
  if (birthDate === null) return null;
  const [year = 0, month = 1, day = 1] = birthDate.split("-").map(Number);
  const at = new Date(atMs);
  const before = at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day);
  return at.getUTCFullYear() - year - (before ? 1 : 0);
}

function fees(r: Registration, data: RaceData) {
  const event = data.event(r.eventId) ?? DEMO_EVENTS[0];
  const paid = cents(event.raceFee) + cents(event.processingFee);
  return {
    race_fee: event.raceFee,
    offline_payment_amount: "$0.00",
    processing_fee: event.processingFee,
    processing_fee_paid_by_user: event.processingFee,
    processing_fee_paid_by_race: "$0.00",
    partner_fee: "$0.00",
    affiliate_profit: "$0.00",
    extra_fees: "$0.00",
    amount_paid: money(paid),
    usatf_discount_amount_in_cents: "$0.00",
  };
}

/** A row of `GET …/participants`. */
export function participantRow(r: Registration, data: RaceData) {
  return {
    registration_id: r.registrationId,
    event_id: r.eventId,
    user: userOf(r),
    rsu_transaction_id: 30_000_000 + r.registrationId,
    transaction_id: `ay_${(r.registrationId * 7919).toString(16).toUpperCase()}C_0`,
    bib_num: r.bib,
    chip_num: r.chip,
    age: ageOn(r.birthDate, data.startMs),
    registration_date: rsuTime(r.registeredAt * 1_000, EASTERN),
    last_modified: r.lastModified,
    team_id: r.team === null ? null : 4_412,
    team_type_id: null,
    team_name: r.team,
    team_type: null,
    team_gender: null,
    team_bib_num: null,
    imported: "F",
    ...fees(r, data),
    usatf_discount_additional_field: null,
    giveaway: null,
    giveaway_option_id: null,
  };
}

/** A row of `GET …/removed-participants` (inside `event.participants`). */
export function removedRow(r: RemovedRegistration, data: RaceData) {
  const { race_fee, amount_paid, processing_fee } = fees(r, data);
  return {
    user: userOf(r),
    registration_id: r.registrationId,
    age: ageOn(r.birthDate, data.startMs),
    registration_date: sqlTime(r.registeredAt * 1_000),
    last_modified: sqlTime(r.lastModified * 1_000),
    last_modified_ts: r.lastModified,
    imported: "F",
    race_fee,
    processing_fee,
    amount_paid,
    removed_reason: r.removedReason,
    new_registration_id: null,
  };
}
