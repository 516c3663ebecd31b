import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { type ITable, Table } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { ENV, requiredEnv } from "#core/env.ts";
import type { FunctionSpec, TableAccess } from "#core/functions.ts";
import { METRICS_NAMESPACE, SERVICE_NAME } from "#core/metric-names.ts";
import type { TableKey, TableSpec } from "#core/resources.ts";
import type { PacerQueues } from "./queues.ts";

/** The repository root: handler entries, package.json `imports` and the lock file live here. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A handler file, given relative to the repository root (`functions/handlers/api.ts`). */
export function handlerEntry(relativePath: string): string {
  return join(REPO_ROOT, relativePath);
}

/** A table together with the spec it was made from, so binding it can set the spec's env var. */
export interface BoundTable {
  readonly spec: TableSpec;
  readonly table: ITable;
}

export type { TableAccess };

export interface PacerFunctionProps
  extends Omit<
    NodejsFunctionProps,
    | "runtime"
    | "architecture"
    | "tracing"
    | "logGroup"
    | "logRetention"
    | "bundling"
    | "role"
    | "entry"
    | "description"
    | "timeout"
    | "memorySize"
  > {
  /** What the function is (core/functions.ts): entry, description, timeout, memory, env, tables. */
  readonly spec: FunctionSpec;
  /** The tables its spec names; each is bound with the access the spec asks for. */
  readonly tables: Readonly<Partial<Record<TableKey, BoundTable>>>;
  /**
   * The job queues, when its spec sends to them: it gets their URLs (`PACER_QUEUES`) and may send
   * to those its spec names.
   */
  readonly queues?: PacerQueues;
  /** The provider a worker belongs to (a spec's `own` queues). */
  readonly provider?: string;
  /**
   * Retention of the function's own log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * ESM output keeps ESM-only packages (middy 6) and top-level await working; the banner gives
 * bundled CommonJS dependencies (aws-xray-sdk) the `require` they expect.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __pacerCreateRequire } from 'node:module';const require = __pacerCreateRequire(import.meta.url);";

/**
 * Every Pacer Lambda: Node.js 24 on ARM64, X-Ray active, bundled by esbuild as minified ESM with
 * source maps, logging to a log group it owns (with retention) through a role that has no managed
 * policies, and Powertools configured for the `Pacer` namespace.
 */
export class PacerFunction extends NodejsFunction {
  /** The execution role (its own, so grants and acknowledgments stay per function). */
  public readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: PacerFunctionProps) {
    const { spec, tables, queues, provider, logRetention, environment: given, ...rest } = props;
    const queueProviders = queuesOf(spec, queues, provider);
    const environment = {
      ...given,
      ...(queues && queueProviders
        ? { [ENV.queues]: Stack.of(scope).toJsonString(queues.urls(queueProviders)) }
        : {}),
    };
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${id}`,
    });
    super(scope, id, {
      ...rest,
      description: spec.description,
      timeout: Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memoryMb,
      entry: handlerEntry(spec.entry),
      handler: "handler",
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: "--enable-source-maps",
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the versions the tests ran against, not the runtime's.
        externalModules: [],
      },
    });
    this.executionRole = role;
    logGroup.grantWrite(role);
    if (queues && queueProviders && spec.queues) {
      queues.grantSend(this, queueProviders, { deadLetter: spec.queues.deadLetter });
    }
    const set = new Set(Object.keys(environment));
    for (const [key, access] of Object.entries(spec.tables) as [TableKey, TableAccess][]) {
      const bound = tables[key];
      if (!bound) throw new Error(`${spec.name}: its spec needs the ${key} table, which was not given`);
      this.bindTable(bound, access);
      set.add(bound.spec.envVar);
    }
    const missing = requiredEnv(spec.env).filter((name) => !set.has(name));
    if (missing.length > 0) {
      throw new Error(
        `${spec.name}: environment variables its handler requires are not set: ${missing.join(", ")}`,
      );
    }

    Validations.of(role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Only X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) use Resource '*': X-Ray supports no resource-level permissions. test/infra asserts no other statement does.",
    });
  }

  /**
   * Sets the table's env var (from its spec) and grants exactly the access asked for: on the table,
   * and for reads on each of its spec's indexes by name (CDK's own grants would allow `index/*`).
   */
  public bindTable(bound: BoundTable, access: TableAccess): this {
    this.addEnvironment(bound.spec.envVar, bound.table.tableName);
    const table = Table.fromTableAttributes(this, `${bound.spec.id}Table`, {
      tableArn: bound.table.tableArn,
    });
    if (access === "read") table.grantReadData(this);
    else if (access === "write") table.grantWriteData(this);
    else table.grantReadWriteData(this);
    const indexes = bound.spec.indexes ?? [];
    if (access !== "write" && indexes.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ["dynamodb:Query"],
          resources: indexes.map((index) => `${bound.table.tableArn}/index/${index.name}`),
        }),
      );
    }
    return this;
  }
}

/** The providers whose queues a function of `spec` sends to; undefined when it sends to none. */
function queuesOf(
  spec: FunctionSpec,
  queues: PacerQueues | undefined,
  provider: string | undefined,
): readonly string[] | undefined {
  if (!spec.queues) return undefined;
  if (!queues) throw new Error(`${spec.name}: its spec sends to the job queues, which were not given`);
  if (spec.queues.send === "all") return queues.providers;
  if (!provider)
    throw new Error(`${spec.name}: its spec sends to its own provider's queues; no provider was given`);
  return [provider];
}
