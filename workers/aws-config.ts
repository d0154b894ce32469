/**
 * AWS clients configured from the standard environment (AWS_REGION, credentials chain) plus
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 for S3-compatible stores and emulators, which need
 * path-style addressing.
 */
export function commonConfig(env: NodeJS.ProcessEnv, endpoint: string | undefined) {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    // Keys given in `env` win; otherwise the SDK's default chain (environment, profile, instance role).
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN } }
      : {}),
  };
}

/** The service's own endpoint variable (AWS_ENDPOINT_URL_<SERVICE>, as the SDKs read it), else AWS_ENDPOINT_URL. */
export function endpointFor(env: NodeJS.ProcessEnv, service: string): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
}
