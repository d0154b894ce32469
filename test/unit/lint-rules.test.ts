import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../workers/tools.js';

// Real file paths (with replacement text), so the TypeScript project service knows them.
const eslint = new ESLint({ cwd: REPO_ROOT });

async function messagesFor(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, relativePath) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('eslint.config.js (determinism rules)', () => {
  it('forbids Node built-ins and I/O libraries in workflow code', async () => {
    expect((await messagesFor('workflows/messages.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).join('\n')).toMatch(/no Node built-ins/);
    expect((await messagesFor('workflows/messages.ts', "import { Client } from '@temporalio/client';\nexport const x = Client;\n")).join('\n')).toMatch(/I\/O libraries/);
  });

  it('lets workflows import activity and agent code as types only', async () => {
    expect((await messagesFor('workflows/messages.ts', "import { createAgentActivities } from '../agent/activities.js';\nexport const x = createAgentActivities;\n")).join('\n')).toMatch(/types only/);
    expect(await messagesFor('workflows/messages.ts', "import type { AgentDeps } from '../agent/activities.js';\nexport type X = AgentDeps;\n")).toEqual([]);
  });

  it('keeps contracts free of any import but other contracts', async () => {
    expect((await messagesFor('workflows/contracts/naming.ts', "import { sleep } from '@temporalio/workflow';\nexport const x = sleep;\n")).join('\n')).toMatch(/Contracts import only other contracts/);
  });
});
