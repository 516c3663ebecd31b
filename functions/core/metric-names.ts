/**
 * Metric names and dimensions, shared by the handlers (which emit them through Powertools EMF) and
 * the observability construct (which charts them and alarms on them).
 * Every metric has the dimensions `service` (always "pacer") and `provider`; freshness adds `syncType`.
 */
export const METRICS_NAMESPACE = "Pacer";
export const SERVICE_NAME = "pacer";

export const METRIC = {
  jobSucceeded: "JobSucceeded",
  jobFailed: "JobFailed",
  jobSkipped: "JobSkipped",
  jobDeferred: "JobDeferred",
  /** Provider answered 429 (or its headers said the budget is spent). */
  providerThrottled: "ProviderThrottled",
  /** A provider asked for a pause longer than Pacer honours (see MAX_PROVIDER_PAUSE_MS); alarmed. */
  pauseCapped: "ProviderPauseCapped",
  providerLatency: "ProviderLatencyMs",
  permitsGranted: "PermitsGranted",
  permitsRefused: "PermitsRefused",
  /** Messages the worker moved to a DLQ itself, with their reason. */
  deadLettered: "DeadLettered",
  /** A job used up its retry budget (attempts or age) and was dead-lettered; alarmed. */
  retriesExhausted: "RetriesExhausted",
  /** A job waited for permits longer than its sync type allows and was dead-lettered; alarmed. */
  waitExhausted: "PermitWaitExhausted",
  /** A provider kept answering 429 until the job's retry budget ran out; alarmed. */
  throttledOut: "ProviderThrottledOut",
  /** A permit was given up because its holder woke too late to use it; the caller asked again. */
  permitVoided: "PermitVoided",
  /** A provider redirect Pacer refused to follow (another host, too many hops). */
  redirectRefused: "ProviderRedirectRefused",
  /** A provider answer served from the response cache within its freshness target: no permit, no call. */
  responseReused: "ProviderResponseReused",
  /** Jobs the sweeper found open with no message left to finish them, and queued again. */
  jobsRequeued: "JobsRequeued",
  /** Seconds since a sync type last succeeded; emitted by the freshness monitor, dims provider + syncType. */
  freshness: "FreshnessSeconds",
} as const;
