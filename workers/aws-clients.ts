import { S3Client } from '@aws-sdk/client-s3';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

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

/** An S3 client made on first use, so processes that never touch S3 never configure one. */
export function lazyS3Client(env?: NodeJS.ProcessEnv): () => S3Client {
  let client: S3Client | undefined;
  return () => (client ??= s3ClientFromEnv(env));
}

/** ELBv2 client from the same environment (AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 or AWS_ENDPOINT_URL). */
export function lazyElbv2Client(env: NodeJS.ProcessEnv = process.env): () => ElasticLoadBalancingV2Client {
  let client: ElasticLoadBalancingV2Client | undefined;
  return () => (client ??= new ElasticLoadBalancingV2Client(commonConfig(env, env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 ?? env.AWS_ENDPOINT_URL)));
}

/** CloudWatch client from the same environment (AWS_ENDPOINT_URL_CLOUDWATCH or AWS_ENDPOINT_URL). */
export function lazyCloudWatchClient(env: NodeJS.ProcessEnv = process.env): () => CloudWatchClient {
  let client: CloudWatchClient | undefined;
  return () => (client ??= new CloudWatchClient(commonConfig(env, env.AWS_ENDPOINT_URL_CLOUDWATCH ?? env.AWS_ENDPOINT_URL)));
}

/** EC2 client from the same environment (AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL): blue/green terminates original instances. */
export function lazyEc2Client(env: NodeJS.ProcessEnv = process.env): () => EC2Client {
  let client: EC2Client | undefined;
  return () => (client ??= new EC2Client(commonConfig(env, env.AWS_ENDPOINT_URL_EC2 ?? env.AWS_ENDPOINT_URL)));
}

/** Auto Scaling client from the same environment (AWS_ENDPOINT_URL_AUTO_SCALING or AWS_ENDPOINT_URL). */
export function lazyAutoScalingClient(env: NodeJS.ProcessEnv = process.env): () => AutoScalingClient {
  let client: AutoScalingClient | undefined;
  return () => (client ??= new AutoScalingClient(commonConfig(env, env.AWS_ENDPOINT_URL_AUTO_SCALING ?? env.AWS_ENDPOINT_URL)));
}
