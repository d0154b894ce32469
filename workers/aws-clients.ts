import type { S3Client } from '@aws-sdk/client-s3';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { commonConfig, endpointFor } from './aws-config.js';
import { s3ClientFromEnv } from './s3-client.js';

export { s3ClientFromEnv };

/** A client made on first use, so processes that never touch a service never configure one. */
function lazy<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= make());
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
