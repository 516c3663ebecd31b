import { z } from "zod";
import { isOneTime, parseScheduleExpression } from "./schedule-expression.ts";

/**
 * EventBridge Scheduler's REST-JSON model, as far as the local stand-in (scheduler-service.ts)
 * serves it: request bodies with the constraints the real service checks, what it stores and
 * how it answers. Timestamps travel as epoch seconds, REST-JSON's default.
 */

/** Schedule and group names (API reference: 1–64 characters). */
export const RESOURCE_NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;
const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const SQS_ARN_PATTERN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;

export type SchedulerErrorType =
  | "ValidationException"
  | "ConflictException"
  | "ResourceNotFoundException"
  | "SerializationException"
  | "UnknownOperationException";

const STATUS: Record<SchedulerErrorType, number> = {
  ValidationException: 400,
  SerializationException: 400,
  ConflictException: 409,
  ResourceNotFoundException: 404,
  UnknownOperationException: 404,
};

/** A refusal the service answers with `x-amzn-errortype` and `{"Message"}`; the SDK throws its typed error. */
export class SchedulerApiError extends Error {
  override readonly name = "SchedulerApiError";
  constructor(
    readonly type: SchedulerErrorType,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.type];
  }
}

const epochSeconds = z.number().finite();

const TargetSchema = z.looseObject({
  Arn: z.string().min(1).max(1600),
  RoleArn: z.string().min(1).max(1600).regex(ROLE_ARN_PATTERN),
  Input: z.string().min(1).optional(),
  DeadLetterConfig: z
    .object({ Arn: z.string().min(1).max(1600).regex(SQS_ARN_PATTERN).optional() })
    .optional(),
  RetryPolicy: z
    .object({
      MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
      MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
    })
    .optional(),
  SqsParameters: z.object({ MessageGroupId: z.string().min(1).max(128).optional() }).optional(),
});

/** The body of CreateSchedule and UpdateSchedule (an update replaces every field). */
export const ScheduleBodySchema = z
  .object({
    ScheduleExpression: z.string().min(1).max(256),
    Target: TargetSchema,
    FlexibleTimeWindow: z.object({
      Mode: z.enum(["OFF", "FLEXIBLE"]),
      MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional(),
    }),
    GroupName: z.string().regex(RESOURCE_NAME_PATTERN).optional(),
    StartDate: epochSeconds.optional(),
    EndDate: epochSeconds.optional(),
    Description: z.string().max(512).optional(),
    ScheduleExpressionTimezone: z.string().min(1).max(50).optional(),
    State: z.enum(["ENABLED", "DISABLED"]).optional(),
    KmsKeyArn: z.string().min(1).max(2048).optional(),
    ClientToken: z
      .string()
      .regex(/^[a-zA-Z0-9\-_]{1,64}$/)
      .optional(),
    ActionAfterCompletion: z.enum(["NONE", "DELETE"]).optional(),
  })
  .check((ctx) => {
    const body = ctx.value;
    if (
      body.FlexibleTimeWindow.Mode === "FLEXIBLE" &&
      body.FlexibleTimeWindow.MaximumWindowInMinutes === undefined
    )
      ctx.issues.push({
        code: "custom",
        input: body.FlexibleTimeWindow,
        path: ["FlexibleTimeWindow", "MaximumWindowInMinutes"],
        message: "is required when Mode is FLEXIBLE",
      });
    if (body.StartDate !== undefined && body.EndDate !== undefined && body.EndDate <= body.StartDate)
      ctx.issues.push({
        code: "custom",
        input: body.EndDate,
        path: ["EndDate"],
        message: "must be after StartDate",
      });
  });

export type ScheduleBody = z.infer<typeof ScheduleBodySchema>;
export type ScheduleTarget = z.infer<typeof TargetSchema>;

/** A schedule as the service keeps it: the last Create/Update body, defaults filled, plus its metadata. */
export interface StoredSchedule {
  readonly Arn: string;
  readonly Name: string;
  readonly GroupName: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly Target: ScheduleTarget;
  readonly FlexibleTimeWindow: ScheduleBody["FlexibleTimeWindow"];
  readonly StartDate?: number;
  readonly EndDate?: number;
  readonly Description?: string;
  readonly State: "ENABLED" | "DISABLED";
  readonly KmsKeyArn?: string;
  readonly ActionAfterCompletion: "NONE" | "DELETE";
  readonly CreationDate: number;
  readonly LastModificationDate: number;
}

