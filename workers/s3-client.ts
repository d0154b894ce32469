import { S3Client } from '@aws-sdk/client-s3';
import { commonConfig } from './aws-config.js';

/**
 * The S3 client, in a module apart from the other services' clients: an agent loads it (and the SDK) on
 * its first S3 revision only.
 */
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

/** An S3 client made on first use, the SDK loaded only then (about 20 MiB of an agent's memory). */
export type S3ClientOnDemand = () => Promise<S3Client>;
