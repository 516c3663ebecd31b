import { parseArgs } from "node:util";

export interface CliOptions {
  /** The API's port; the WebSocket API uses the next one; 0 picks free ports. */
  readonly port: number;
  readonly speed: number;
  /** Every limit window, Pacer's and the fakes', divided by this (with `--once`, {@link DEMO_TIME_SCALE} unless given). */
  readonly timeScale: number;
  readonly once: boolean;
  /** Handler INFO logs, EMF metrics, a line per poller batch, and a job's pick-up by a worker. */
  readonly verbose: boolean;
  /** The handlers' EMF metric lines without the rest of --verbose. */
  readonly metrics: boolean;
  readonly help: boolean;
}

export const DEFAULT_PORT = 4100;
/**
 * `--once`'s time scale unless `--time-scale` is given: ZwiftRacing's results take one call a
 * minute per event, so the demo would otherwise take half an hour.
 */
export const DEMO_TIME_SCALE = 60;

export const USAGE = `Usage: npm run local -- [options]

Runs Pacer on your machine: the same handlers, catalog and table definitions as the deployed
stack, on DynamoDB Local (needs Java 17+), an SQS emulator, fake providers and local API gateways.
Prints one line PACER_READY {"api","ws","token",...} on stdout when everything is up; everything
else goes to stderr: a line per start-up step, then a line per job state change and per 429 a fake
provider answers, and the handlers' warnings (readable lines on a terminal, JSON lines otherwise).

Options:
  --port N     the REST API listens on N, the WebSocket API on N+1 (default ${DEFAULT_PORT}; 0 = free ports).
               DynamoDB Local, SQS and the fakes always take free ports (see PACER_READY).
  --speed X    run the scheduler's clock X times faster (default 1), e.g. 60: an hour of schedules a
               minute. Provider limits, queue timeouts and the fakes' data keep real time, so the
               limiter shapes the extra load: jobs wait for permits instead of hitting 429s.
  --time-scale X
               divide every limit window by X (default 1, at least 1), Pacer's and the fakes' alike,
               e.g. 60: "1 per 60 min" acts as "1 per 60 s", OpenF1's 3/s as 3 per 17 ms (rounded up
               to whole ms, never below 1 ms). Schedules keep their pace (that is --speed).
               With --once it defaults to ${DEMO_TIME_SCALE}.
  --once       run the demo and exit. It connects the default tenant to each fake provider through
               the API, then runs each OpenF1 sync type twice, by tier (the second run must write
               nothing), and ZwiftRacing's once: club members, their stats in one bulk call, a rider
               added by hand, and results with one eventResults child per finished event (a second
               run of its hour-limited endpoints within minutes is impossible by design). Runs at
               --time-scale ${DEMO_TIME_SCALE} unless given, so ZwiftRacing's 1 results call a minute becomes 1
               a second. Prints a line per provider (calls, entities written, 429s) on stderr and
               PACER_SUMMARY {...} on stdout; exits 0 when every job succeeded, the first runs wrote
               data, OpenF1's second wrote nothing and no fake answered a 429 or saw a call repeated.
               Beside them, a race as tenant race-demo: RunSignUp and Race Roster registrations
               unified into one list, pushed to ChronoTrack, 20 results pulled, a publication
               approved (sent to RunSignUp) and an unchanged second one (sends nothing); a line
               per race provider (calls, entities, pushes, 429s) and one for the race.
               The scheduler stays off so only the demo calls the providers.
  --verbose    also the handlers' INFO logs and EMF metrics, a line per batch the pollers run, and
               a line when a worker picks a job up.
  --metrics    the handlers' EMF metric lines (what CloudWatch would receive), without --verbose.
  --help       this text.

Environment:
  PACER_<PROVIDER>_BASE_URL   call this server instead of starting that provider's fake.
  PACER_LOCAL_STATE           where the running stack is recorded for npx pacer (default .pacer/local.json).
  NO_COLOR                    no colours, even on a terminal.
`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        speed: { type: "string" },
        "time-scale": { type: "string" },
        once: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        metrics: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_534) {
    throw new UsageError(`--port must be a whole number from 0 to 65534, got "${values.port}"`);
  }
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new UsageError(`--speed must be a positive number, got "${values.speed}"`);
  }
  const rawTimeScale = values["time-scale"];
  const once = values.once === true;
  const timeScale = rawTimeScale === undefined ? (once ? DEMO_TIME_SCALE : 1) : Number(rawTimeScale);
  if (!Number.isFinite(timeScale) || timeScale < 1) {
    throw new UsageError(`--time-scale must be a number of at least 1, got "${rawTimeScale}"`);
  }
  return {
    port,
    speed,
    timeScale,
    once,
    verbose: values.verbose === true,
    metrics: values.metrics === true,
    help: values.help === true,
  };
}
