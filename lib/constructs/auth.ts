import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from "aws-cdk-lib/aws-cognito";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ENV } from "#core/env.ts";
import { FUNCTIONS } from "#core/functions.ts";
import type { AuthConfig } from "../config.ts";
import { PacerFunction } from "./pacer-function.ts";

/** What the authorizer needs to verify a JWT and find its tenant. */
export interface AuthorizerSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** @default - the audience is not checked */
  readonly audience?: string;
  readonly tenantClaim: string;
}

/** The authorizer's environment (the names functions/core/auth/verifier.ts reads). */
export function authorizerEnvironment(settings: AuthorizerSettings): Record<string, string> {
  return {
    [ENV.jwtIssuer]: settings.issuer,
    [ENV.jwksUrl]: settings.jwksUrl,
    [ENV.tenantClaim]: settings.tenantClaim,
    ...(settings.audience === undefined ? {} : { [ENV.jwtAudience]: settings.audience }),
  };
}

export const COGNITO_TENANT_ATTRIBUTE = "tenant_id";

export interface PacerIdentityProps {
  readonly auth: AuthConfig;
}

/**
 * Who may call Pacer. `cognito`: a user pool (users are created by an admin with their immutable
 * `custom:tenant_id`) and an app client; `oidc`: an external issuer, nothing to create.
 * Lives in the stateful stack: a user pool holds users, which a redeploy must never lose.
 */
export class PacerIdentity extends Construct {
  public readonly settings: AuthorizerSettings;
  public readonly userPool?: UserPool;
  public readonly userPoolClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: PacerIdentityProps) {
    super(scope, id);
    if (props.auth.kind === "oidc") {
      const { issuer, jwksUrl, audience, tenantClaim } = props.auth;
      this.settings = { issuer, jwksUrl, audience, tenantClaim };
      return;
    }

    const userPool = new UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      customAttributes: {
        [COGNITO_TENANT_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
      },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(userPool).acknowledge({
      id: "AwsSolutions-COG8",
      reason:
        "The Plus feature plan (threat protection) is billed per monthly active user; Pacer's users are a few operators and CI, behind required MFA and admin-only sign-up. Teams that want it can switch the plan.",
    });

    const userPoolClient = userPool.addClient("ApiClient", {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(COGNITO_TENANT_ATTRIBUTE),
      // The tenant is set by an admin at creation; no client may write it.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.userPool = userPool;
    this.userPoolClient = userPoolClient;
    this.settings = {
      issuer: userPool.userPoolProviderUrl,
      jwksUrl: `${userPool.userPoolProviderUrl}/.well-known/jwks.json`,
      audience: userPoolClient.userPoolClientId,
      tenantClaim: `custom:${COGNITO_TENANT_ATTRIBUTE}`,
    };
  }
}

export interface PacerAuthorizerProps {
  readonly settings: AuthorizerSettings;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/** The Lambda authorizer both APIs share (REST TOKEN and WebSocket `$connect` REQUEST events). */
export class PacerAuthorizer extends Construct {
  public readonly function: PacerFunction;

  constructor(scope: Construct, id: string, props: PacerAuthorizerProps) {
    super(scope, id);
    this.function = new PacerFunction(this, "Function", {
      spec: FUNCTIONS.authorizer,
      tables: {},
      logRetention: props.logRetention,
      environment: authorizerEnvironment(props.settings),
    });
  }
}
