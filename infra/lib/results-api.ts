import { Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpNoneAuthorizer,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { DockerImageFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { JwtSettings } from '../deployment-settings.js';
import type { ApiRoute } from './api-routes.js';
import type { FunctionImage } from './function-image.js';
import { FunctionRole } from './function-role.js';
import { grantObjectAccess, type ObjectAccess } from './object-grants.js';
import type { ResultsTable } from './results-table.js';
import type { SignInUserPool } from './sign-in-user-pool.js';

export interface ResultsApiProps {
  readonly image: FunctionImage;
  readonly bucket: IBucket;
  /** Reads artifacts; presigns uploads and rewrites result documents (relabel). */
  readonly objectAccess: ObjectAccess;
  readonly resultsTable: ResultsTable;
  /** The ingest queue: POST /videos/{id}/retry sends the video to it again. */
  readonly ingestQueue: IQueue;
  /** The routes the gateway sends to the function, each behind the API's authorizer. */
  readonly routes: ApiRoute[];
  /** Routes the gateway sends to the function without auth: only ones that hold no data (the web page's). */
  readonly publicRoutes?: ApiRoute[];
  /** The environment contract of functions/shared/config.ts. */
  readonly environment: Record<string, string>;
  /**
   * Callers need a JWT from this issuer for one of these audiences.
   * @default - IAM (SigV4) authorization
   */
  readonly jwt?: JwtSettings;
  /**
   * Callers need a JWT from this user pool for its web client (which the API adds, with the API's URL as its
   * callback); instead of `jwt`.
   * @default - none
   */
  readonly userPool?: SignInUserPool;
  /**
   * Browser origins allowed to call the API.
   * @default - none: no CORS
   */
  readonly corsOrigins?: string[];
  /**
   * @default 2048
   */
  readonly memorySize?: number;
  /**
   * Requests per second (steady, burst) the stage admits before answering 429.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * What happens to the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** An HTTP API Gateway in front of the results function: list, fetch, search, relabel, presigned uploads. */
export class ResultsApi extends Construct {
  static readonly HANDLER = 'functions/api/index.handler';
  /** API Gateway gives up on an integration after 30 s; the function stops first. */
  static readonly TIMEOUT = Duration.seconds(29);

  readonly function: IFunction;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ResultsApiProps) {
    super(scope, id);
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const { role, logGroup } = new FunctionRole(this, 'Identity', { removalPolicy: logRemovalPolicy });
    // The user pool's web client needs the API's URL, so it comes after the API, and its id lazily before.
    let webClientId: string | undefined;
    const jwt: JwtSettings | undefined = props.userPool
      ? { issuer: props.userPool.issuer, audience: [Lazy.string({ produce: () => webClientId })] }
      : props.jwt;

    const fn = new DockerImageFunction(this, 'Function', {
      code: props.image.codeFor(ResultsApi.HANDLER),
      architecture: props.image.architecture,
      memorySize: props.memorySize ?? 2048,
      timeout: ResultsApi.TIMEOUT,
      environment: {
        ...props.environment,
        // The page signs in through the authorizer's issuer, as its first audience.
        ...(jwt ? { SIGN_IN_ISSUER: jwt.issuer, SIGN_IN_CLIENT_ID: jwt.audience[0]! } : {}),
        POWERTOOLS_SERVICE_NAME: 'api',
      },
      role,
      logGroup,
    });
    this.function = fn;

    grantObjectAccess(role, props.bucket, props.objectAccess);
    props.resultsTable.grantReadWriteData(role);
    props.ingestQueue.grantSendMessages(role);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'X-CLIP video results, search and uploads',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer(jwt),
      corsPreflight: props.corsOrigins?.length
        ? {
            allowOrigins: props.corsOrigins,
            allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
            allowHeaders: [
              'authorization',
              'content-type',
              'x-amz-date',
              'x-amz-security-token',
              'x-amz-content-sha256',
            ],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    webClientId = props.userPool?.addWebClient(`${this.httpApi.apiEndpoint}/`).userPoolClientId;
    const integration = new HttpLambdaIntegration('Handler', fn);
    for (const route of props.routes) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration });
    }
    for (const route of props.publicRoutes ?? []) {
      const [added] = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method],
        integration,
        authorizer: new HttpNoneAuthorizer(),
      });
      Validations.of(added!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.method} ${route.path} answers only the web page's built files from the function image or its sign-in settings (the issuer's public endpoints and client id), no video, result or account data; the page's every data call goes to a route behind the API's authorizer`,
      });
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  }

  private authorizer(jwt: JwtSettings | undefined): IHttpRouteAuthorizer {
    return jwt
      ? new HttpJwtAuthorizer('JwtAuthorizer', jwt.issuer, { jwtAudience: jwt.audience })
      : new HttpIamAuthorizer();
  }
}
