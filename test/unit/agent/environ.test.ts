/** The agent takes its credentials out of its own environment: /proc/<pid>/environ and children. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_ENV } from '../../../agent/environ.js';
import { scratchDir } from '../../support/harness.js';

const ENVIRON_TS = new URL('../../../agent/environ.ts', import.meta.url).pathname;

describe('agent/environ', () => {
  it('names credentials, not the settings the SDK chains still need', () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'TEMPORAL_API_KEY', 'TEMPORAL_TLS_CLIENT_KEY_DATA', 'DB_PASSWORD', 'GANTRY_WEBHOOK_SECRET', 'MY_API_KEY']) {
      expect(CREDENTIAL_ENV.test(name), name).toBe(true);
    }
    for (const name of ['AWS_REGION', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ENDPOINT_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'PATH', 'HOME']) {
      expect(CREDENTIAL_ENV.test(name), name).toBe(false);
    }
  });

  it('returns the credentials, removes them from process.env and children, and blanks them in /proc/self/environ', () => {
    const probe = join(scratchDir('environ'), 'probe.mjs');
    writeFileSync(
      probe,
      [
        `import { withdrawCredentials } from ${JSON.stringify(ENVIRON_TS)};`,
        "import { readFileSync } from 'node:fs';",
        "import { execFileSync } from 'node:child_process';",
        'const result = withdrawCredentials();',
        "const proc = readFileSync('/proc/self/environ', 'latin1').split('\\0').filter((l) => l.startsWith('AWS_'));",
        "const child = execFileSync('sh', ['-c', 'echo \"$AWS_SECRET_ACCESS_KEY|$AWS_REGION\"'], { encoding: 'utf8' }).trim();",
        'console.log(JSON.stringify({ kept: result.env.AWS_SECRET_ACCESS_KEY, withdrawn: result.withdrawn, skipped: result.skipped, live: process.env.AWS_SECRET_ACCESS_KEY ?? null, region: process.env.AWS_REGION, proc, child }));',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_SECRET_ACCESS_KEY: 'hunter2-secret', AWS_REGION: 'eu-west-1' } });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(seen).toEqual({
      kept: 'hunter2-secret',
      withdrawn: ['AWS_SECRET_ACCESS_KEY'],
      live: null,
      region: 'eu-west-1',
      proc: expect.arrayContaining(['AWS_SECRET_ACCESS_KEY=**************', 'AWS_REGION=eu-west-1']),
      child: '|eu-west-1',
    });
  });
});
