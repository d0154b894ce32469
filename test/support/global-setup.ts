import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../workers/local-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    namespace: string;
    motoEndpoint: string;
  }
}

/**
 * One Temporal dev server and one moto server for the whole run. Tests isolate themselves by task
 * queue, host IDs and workflow IDs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-test-stack-'));
  const stack = await startLocalStack({ dataDir, uiPort: false, moto: true });
  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('namespace', stack.namespace);
  project.provide('motoEndpoint', stack.motoEndpoint as string);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
