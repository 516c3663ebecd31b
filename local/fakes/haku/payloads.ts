import type { FakeEvent, FakeRegistration } from "./data.ts";

/**
 * The fake's answers in the field names the integrator's adapter reads (shared/providers/haku.md).
 * Datetimes mix the formats the adapter tries: `2026-05-02 08:00:00`, ISO with `T` (with or
 * without `Z`) and a bare date.
 */

/** `2026-05-02 08:00:00` (UTC, no zone: the adapter's first format). */
const spaced = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const isoZ = (ms: number) => new Date(ms).toISOString();
const isoNaive = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const bareDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function eventPayload(event: FakeEvent) {
  const date = event.dateFormat === "space" ? spaced : bareDate;
  return {
    id: event.id,
    name: event.name,
    description: `${event.name}, by the lake.`,
    event_date: date(event.startMs),
    event_end_date: event.endMs === undefined ? null : isoNaive(event.endMs),
    location_name: "Lakeside Park",
    location_city: "Portland",
    location_state: "OR",
    event_type: "Endurance",
    distance: event.distance,
    registration_limit: 500,
    registration_open_date: bareDate(event.startMs - 90 * 86_400_000),
    registration_close_date: bareDate(event.startMs - 86_400_000),
    base_price: 85,
    currency: "USD",
    status: event.active ? "active" : "inactive",
  };
}

const fullName = (r: FakeRegistration) => `${r.firstName} ${r.lastName}`;
const team = (r: FakeRegistration) => (r.team === undefined ? null : { name: r.team });

function ageAt(dob: string, ms: number): number {
  const born = new Date(`${dob}T00:00:00Z`);
  const at = new Date(ms);
  const birthdayPassed =
    at.getUTCMonth() > born.getUTCMonth() ||
    (at.getUTCMonth() === born.getUTCMonth() && at.getUTCDate() >= born.getUTCDate());
  return at.getUTCFullYear() - born.getUTCFullYear() - (birthdayPassed ? 0 : 1);
}

/** A row of `GET /events/{id}/participants`: the summary, no bib, chip or birth date. */
export function summaryPayload(r: FakeRegistration, event: FakeEvent) {
  return {
    registration_number: r.registrationNumber,
    person_full_name: fullName(r),
    email: r.email,
    age: ageAt(r.dob, event.startMs),
    gender: r.gender,
    registered_at: spaced(r.registeredAtMs),
    is_cancelled: r.cancelledAtMs !== undefined,
    transaction_amount: r.amount,
    team: team(r),
    event_category_info: { name: event.distance, wave_name: "Wave 1" },
  };
}

/** `GET /events/{id}/registrations/{registration_number}`: the whole registration. */
export function registrationPayload(r: FakeRegistration, event: FakeEvent) {
  const category = {
    id: `${event.id}-cat-1`,
    name: event.distance,
    master_name: event.distance,
    is_active: true,
    participation_option: "In Person",
    corral_name: "A",
    wave_name: "Wave 1",
    wave_code: "W1",
    tag_number: r.bib ?? null,
    chip_number: r.chip ?? null,
    created_at: spaced(r.registeredAtMs),
    updated_at: spaced(r.updatedAtMs),
  };
  return {
    registration_number: r.registrationNumber,
    created_at: spaced(r.registeredAtMs),
    updated_at: isoZ(r.updatedAtMs),
    cancelled_at: r.cancelledAtMs === undefined ? null : isoZ(r.cancelledAtMs),
    is_cancelled: r.cancelledAtMs !== undefined,
    transaction_amount: r.amount,
    emergency_contact_name: "Sam Doe",
    emergency_contact_phone_number: "+15035550100",
    emergency_contact_relationship: "Friend",
    shirt_size_name: "Medium",
    shirt_size_code: "M",
    current_pace: null,
    strava_athlete_identification: null,
    formatted_submitted_result_time: null,
    fundraising_option: null,
    fundraised_amount: null,
    fundraiser_goal: null,
    wants_sms_communications: false,
    subscription_number: null,
    team: team(r),
    entity: null,
    club: null,
    partner: null,
    device: "desktop",
    browser: "Firefox",
    browser_version: "128",
    os: "Linux",
    os_version: "6",
    products: [],
    additional_questions: [],
    participant: {
      first_name: r.firstName,
      last_name: r.lastName,
      middle_initial: null,
      email: r.email,
      phone: "+15035550199",
      dob: r.dob,
      gender: r.gender,
      account_number: `A${r.registrationNumber}`,
      source_system_identifier: null,
      created_at: spaced(r.registeredAtMs),
      updated_at: spaced(r.updatedAtMs),
      additional_questions: [],
      address: {
        line1: "1 Lake Road",
        line2: null,
        city: r.city,
        state: r.state,
        zip_code: "97201",
        country: r.country,
      },
    },
    event_categories: [category],
  };
}
