/**
 * The failure converter used with the payload codec (workers/payload-codec.ts): a failure's message
 * and stack trace move into its encoded attributes, which the codec encrypts, so a hook's output in
 * an error message never reaches history in plain text. Loaded by path, also inside the workflow bundle.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
