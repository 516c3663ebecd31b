import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { SCHEDULED_TIME_PLACEHOLDER } from "#core/schedule-plan.ts";
import {
  BodyTooLargeError,
  closeServer,
  parseRequestUrl,
  readBody,
  sendJson,
} from "../gateways/http-util.ts";
import type { LocalLog } from "../log.ts";
import { LOOPBACK, listen } from "../ports.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-config.ts";
import { isOneTime, parseScheduleExpression, type Recurrence } from "./schedule-expression.ts";
import { ScheduleTimers } from "./scheduler.ts";
import {
  checkExpression,
  checkStartDate,
  decodePathLabel,
  page,
  parseBody,
  parseJson,
  resourceName,
  ScheduleBodySchema,
  SchedulerApiError,
  type StoredSchedule,
  scheduleSummary,
  withDefaults,
} from "./scheduler-api.ts";
import type { VirtualClock } from "./virtual-clock.ts";

export interface SchedulerServiceOptions {
  readonly clock: VirtualClock;
  /** Schedule groups that exist from the start, besides `default` (which always does, as in AWS). */
  readonly groups?: readonly string[];
  /**
   * Sends one firing: the target's ARN and its Input with Scheduler's context attributes
   * (`<aws.scheduler.scheduled-time>` …) filled in. A rejection sends the Input to the
   * schedule's dead-letter ARN, when it has one, through this same function.
   */
  readonly deliver: (targetArn: string, input: string) => Promise<void>;
  readonly log: LocalLog;
  /** @default 0 (a free port) */
  readonly port?: number;
}

export interface SchedulerService {
  /** `http://127.0.0.1:<port>`: the `endpoint` of a SchedulerClient (any credentials). */
  readonly endpoint: string;
  readonly port: number;
  /** Each schedule's next firing (virtual time, ISO; undefined when disabled or ended), for logs and tests. */
  upcoming(): { readonly group: string; readonly name: string; readonly at: string | undefined }[];
  /** Stops firing and closes the server; the schedules, kept in memory, are gone. */
  stop(): Promise<void>;
}

interface ScheduleGroup {
  readonly Arn: string;
  readonly Name: string;
  readonly State: "ACTIVE";
  readonly CreationDate: number;
  readonly LastModificationDate: number;
}

const DEFAULT_GROUP = "default";
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * EventBridge Scheduler's stand-in: the REST-JSON API the SDK's SchedulerClient speaks (Create,
 * Update, Get, Delete and List schedules; Create, Get, List and Delete groups), with the real
 * service's validation of those fields, schedules held in memory and fired on the virtual clock.
 * SigV4 headers are not checked. Rate schedules count from their creation (or StartDate), so an
 * update that keeps the expression keeps the firing times. StartDate, EndDate, one-time `at(…)`
 * expressions, ScheduleExpressionTimezone and `ActionAfterCompletion: DELETE` (the schedule goes
 * after its last firing, or at its EndDate) are honoured as Scheduler does, all on the virtual
 * clock through ScheduleTimers' recurrences.
 */
