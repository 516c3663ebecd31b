import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/**
 * Runs one SQS batch through `processRecord` and reports the records that threw as partial batch
 * failures. The processor lives for this invocation only: Powertools' BatchProcessor keeps the
 * batch's records and failures on itself, so one shared by overlapping invocations (several
 * pollers in one process, or a handler called again before the last call returned) would report
 * one batch's failures for another.
 */
export function processSqsBatch<T>(
  event: SQSEvent,
  context: Context,
  processRecord: (record: SQSRecord) => Promise<T>,
): Promise<SQSBatchResponse> {
  return processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), { context });
}
