import { ApiClient, ApiError } from "../api-client.ts";
import { NO_ROUTE_MESSAGE } from "../api-types.ts";
import { type CommandContext, commandTarget } from "../context.ts";
import { CliError } from "../errors.ts";

/** `pacer openapi`: the stack's OpenAPI document, as it serves it. */
export async function run(ctx: CommandContext): Promise<number> {
  const target = commandTarget(ctx);
  try {
    const document = await new ApiClient(target, target.token).getJson("/openapi.json");
    ctx.out.line(JSON.stringify(document, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof ApiError && isMissingRoute(error)) {
      throw new CliError(
        `${target.api} serves no /openapi.json`,
        "the stack predates its OpenAPI route: update it (locally restart `npm run local`; deployed `cdk deploy`)",
      );
    }
    throw error;
  }
}

/** Locally a 404; deployed, API Gateway answers a path it has no route for with a 403. */
function isMissingRoute(error: ApiError): boolean {
  return error.status === 404 || (error.status === 403 && error.apiMessage === NO_ROUTE_MESSAGE);
}
