import { gunzipSync } from "node:zlib";
import { ProviderMalformedError, ProviderRejectedError } from "#core/errors.ts";
import { type Call, describeFailure, errorDetail, parseRows, sendRequest } from "#providers/http.ts";
import type { ProviderFetch } from "#providers/types.ts";
import type { Registration } from "./mapping.ts";
import { type PresetRow, presetExportSchema, presetRowSchema } from "./schemas.ts";

/** What a call to Copernico needs from the run. */
export interface CopernicoContext {
  readonly fetch: ProviderFetch;
  readonly now: Date;
  /** The connection's key; sent in `apiKeyHeader` on the push only, never put in a message. */
  readonly apiKey: string;
  readonly apiKeyHeader: string;
}

/** The export's documented cap: larger presets fail on Copernico's side. */
export const EXPORT_CAP_BYTES = 6 * 1024 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

const KEY_HINT =
  'check the connection\'s apiKey (PATCH /connections/{id} with credentials {"apiKey"}), issued by ' +
  "Timingsense, and the header it goes in (settings.apiKeyHeader, default x-api-key)";

/**
 * Sends one batch of registrations to `POST /race-registrations/{raceId}`. UNVERIFIED: its answer
 * and error statuses are not documented; any 2xx is success, whatever its body; 401/403 a refused
 * key (named, never its value), 404 an unknown race.
 */
export async function pushRegistrations(
  context: CopernicoContext,
  raceId: string,
  registrations: readonly Registration[],
): Promise<void> {
  const path = `/race-registrations/${encodeURIComponent(raceId)}`;
  const call: Call = { source: `Copernico ${path}`, now: context.now };
  const response = await sendRequest(
    context.fetch,
    {
      method: "POST",
      path,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        [context.apiKeyHeader]: context.apiKey,
      },
      body: JSON.stringify(registrations),
    },
    call,
  );
  if (response.ok) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  const { status } = response;
  if (status === 401 || status === 403) {
    const detail = scrub(await errorDetail(response), context.apiKey);
    throw new ProviderRejectedError(
      `${call.source} answered ${status}${detail === "" ? "" : ` (${detail})`}: the API key was refused; ${KEY_HINT}`,
      status,
    );
  }
  if (status === 404)
    throw new ProviderRejectedError(
      `${call.source}: Copernico knows no race ${raceId}; check the push's eventId (the Sportmaniacs race UUID)`,
      404,
    );
  const failure = await describeFailure(response, call);
  failure.message = scrub(failure.message, context.apiKey);
  throw failure;
}

/** Which preset export a call reads, for its path and its errors. */
export interface PresetRef {
  readonly raceId: string;
  readonly login: string;
  readonly presetName: string;
  readonly eventName: string;
}

/**
 * The preset export's path: each part URL-encoded, the literal `:::` between the account email and
 * the preset's name kept as Copernico expects it.
 */
export const presetPath = (ref: PresetRef): string =>
  `/races/${encodeURIComponent(ref.raceId)}/preset/${encodeURIComponent(ref.login)}:::` +
  `${encodeURIComponent(ref.presetName)}/${encodeURIComponent(ref.eventName)}`;

/**
 * Reads one preset export (public, no key: the key is not sent where it is not needed). The body
 * is gunzipped when it starts with gzip's magic bytes, whatever its headers say (a CDN quirk).
 */
export async function fetchPreset(
  context: CopernicoContext,
  ref: PresetRef,
): Promise<{ rows: PresetRow[]; label: string }> {
  const path = presetPath(ref);
  const label = `Copernico /races/${ref.raceId}/preset/…/${ref.eventName}`;
  const call: Call = { source: label, now: context.now };
  const what = `race "${ref.raceId}", preset "${ref.presetName}" of ${ref.login}, event "${ref.eventName}"`;
  const response = await sendRequest(
    context.fetch,
    { method: "GET", host: "public", path, headers: { accept: "application/json" } },
    call,
  );
  const { status } = response;
  if (status === 404)
    throw new ProviderRejectedError(
      `${label} answered 404: Copernico has no ${what}; names must match exactly (settings.presetLogin, settings.presetName, params)`,
      404,
    );
  if (status === 413) throw tooLarge(label, what);
  if (!response.ok) throw await describeFailure(response, call);

  let bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > EXPORT_CAP_BYTES) throw tooLarge(label, what);
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new ProviderMalformedError(`${label} answered ${status} with a gzip body that does not unpack`);
    }
  }
  const text = bytes.toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const type = response.headers.get("content-type") ?? "no content type";
    throw new ProviderMalformedError(
      `${label} answered ${status} with a body that is not JSON (${type}, ${bytes.length} bytes)`,
    );
  }
  const parsed = presetExportSchema.safeParse(body);
  if (!parsed.success) {
    // Name the first row that is not an object, or say the shape is not a list at all.
    if (Array.isArray(body)) parseRows(presetRowSchema, body, label, status);
    throw new ProviderMalformedError(
      `${label} answered ${status} with neither a list of rows nor {"data": [rows]}`,
    );
  }
  return { rows: parsed.data, label };
}

function tooLarge(label: string, what: string): ProviderRejectedError {
  return new ProviderRejectedError(
    `${label}: the export of ${what} is over Copernico's 6 MB cap; trim the preset's columns or filters in Copernico`,
    413,
  );
}

/** Copernico's message should not echo the key, but an error must never carry it even if it does. */
function scrub(text: string, secret: string): string {
  return secret === "" ? text : text.split(secret).join("***");
}
