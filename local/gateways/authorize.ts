import { invoke, type LocalFunction } from "../aws/lambda.ts";
import { evaluatePolicy, type PolicyDocument } from "./iam-policy.ts";

export type AuthorizerContextValue = string | number | boolean;

export type AuthOutcome =
  | {
      readonly kind: "allow";
      readonly principalId: string;
      readonly context: Record<string, AuthorizerContextValue>;
    }
  | { readonly kind: "unauthorized" }
  | { readonly kind: "forbidden" }
  | { readonly kind: "error"; readonly error: unknown };

interface AuthorizerResponse {
  readonly principalId?: unknown;
  readonly policyDocument?: PolicyDocument;
  readonly context?: Record<string, unknown> | null;
}

/**
 * Runs a Lambda authorizer the way API Gateway does: `Error("Unauthorized")` is a 401, a policy
 * that does not allow the method ARN a 403, and anything else going wrong (another error, a
 * context value that is not a string, number or boolean) a 500.
 */
export async function authorize(
  fn: LocalFunction,
  event: { readonly methodArn: string } & Record<string, unknown>,
): Promise<AuthOutcome> {
  let response: AuthorizerResponse;
  try {
    response = (await invoke(fn, event)) as AuthorizerResponse;
  } catch (error) {
    if (error instanceof Error && error.message === "Unauthorized") return { kind: "unauthorized" };
    return { kind: "error", error };
  }
  if (typeof response?.principalId !== "string") {
    return { kind: "error", error: new Error("authorizer response has no principalId") };
  }
  if (evaluatePolicy(response.policyDocument, event.methodArn) === "deny") return { kind: "forbidden" };
  const context: Record<string, AuthorizerContextValue> = {};
  for (const [key, value] of Object.entries(response.context ?? {})) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      return {
        kind: "error",
        error: new Error(`authorizer context "${key}" is not a string, number or boolean`),
      };
    }
    context[key] = value;
  }
  return { kind: "allow", principalId: response.principalId, context };
}
