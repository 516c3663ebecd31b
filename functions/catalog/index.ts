import { chronotrack } from "#providers/chronotrack/definition.ts";
import { copernico } from "#providers/copernico/definition.ts";
import { haku } from "#providers/haku/definition.ts";
import { openf1 } from "#providers/openf1/definition.ts";
import { raceroster } from "#providers/raceroster/definition.ts";
import { runsignup } from "#providers/runsignup/definition.ts";
import { zwiftracing } from "#providers/zwiftracing/definition.ts";
import type { Catalog, EndpointGroupDef, LimitDef, ProviderDef, SyncTypeDef, TierDef } from "./types.ts";

export * from "./types.ts";

/**
 * The definition of every provider Pacer knows, each from its folder
 * (`functions/providers/<id>/definition.ts`). Adding a provider: that folder, and its definition here.
 */
const PROVIDERS = [openf1, zwiftracing, runsignup, raceroster, haku, chronotrack, copernico] as const;

/** The id of a provider in the catalog, e.g. `"openf1"`. */
export type ProviderId = (typeof PROVIDERS)[number]["id"];

export const catalog: Catalog = {
  providers: PROVIDERS,
};

export function findProvider(providerId: string): ProviderDef | undefined {
  return catalog.providers.find((p) => p.id === providerId);
}

export function findSyncType(provider: ProviderDef, syncTypeId: string): SyncTypeDef | undefined {
  return provider.syncTypes.find((s) => s.id === syncTypeId);
}

/** The tier a connection names, or the provider's default (its first) when it names none. */
export function tierOf(provider: ProviderDef, tierId?: string): TierDef | undefined {
  if (tierId === undefined) return provider.tiers[0];
  return provider.tiers.find((t) => t.id === tierId);
}

/**
 * The limits that guard one endpoint group's calls (all must grant), with `calls` as the tier
 * allows: a tier the limit does not name has the default tier's number.
 */
export function limitsForGroup(provider: ProviderDef, groupId: string, tierId?: string): LimitDef[] {
  const group: EndpointGroupDef | undefined = provider.endpointGroups.find((g) => g.id === groupId);
  if (!group) throw new Error(`${provider.id}: unknown endpoint group ${groupId}`);
  return group.limits.map((id) => {
    const limit = provider.limits.find((l) => l.id === id);
    if (!limit) throw new Error(`${provider.id}/${group.id}: unknown limit ${id}`);
    const calls = tierId === undefined ? undefined : limit.tiers?.[tierId];
    return calls === undefined ? limit : { ...limit, calls };
  });
}

/** A manual sync type's data, when its definition names no freshness target. */
const MANUAL_FRESHNESS_MS = 15 * 60_000;

/** How old a sync type's data may be when read (`SyncTypeDef.freshnessMs`, else from its cadence). */
export function freshnessTargetMs(syncType: SyncTypeDef): number {
  if (syncType.freshnessMs !== undefined) return syncType.freshnessMs;
  const cadence = syncType.cadence;
  if (cadence.kind === "rate") return cadence.everyMs;
  if (cadence.kind === "cron") return cadence.approxEveryMs;
  return MANUAL_FRESHNESS_MS;
}

/** The endpoint groups a sync type calls, in the order it declares them (its first call's first). */
export function groupsOf(syncType: SyncTypeDef): string[] {
  return Object.keys(syncType.calls);
}

/**
 * The endpoint group whose templates match `METHOD path` (path without query), or undefined.
 * A `{name}` segment matches any one non-empty segment.
 */
export function matchEndpoint(
  provider: ProviderDef,
  method: string,
  path: string,
  host?: string,
): string | undefined {
  const segments = path.split("/");
  for (const group of provider.endpointGroups) {
    if (group.host !== host) continue;
    for (const endpoint of group.endpoints) {
      const [verb, template = ""] = endpoint.split(" ");
      if (verb !== method.toUpperCase()) continue;
      const parts = template.split("/");
      if (parts.length !== segments.length) continue;
      const fits = parts.every((part, i) => {
        const segment = segments[i] ?? "";
        return /^\{\w+\}$/.test(part) ? segment !== "" : part === segment;
      });
      if (fits) return group.id;
    }
  }
  return undefined;
}

const envName = (providerId: string) => providerId.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/** `openf1` → `PACER_OPENF1_BASE_URL`. */
export function baseUrlEnvVar(providerId: string): string {
  return `PACER_${envName(providerId)}_BASE_URL`;
}

/** `haku`, `auth` → `PACER_HAKU_AUTH_BASE_URL`: overrides one of the definition's `hosts`. */
export function hostUrlEnvVar(providerId: string, host: string): string {
  return `PACER_${envName(providerId)}_${envName(host)}_BASE_URL`;
}

/**
 * The base URL of each named host of a provider, as `env` overrides them (the worker passes
 * `process.env`; a variable set to "" counts as unset).
 */
export function hostUrls(
  provider: ProviderDef,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(provider.hosts ?? {}).map(([name, url]) => [
      name,
      env[hostUrlEnvVar(provider.id, name)] || url,
    ]),
  );
}

/**
 * `openf1` → `PACER_OPENF1_REDIRECT_HOSTS`: hosts besides the base URL's a provider may redirect
 * to (comma-separated). Any other host is refused, and every hop takes its own permit.
 */
export function redirectHostsEnvVar(providerId: string): string {
  return `PACER_${envName(providerId)}_REDIRECT_HOSTS`;
}
