import { findProvider, matchEndpoint } from "#catalog/index.ts";
import { findFake } from "../local/fakes/all.ts";
import type { RunningFake } from "../local/fakes/index.ts";
import { SERVED_REQUESTS } from "../local/fakes/serve.ts";

export interface ProviderCalls {
  /** `<provider>:<endpointGroup>` → calls the fake served (429s included); unmatched paths under `:other`. */
  readonly byGroup: Record<string, number>;
  readonly total: number;
  /** Answers of 429, as the fakes' own stats count them. */
  readonly answers429: number;
  /** Per `<provider>:<endpointGroup>`, the 429s served (only groups that had any). */
  readonly rateLimitedByGroup: Record<string, number>;
  /** Requests no endpoint group names (`<provider> METHOD /path`), e.g. an OAuth token. */
  readonly unmatched: Record<string, number>;
}

/**
 * What the providers saw: every request each in-process fake served, mapped to its endpoint group
 * by the catalog's templates (paths relative to the provider's base URL, or to one of its hosts).
 */
export function providerCalls(fakes: Readonly<Record<string, RunningFake>>): ProviderCalls {
  const byGroup: Record<string, number> = {};
  const rateLimitedByGroup: Record<string, number> = {};
  const unmatched: Record<string, number> = {};
  let total = 0;
  let answers429 = 0;
  for (const [id, fake] of Object.entries(fakes)) {
    answers429 += fake.stats().rateLimited;
    const served = SERVED_REQUESTS.get(fake.url);
    const provider = findProvider(id);
    if (!served || !provider) continue;
    const shape = findFake(id);
    for (const [request, counts] of served) {
      const [method = "GET", path = "/"] = request.split(" ");
      const group = groupOf(provider, method, path, shape?.basePath ?? "", shape?.hostPaths ?? {});
      const key = `${id}:${group ?? "other"}`;
      if (group === undefined)
        unmatched[`${id} ${request}`] = (unmatched[`${id} ${request}`] ?? 0) + counts.calls;
      byGroup[key] = (byGroup[key] ?? 0) + counts.calls;
      if (counts.rateLimited > 0)
        rateLimitedByGroup[key] = (rateLimitedByGroup[key] ?? 0) + counts.rateLimited;
      total += counts.calls;
    }
  }
  return {
    byGroup: sorted(byGroup),
    total,
    answers429,
    rateLimitedByGroup: sorted(rateLimitedByGroup),
    unmatched: sorted(unmatched),
  };
}

function groupOf(
  provider: NonNullable<ReturnType<typeof findProvider>>,
  method: string,
  path: string,
  basePath: string,
  hostPaths: Readonly<Record<string, string>>,
): string | undefined {
  for (const [host, prefix] of Object.entries(hostPaths)) {
    if (prefix !== "" && path.startsWith(prefix))
      return matchEndpoint(provider, method, path.slice(prefix.length), host);
  }
  const relative = basePath !== "" && path.startsWith(basePath) ? path.slice(basePath.length) : path;
  return matchEndpoint(provider, method, relative) ?? matchEndpoint(provider, method, path);
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
