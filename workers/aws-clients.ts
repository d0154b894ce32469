import { S3Client } from '@aws-sdk/client-s3';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { LambdaClient } from '@aws-sdk/client-lambda';

/**
 * AWS clients configured from the standard environment (AWS_REGION, credentials chain) plus
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 for S3-compatible stores and emulators, which need
 * path-style addressing.
 */
function commonConfig(env: NodeJS.ProcessEnv, endpoint: string | undefined) {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    // Keys given in `env` win; otherwise the SDK's default chain (environment, profile, instance role).
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN } }
      : {}),
  };
}

export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return new S3Client({
    ...commonConfig(env, endpoint),
    ...(endpoint ? { forcePathStyle: true } : {}),
    // Checksums only where S3 requires them: revisions are verified by ETag and version instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A client made on first use, so processes that never touch a service never configure one. */
function lazy<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
}

/** The service's own endpoint variable (AWS_ENDPOINT_URL_<SERVICE>, as the SDKs read it), else AWS_ENDPOINT_URL. */
function endpointFor(env: NodeJS.ProcessEnv, service: string): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
}

export const lazyS3Client = (env?: NodeJS.ProcessEnv): (() => S3Client) => lazy(() => s3ClientFromEnv(env));

export const lazyElbv2Client = (env: NodeJS.ProcessEnv = process.env): (() => ElasticLoadBalancingV2Client) =>
  lazy(() => new ElasticLoadBalancingV2Client(commonConfig(env, endpointFor(env, 'ELASTIC_LOAD_BALANCING_V2'))));

export const lazyCloudWatchClient = (env: NodeJS.ProcessEnv = process.env): (() => CloudWatchClient) => lazy(() => new CloudWatchClient(commonConfig(env, endpointFor(env, 'CLOUDWATCH'))));

/** Blue/green terminates original instances. */
export const lazyEc2Client = (env: NodeJS.ProcessEnv = process.env): (() => EC2Client) => lazy(() => new EC2Client(commonConfig(env, endpointFor(env, 'EC2'))));

/** Blue/green's COPY_AUTO_SCALING_GROUP. */
export const lazyAutoScalingClient = (env: NodeJS.ProcessEnv = process.env): (() => AutoScalingClient) => lazy(() => new AutoScalingClient(commonConfig(env, endpointFor(env, 'AUTO_SCALING'))));

/** Lambda deployments: aliases and validation functions. */
export const lazyLambdaClient = (env: NodeJS.ProcessEnv = process.env): (() => LambdaClient) => lazy(() => new LambdaClient(commonConfig(env, endpointFor(env, 'LAMBDA'))));

/** Every AWS client the controller uses, each made on first use. */
export function lazyAwsClients(env: NodeJS.ProcessEnv = process.env) {
  return { s3: lazyS3Client(env), elbv2: lazyElbv2Client(env), cloudwatch: lazyCloudWatchClient(env), ec2: lazyEc2Client(env), autoScaling: lazyAutoScalingClient(env), lambda: lazyLambdaClient(env) };
}
