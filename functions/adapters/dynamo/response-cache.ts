import { gunzipSync, gzipSync } from "node:zlib";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  type CachedResponse,
  MAX_CACHED_BODY_BYTES,
  type ResponseCache,
  type ResponseKey,
} from "../response-reuse.ts";

export interface DynamoResponseCacheOptions {
  readonly tableName: string;
  readonly client: Pick<DynamoDBDocumentClient, "send">;
}

/**
 * Provider answers kept for reuse in the data table: one item per tenant and key hash (credential
 * budget, method, URL, body), the body gzipped — JSON shrinks several times, and an item's write
 * costs a unit per KB — and kept only when it fits well inside DynamoDB's 400 KB item. TTL
 * removes an item once no reader could use it.
 */
export class DynamoResponseCache implements ResponseCache {
  constructor(private readonly options: DynamoResponseCacheOptions) {}

  async get(key: ResponseKey): Promise<CachedResponse | undefined> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: itemKey(key) }),
    );
    const item = result.Item;
    if (item === undefined || !(item.body instanceof Uint8Array)) return undefined;
    // DynamoDB deletes expired items within days, not at once.
    if (Number(item.expiresAt) * 1000 < Date.now()) return undefined;
    return {
      status: 200,
      headers: (item.headers ?? {}) as Record<string, string>,
      body: new Uint8Array(gunzipSync(item.body)),
      fetchedAt: Number(item.fetchedAt),
    };
  }

  async put(key: ResponseKey, response: CachedResponse, expiresAt: number): Promise<void> {
    const body = gzipSync(response.body);
    if (body.byteLength > MAX_CACHED_BODY_BYTES) return;
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...itemKey(key),
          headers: response.headers,
          body,
          fetchedAt: response.fetchedAt,
          expiresAt: Math.ceil(expiresAt / 1000),
        },
      }),
    );
  }
}

const itemKey = (key: ResponseKey) => ({ pk: `RESPONSE#${key.tenantId}`, sk: key.hash });
