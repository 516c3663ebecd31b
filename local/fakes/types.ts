import type { ProviderId } from "#catalog/index.ts";

/** What every fake's stats have in common (each may count more). */
export interface FakeProviderStats {
  readonly requests: number;
  readonly rateLimited: number;
}

/** What a fake server is started with: plain data, since it crosses into the fake's own process. */
export interface FakeServerOptions {
  /** Fresh for every start: the fake accepts it as its credentials (a password, an API key). */
  readonly secret: string;
  /**
   * Freeze live feeds at this moment (epoch ms): the fake keeps real time for its limits but
   * publishes no new live rows.
   */
  readonly feedFrozenAt?: number;
  /**
   * Every limit window divided by this, as Pacer's are (`--time-scale`, functions/core/limit-time-scale.ts).
   * @default 1
   */
  readonly timeScale?: number;
  /**
   * The simulator's workload for this fake (plain data, each fake parses its own shape): what
   * exists and when (a club's events, a race's registrations). Absent: the fake's own demo data.
   */
  readonly workload?: unknown;
}

export interface FakeServer {
  readonly url: string;
  stats(): FakeProviderStats;
  stop(): Promise<void>;
}

/**
 * A fake provider: its own folder, `local/fakes/<id>/index.ts`, exporting one of these, listed
 * once in `local/fakes/all.ts`. It must enforce the provider's limits strictly (429 on any excess:
 * local/fakes/strict-window.ts), with its windows scaled by `timeScale`, and keep real time.
 */
export interface FakeProvider {
  /** The catalog provider it stands in for. */
  readonly id: ProviderId;
  /**
   * Where the provider's base URL lies on the fake's server (ZwiftRacing's is `…/api`).
   * @default "" - the server's root
   */
  readonly basePath?: string;
  /**
   * Where each of the provider's named hosts (its definition's `hosts`: an OAuth server, a public
   * results API) lies on the same server, e.g. `{ auth: "/_auth" }`; the stand-in points
   * `PACER_<ID>_<NAME>_BASE_URL` there. A host not named here is at the server's root.
   */
  readonly hostPaths?: Readonly<Record<string, string>>;
  /** Serves the fake in this process (the stand-in gives each fake a process of its own). */
  start(options: FakeServerOptions): Promise<FakeServer>;
  /**
   * The connection `npm run local` makes to this fake through `POST /connections` (its demo and
   * default tenant): the credentials the fake accepts, made from `secret`, and settings that
   * name data the fake serves. The stand-in sets `PACER_<ID>_BASE_URL` to the fake itself.
   */
  connection(fake: { readonly url: string; readonly secret: string }): FakeConnection;
}

/** A `POST /connections` body without its provider. */
export interface FakeConnection {
  readonly tier?: string;
  readonly credentials?: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, unknown>>;
}