export async function startSchedulerService(options: SchedulerServiceOptions): Promise<SchedulerService> {
  const { clock, deliver, log } = options;
  const nowSeconds = () => Math.floor(clock.now() / 1000);
  const groups = new Map<string, ScheduleGroup>();
  const schedules = new Map<string, StoredSchedule>();
  const timers = new ScheduleTimers(clock, log);
  const arn = (resource: string) => `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
  const keyOf = (group: string, name: string) => `${group}/${name}`;

  const addGroup = (name: string): ScheduleGroup => {
    const at = nowSeconds();
    const group = {
      Arn: arn(`schedule-group/${name}`),
      Name: name,
      State: "ACTIVE" as const,
      CreationDate: at,
      LastModificationDate: at,
    };
    groups.set(name, group);
    return group;
  };
  for (const name of [DEFAULT_GROUP, ...(options.groups ?? [])]) addGroup(resourceName(name, "groupName"));

  const existingGroup = (name: string | null | undefined): string => {
    const group = resourceName(name ?? DEFAULT_GROUP, "groupName");
    if (!groups.has(group))
      throw new SchedulerApiError("ResourceNotFoundException", `Schedule group ${group} does not exist.`);
    return group;
  };
  const existingSchedule = (group: string, name: string): StoredSchedule => {
    const schedule = schedules.get(keyOf(group, name));
    if (!schedule)
      throw new SchedulerApiError("ResourceNotFoundException", `Schedule ${name} does not exist.`);
    return schedule;
  };

  const fire = async (schedule: StoredSchedule, atMs: number) => {
    const scheduledAt = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, "Z");
    const input = (schedule.Target.Input ?? "{}")
      .replaceAll(SCHEDULED_TIME_PLACEHOLDER, scheduledAt)
      .replaceAll("<aws.scheduler.schedule-arn>", schedule.Arn)
      .replaceAll("<aws.scheduler.execution-id>", randomBytes(8).toString("hex"))
      .replaceAll("<aws.scheduler.attempt-number>", "1");
    const what = `schedule ${schedule.GroupName}/${schedule.Name}`;
    try {
      await deliver(schedule.Target.Arn, input);
      log.debug(`${what} fired for ${scheduledAt}`);
    } catch (error) {
      const deadLetter = schedule.Target.DeadLetterConfig?.Arn;
      log.warn(
        `${what} could not deliver its ${scheduledAt} firing${deadLetter ? " (sent to its DLQ)" : ""}`,
        error,
      );
      if (deadLetter) await deliver(deadLetter, input);
    }
  };

  /** Forgets a schedule and stops its timers (its firing and its completion). */
  const drop = (key: string) => {
    schedules.delete(key);
    timers.delete(key);
    timers.delete(completionKey(key));
  };
  /** ActionAfterCompletion DELETE: the schedule goes once it has nothing more to fire. */
  const completed = (key: string, schedule: StoredSchedule) => {
    if (schedule.ActionAfterCompletion !== "DELETE" || schedules.get(key) !== schedule) return;
    drop(key);
    log.debug(`schedule ${schedule.GroupName}/${schedule.Name} completed and was deleted`);
  };

  const arm = (schedule: StoredSchedule) => {
    const key = keyOf(schedule.GroupName, schedule.Name);
    timers.delete(completionKey(key));
    if (schedule.State === "DISABLED") return void timers.delete(key);
    const recurrence = occurrencesOf(schedule);
    timers.set(key, recurrence, async (at) => {
      await fire(schedule, at);
      if (recurrence.next(at) === undefined) completed(key, schedule);
    });
    // A recurring schedule is complete at its EndDate, whether or not a firing fell just before.
    if (schedule.EndDate !== undefined && !isOneTime(schedule.ScheduleExpression)) {
      const endMs = schedule.EndDate * 1000;
      timers.set(completionKey(key), { next: (afterMs) => (endMs > afterMs ? endMs : undefined) }, async () =>
        completed(key, schedule),
      );
    }
  };

  const putSchedule = (name: string, raw: unknown, mode: "create" | "update") => {
    const body = parseBody(ScheduleBodySchema, raw);
    const group = existingGroup(body.GroupName);
    checkExpression(body.ScheduleExpression, body.ScheduleExpressionTimezone, clock.now());
    // On a faster clock the handlers' real time lags the virtual one: their dates would look old.
    if (clock.speed === 1) checkStartDate(body, clock.now());
    const key = keyOf(group, name);
    const previous = schedules.get(key);
    if (mode === "create" && previous)
      throw new SchedulerApiError("ConflictException", `Schedule ${name} already exists.`);
    if (mode === "update" && !previous)
      throw new SchedulerApiError("ResourceNotFoundException", `Schedule ${name} does not exist.`);
    const now = nowSeconds();
    const schedule: StoredSchedule = {
      ...withDefaults(body),
      Arn: arn(`schedule/${group}/${name}`),
      Name: name,
      GroupName: group,
      CreationDate: previous?.CreationDate ?? now,
      LastModificationDate: now,
    };
    schedules.set(key, schedule);
    arm(schedule);
    return { ScheduleArn: schedule.Arn };
  };

  const listSchedules = (query: URLSearchParams) => {
    const group = query.get("ScheduleGroup");
    const prefix = query.get("NamePrefix") ?? "";
    const state = query.get("State");
    const matching = [...schedules.values()]
      .filter((s) => (group === null || s.GroupName === group) && s.Name.startsWith(prefix))
      .filter((s) => state === null || s.State === state)
      .sort((a, b) => keyOf(a.GroupName, a.Name).localeCompare(keyOf(b.GroupName, b.Name)));
    const { items, next } = page(matching, query);
    return { Schedules: items.map(scheduleSummary), NextToken: next };
  };

  const route = (method: string, url: URL, raw: unknown): unknown => {
    const [collection, encodedName, ...rest] = url.pathname.split("/").slice(1);
    const query = url.searchParams;
    if (rest.length > 0) throw unknownOperation(method, url);
    if (collection === "schedules" && encodedName === undefined && method === "GET")
      return listSchedules(query);
    if (collection === "schedule-groups" && encodedName === undefined && method === "GET") {
      const prefix = query.get("NamePrefix") ?? "";
      const { items, next } = page(
        [...groups.values()].filter((g) => g.Name.startsWith(prefix)),
        query,
      );
      return { ScheduleGroups: items, NextToken: next };
    }
    if (encodedName === undefined) throw unknownOperation(method, url);
    const name = resourceName(decodePathLabel(encodedName), "name");
    if (collection === "schedules") {
      if (method === "POST") return putSchedule(name, raw, "create");
      if (method === "PUT") return putSchedule(name, raw, "update");
      if (method === "GET" || method === "DELETE") {
        const group = existingGroup(query.get("groupName"));
        const schedule = existingSchedule(group, name);
        if (method === "GET") return schedule;
        drop(keyOf(group, name));
        return {};
      }
    }
    if (collection === "schedule-groups") {
      if (method === "POST") {
        if (groups.has(name))
          throw new SchedulerApiError("ConflictException", `Schedule group ${name} already exists.`);
        return { ScheduleGroupArn: addGroup(name).Arn };
      }
      if (method === "GET") return groups.get(existingGroup(name));
      if (method === "DELETE") {
        existingGroup(name);
        if (name === DEFAULT_GROUP)
          throw new SchedulerApiError("ValidationException", "The default schedule group cannot be deleted.");
        for (const schedule of [...schedules.values()].filter((s) => s.GroupName === name)) {
          drop(keyOf(name, schedule.Name));
        }
        groups.delete(name);
        return {};
      }
    }
    throw unknownOperation(method, url);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const headers = { "x-amzn-requestid": randomUUID() };
    try {
      const url = parseRequestUrl(request.url);
      if (!url)
        throw new SchedulerApiError("SerializationException", "The request target is not a valid URL.");
      const text = await readBody(request, MAX_BODY_BYTES).then(
        (body) => body.toString("utf8"),
        (error: unknown) => {
          if (error instanceof BodyTooLargeError)
            throw new SchedulerApiError("SerializationException", "The request body is too large.");
          throw error;
        },
      );
      sendJson(response, 200, route(request.method ?? "GET", url, parseJson(text)), headers);
    } catch (error) {
      const known = error instanceof SchedulerApiError;
      if (!known) log.warn("scheduler stand-in failed a request", error);
      const type = known ? error.type : "InternalServerException";
      const message = known ? error.message : "Internal error.";
      sendJson(
        response,
        known ? error.status : 500,
        { Message: message },
        { ...headers, "x-amzn-errortype": type },
      );
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  const port = await listen(server, options.port ?? 0);
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    upcoming: () =>
      [...schedules.values()].map((s) => {
        const at = timers.nextAt(keyOf(s.GroupName, s.Name));
        return {
          group: s.GroupName,
          name: s.Name,
          at: at === undefined ? undefined : new Date(at).toISOString(),
        };
      }),
    stop: async () => {
      timers.stop();
      await closeServer(server);
    },
  };
}

/** The timer of a schedule's completion (its EndDate), beside the timer of its firings. */
function completionKey(key: string): string {
  return `${key}#completion`;
}

