import { openf1 } from "#providers/openf1/definition.ts";
import type { Catalog, EndpointGroupDef, LimitDef, ProviderDef, SyncTypeDef } from "./types.ts";

export * from "./types.ts";

/**
 * The definition of every provider Pacer knows, each from its folder
 * (`functions/providers/<id>/definition.ts`). Adding a provider: that folder, and its definition here.
 */
const PROVIDERS = [openf1] as const;

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

/** The limits that guard one sync type's calls (all must grant). */
export function limitsFor(provider: ProviderDef, syncType: SyncTypeDef): LimitDef[] {
  const group: EndpointGroupDef | undefined = provider.endpointGroups.find(
    (g) => g.id === syncType.endpointGroup,
  );
  if (!group)
    throw new Error(`${provider.id}/${syncType.id}: unknown endpoint group ${syncType.endpointGroup}`);
  return group.limits.map((id) => {
    const limit = provider.limits.find((l) => l.id === id);
    if (!limit) throw new Error(`${provider.id}/${group.id}: unknown limit ${id}`);
    return limit;
  });
}

const envName = (providerId: string) => providerId.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/** `openf1` → `PACER_OPENF1_BASE_URL`. */
export function baseUrlEnvVar(providerId: string): string {
  return `PACER_${envName(providerId)}_BASE_URL`;
}

/**
 * `openf1` → `PACER_OPENF1_REDIRECT_HOSTS`: hosts besides the base URL's a provider may redirect
 * to (comma-separated). Any other host is refused, and every hop takes its own permit.
 */
export function redirectHostsEnvVar(providerId: string): string {
  return `PACER_${envName(providerId)}_REDIRECT_HOSTS`;
}

/** `openf1` → `PACER_OPENF1_CREDENTIALS_SECRET`: the Secrets Manager secret holding its credentials. */
export function credentialsSecretEnvVar(providerId: string): string {
  return `PACER_${envName(providerId)}_CREDENTIALS_SECRET`;
}
