/** `gantry agent` loads only what an agent needs: no other command's modules, and no AWS SDK until an S3 revision. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GANTRY_BIN } from '../../../workers/agent-process.js';
import { freePort } from '../../../workers/processes.js';
import { scratchDir } from '../../support/harness.js';

describe('gantry agent (entry)', () => {
  it('starts from its own module, without the controller, the other commands or the AWS SDK', async () => {
    const dir = scratchDir('agent-entry');
    const loaded = join(dir, 'loaded.txt');
    // A module loader hook that writes down every module the process loads.
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(loaded)}, url + '\\n'); return next(url, context); }\n`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
    writeFileSync(loaded, '');
    // Nothing listens on the port: the agent loads its modules, fails to connect, and exits.
    const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), GANTRY_BIN, 'agent', '--host-id', 'entry-host', '--root', join(dir, 'root'), '--address', `127.0.0.1:${await freePort()}`, '--namespace', 'default'], {
      env: { ...process.env, GANTRY_FROM_SOURCE: '1' },
      stdio: 'ignore',
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    const urls = readFileSync(loaded, 'utf8').split('\n').filter(Boolean);
    expect(urls.some((url) => url.endsWith('/agent/main.ts'))).toBe(true);
    expect(urls.some((url) => url.endsWith('/workers/cli/agent-command.ts'))).toBe(true);
    for (const heavy of ['/workers/cli/main.ts', '/workers/controller.ts', '/workers/deployments.ts', '/workers/local-stack.ts', '/workers/aws-clients.ts', '/@aws-sdk/']) {
      expect(urls.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }
  }, 60_000);
});