/**
 * When a stored schedule fires: its expression's occurrences in its timezone from its StartDate on
 * (a rate's first one rate after it) and before its EndDate — both ignored by a one-time
 * schedule, as Scheduler does. A rate without a StartDate counts from the schedule's creation.
 */
export function occurrencesOf(schedule: StoredSchedule): Recurrence {
  const timezone = schedule.ScheduleExpressionTimezone;
  if (isOneTime(schedule.ScheduleExpression))
    return parseScheduleExpression(schedule.ScheduleExpression, schedule.CreationDate * 1000, timezone);
  const startMs = schedule.StartDate === undefined ? undefined : schedule.StartDate * 1000;
  const endMs = schedule.EndDate === undefined ? Number.POSITIVE_INFINITY : schedule.EndDate * 1000;
  const occurrences = parseScheduleExpression(
    schedule.ScheduleExpression,
    startMs ?? schedule.CreationDate * 1000,
    timezone,
  );
  return {
    next: (afterMs) => {
      const at = occurrences.next(startMs === undefined ? afterMs : Math.max(afterMs, startMs - 1));
      return at === undefined || at >= endMs ? undefined : at;
    },
  };
}

function unknownOperation(method: string, url: URL): SchedulerApiError {
  return new SchedulerApiError("UnknownOperationException", `No operation for ${method} ${url.pathname}.`);
}
