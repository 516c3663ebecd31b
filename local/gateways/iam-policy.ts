/** The parts of an authorizer's IAM policy that API Gateway evaluates. */
export interface PolicyDocument {
  readonly Statement?: readonly PolicyStatement[] | PolicyStatement;
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
}

/**
 * API Gateway's verdict on an authorizer policy for one method ARN: an explicit Deny wins, then
 * an Allow; no matching statement is a refusal too.
 */
export function evaluatePolicy(document: PolicyDocument | undefined, methodArn: string): "allow" | "deny" {
  const statements = document?.Statement === undefined ? [] : [document.Statement].flat();
  let allowed = false;
  for (const statement of statements as PolicyStatement[]) {
    const actions = [statement.Action ?? []].flat();
    const resources = [statement.Resource ?? []].flat();
    const applies =
      actions.some((action) => globMatches(action, "execute-api:Invoke", { ignoreCase: true })) &&
      resources.some((resource) => globMatches(resource, methodArn));
    if (!applies) continue;
    if (statement.Effect === "Deny") return "deny";
    if (statement.Effect === "Allow") allowed = true;
  }
  return allowed ? "allow" : "deny";
}

/** IAM wildcards: `*` any run of characters, `?` any one. Action names ignore case; ARNs do not. */
export function globMatches(pattern: string, value: string, { ignoreCase = false } = {}): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${regex}$`, ignoreCase ? "i" : "").test(value);
}
