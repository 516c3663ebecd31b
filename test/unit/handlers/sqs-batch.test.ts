import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { processSqsBatch } from "#handlers/sqs-batch.ts";

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

function batch(name: string, size: number): SQSEvent {
  return {
    Records: Array.from({ length: size }, (_, i) => ({
      messageId: `${name}-${i}`,
      receiptHandle: `${name}-${i}`,
      body: JSON.stringify({ fail: i % 2 === 1 }),
      attributes: {} as SQSRecord["attributes"],
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:pacer-openf1-normal",
      awsRegion: "us-east-1",
    })),
  };
}

/** A record handler that yields to the event loop a random number of times, so batches interleave. */
async function slowly(record: SQSRecord): Promise<string> {
  const turns = Number.parseInt(record.messageId.split("-")[1] ?? "0", 10) % 3;
  for (let i = 0; i <= turns; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  if ((JSON.parse(record.body) as { fail: boolean }).fail) throw new Error(`${record.messageId} failed`);
  return record.messageId;
}

describe("processSqsBatch", () => {
  it("reports each overlapping batch's failures for that batch alone", async () => {
    const events = ["a", "b", "c"].map((name, i) => batch(name, 4 + i));
    const responses = await Promise.all(events.map((event) => processSqsBatch(event, context, slowly)));
    responses.forEach((response, i) => {
      const name = ["a", "b", "c"][i] as string;
      const expected = (events[i] as SQSEvent).Records.filter((_, n) => n % 2 === 1).map((r) => r.messageId);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(expected.sort());
      for (const failure of response.batchItemFailures)
        expect(failure.itemIdentifier.startsWith(name)).toBe(true);
    });
  });
});