/** What Scheduler fills in when a body leaves it out. */
export function withDefaults(
  body: ScheduleBody,
): Omit<StoredSchedule, "Arn" | "Name" | "GroupName" | "CreationDate" | "LastModificationDate"> {
  const { GroupName: _group, ClientToken: _token, ...rest } = body;
  return {
    ...rest,
    State: body.State ?? "ENABLED",
    ActionAfterCompletion: body.ActionAfterCompletion ?? "NONE",
    Target: {
      ...body.Target,
      RetryPolicy: {
        MaximumEventAgeInSeconds: body.Target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400,
        MaximumRetryAttempts: body.Target.RetryPolicy?.MaximumRetryAttempts ?? 185,
      },
    },
  };
}

/** ListSchedules' summary of one schedule. */
export function scheduleSummary(schedule: StoredSchedule) {
  return {
    Arn: schedule.Arn,
    Name: schedule.Name,
    GroupName: schedule.GroupName,
    State: schedule.State,
    CreationDate: schedule.CreationDate,
    LastModificationDate: schedule.LastModificationDate,
    Target: { Arn: schedule.Target.Arn },
  };
}

/** A JSON body parsed with `schema`, or the ValidationException Scheduler would answer. */
export function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const detail = issues
    .map(
      (issue) =>
        `Value at '${issue.path.join(".") || "body"}' failed to satisfy constraint: ${issue.message}`,
    )
    .join("; ");
  throw new SchedulerApiError(
    "ValidationException",
    `${issues.length} validation error${issues.length === 1 ? "" : "s"} detected: ${detail}`,
  );
}

/** A schedule or group name from a path or query, checked like the service checks it. */
export function resourceName(value: string | null | undefined, what: string): string {
  if (value === null || value === undefined || !RESOURCE_NAME_PATTERN.test(value)) {
    throw new SchedulerApiError(
      "ValidationException",
      `1 validation error detected: Value '${String(value).slice(0, 80)}' at '${what}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+ and have length between 1 and 64`,
    );
  }
  return value;
}

const MAX_PAGE = 100;

/** The expression parses locally, in its timezone (an IANA zone), else a ValidationException. */
export function checkExpression(expression: string, timezone: string | undefined, nowMs: number): void {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: timezone });
    } catch {
      throw new SchedulerApiError("ValidationException", `Invalid ScheduleExpressionTimezone ${timezone}.`);
    }
  }
  try {
    parseScheduleExpression(expression, nowMs, timezone);
  } catch (error) {
    throw new SchedulerApiError(
      "ValidationException",
      `Invalid Schedule Expression ${expression}. ${(error as Error).message}`,
    );
  }
}

/** How far in the past Scheduler accepts a recurring schedule's StartDate. */
const START_DATE_SLACK_MS = 5 * 60_000;

/**
 * A recurring schedule's StartDate may not lie more than 5 minutes in the past, as Scheduler
 * says; a one-time schedule's dates are ignored, so not checked.
 */
export function checkStartDate(body: ScheduleBody, nowMs: number): void {
  if (body.StartDate === undefined || isOneTime(body.ScheduleExpression)) return;
  if (body.StartDate * 1000 < nowMs - START_DATE_SLACK_MS)
    throw new SchedulerApiError(
      "ValidationException",
      "The StartDate you specify cannot be earlier than 5 minutes ago.",
    );
}

export function parseJson(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SchedulerApiError("SerializationException", "The request body is not valid JSON.");
  }
}

/** One page of `items` per MaxResults (1–100) and an opaque NextToken. */
export function page<T>(
  items: readonly T[],
  query: URLSearchParams,
): { items: T[]; next: string | undefined } {
  const maxText = query.get("MaxResults");
  const max = maxText === null ? MAX_PAGE : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE)
    throw new SchedulerApiError("ValidationException", `MaxResults must be between 1 and ${MAX_PAGE}.`);
  const token = query.get("NextToken");
  const offset = token === null ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isInteger(offset) || offset < 0)
    throw new SchedulerApiError("ValidationException", "Invalid NextToken.");
  const end = offset + max;
  return {
    items: items.slice(offset, end),
    next: end < items.length ? Buffer.from(String(end)).toString("base64url") : undefined,
  };
}

/** A `{Name}` path label, percent-decoded; a malformed one is refused like a bad name. */
export function decodePathLabel(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    throw new SchedulerApiError("ValidationException", "The name in the request path is not valid.");
  }
}
