import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScripts, scriptCommand, scriptEnvironment, ScriptsCancelledError } from '../../../agent/hook-runner.js';
import { ScriptLog } from '../../../agent/script-log.js';
import type { HookScript } from '../../../agent/appspec.js';
import { scratchDir } from '../../support/harness.js';

function revision(scripts: Record<string, string>, executable = true): string {
  const dir = scratchDir('hooks');
  for (const [name, body] of Object.entries(scripts)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
    chmodSync(path, executable ? 0o755 : 0o644);
  }
  return dir;
}

async function run(dir: string, scripts: HookScript[], extra: Partial<Parameters<typeof runScripts>[0]> = {}) {
  const log = new ScriptLog(join(dir, 'logs', 'scripts.log'));
  const outcome = await runScripts({ event: 'AfterInstall', scripts, archiveDir: dir, env: extra.env ?? process.env, log, ...extra });
  await log.close();
  return { outcome, log, logFile: readFileSync(join(dir, 'logs', 'scripts.log'), 'utf8') };
}

/** True while the process runs; a killed process that is only a zombie awaiting its reaper counts as dead. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function alive(pid: number): Promise<boolean> {
  for (let i = 0; i < 20 && running(pid); i += 1) await new Promise((r) => setTimeout(r, 50));
  return running(pid);
}

describe('agent/hook-runner', () => {
  it('runs scripts in order, in / as the CodeDeploy agent does, with stdin closed, and logs their output', async () => {
    const dir = revision({
      'a.sh': '#!/bin/sh\necho "a in $(pwd)"\necho warn >&2\n',
      'b.sh': '#!/bin/sh\nif read line; then echo "stdin open"; exit 1; fi\necho b\n',
    });
    const { outcome, log, logFile } = await run(dir, [
      { location: 'a.sh', timeout: 10 },
      { location: 'b.sh', timeout: 10 },
    ]);
    expect(outcome).toEqual({ ok: true });
    expect(log.tail()).toBe(`[stdout]a in /\n[stderr]warn\n[stdout]b`);
    expect(logFile).toMatch(/LifecycleEvent - AfterInstall\n.*Script - a\.sh\n/);
  });

  it("leaves no listener on the event's cancellation signal once its scripts have run", async () => {
    const scripts = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`s${i}.sh`, '#!/bin/sh\ntrue\n']));
    const dir = revision(scripts);
    const controller = new AbortController();
    const { outcome } = await run(dir, Object.keys(scripts).map((location) => ({ location, timeout: 10 })), { signal: controller.signal });
    expect(outcome).toEqual({ ok: true });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('stops at the first failing script and reports its exit code', async () => {
    const dir = revision({ 'fail.sh': '#!/bin/sh\necho broken; exit 3\n', 'never.sh': '#!/bin/sh\ntouch never-ran\n' });
    const { outcome, log } = await run(dir, [
      { location: 'fail.sh', timeout: 10 },
      { location: 'never.sh', timeout: 10 },
    ]);
    expect(outcome).toMatchObject({ ok: false, errorCode: 'ScriptFailed', scriptName: 'fail.sh', message: expect.stringMatching(/exit code 3/) });
    expect(log.tail()).toContain('broken');
    expect(existsSync(join(dir, 'never-ran'))).toBe(false);
  });

  it('reports a missing script as ScriptMissing, and one outside the revision too', async () => {
    const dir = revision({});
    expect((await run(dir, [{ location: 'nope.sh', timeout: 10 }])).outcome).toMatchObject({ errorCode: 'ScriptMissing', message: expect.stringMatching(/does not exist/) });
    expect((await run(dir, [{ location: '../../bin/sh', timeout: 10 }])).outcome).toMatchObject({ errorCode: 'ScriptMissing', message: expect.stringMatching(/outside the revision/) });
  });

  it('makes a non-executable script executable, as the CodeDeploy agent does', async () => {
    const dir = revision({ 'plain.sh': '#!/bin/sh\necho ran\n' }, false);
    const { outcome, log } = await run(dir, [{ location: 'plain.sh', timeout: 10 }]);
    expect(outcome).toEqual({ ok: true });
    expect(log.tail()).toBe('[stdout]ran');
  });

  it('kills the whole process group when a script times out', async () => {
    const dir = revision({ 'hang.sh': '#!/bin/sh\nsleep 300 &\necho $! > "$(dirname "$0")/child.pid"\nsleep 300\n' });
    const started = Date.now();
    const { outcome } = await run(dir, [{ location: 'hang.sh', timeout: 1 }]);
    expect(outcome).toMatchObject({ ok: false, errorCode: 'ScriptTimedOut', message: expect.stringMatching(/1 seconds/) });
    expect(Date.now() - started).toBeLessThan(10_000);
    const childPid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(await alive(childPid)).toBe(false);
  });

  it('does not hang on a background child that keeps stdout open, and says so', async () => {
    const dir = revision({ 'fork.sh': '#!/bin/sh\nsleep 300 &\necho $! > "$(dirname "$0")/child.pid"\necho started\n' });
    const { outcome } = await run(dir, [{ location: 'fork.sh', timeout: 2 }]);
    expect(outcome).toMatchObject({ ok: false, errorCode: 'UnknownError', message: expect.stringMatching(/kept its output open/) });
    expect(await alive(Number(readFileSync(join(dir, 'child.pid'), 'utf8')))).toBe(false);
  });

  it('kills the process group when cancelled', async () => {
    const dir = revision({ 'slow.sh': '#!/bin/sh\necho $$ > "$(dirname "$0")/self.pid"\nsleep 300\n' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    await expect(run(dir, [{ location: 'slow.sh', timeout: 100 }], { signal: controller.signal })).rejects.toThrow(ScriptsCancelledError);
    expect(await alive(Number(readFileSync(join(dir, 'self.pid'), 'utf8')))).toBe(false);
  });

  it("gives scripts CodeDeploy's variables and none of the agent's secrets", async () => {
    const dir = revision({ 'env.sh': '#!/bin/sh\nenv | sort > "$(dirname "$0")/env.txt"\n' });
    const env = scriptEnvironment(
      {
        PATH: process.env.PATH,
        HOME: '/root',
        AWS_SECRET_ACCESS_KEY: 'leak',
        AWS_SESSION_TOKEN: 'leak',
        AWS_SHARED_CREDENTIALS_FILE: '/leak/credentials',
        TEMPORAL_API_KEY: 'leak',
        TEMPORAL_TLS_CLIENT_KEY_DATA: 'leak',
        GANTRY_HOOK_STATUS_TOKEN: 'leak',
        DB_PASSWORD: 'leak',
        MALLOC_ARENA_MAX: '2',
        GANTRY_AGENT_ADDED_ENV: 'MALLOC_ARENA_MAX',
        AWS_REGION: 'eu-west-1',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_PROFILE: 'deploy',
        AWS_CA_BUNDLE: '/etc/ssl/corp.pem',
        TEMPORAL_ADDRESS: 'temporal:7233',
      },
      { LIFECYCLE_EVENT: 'AfterInstall', DEPLOYMENT_ID: 'd-ABCDEFGHI', APPLICATION_NAME: 'shop', BUNDLE_VERSION: undefined },
    );
    await run(dir, [{ location: 'env.sh', timeout: 10 }], { env });
    const seen = readFileSync(join(dir, 'env.txt'), 'utf8');
    expect(seen).toContain('LIFECYCLE_EVENT=AfterInstall');
    expect(seen).toContain('DEPLOYMENT_ID=d-ABCDEFGHI');
    expect(seen).toContain('APPLICATION_NAME=shop');
    expect(seen).not.toContain('leak');
    expect(seen).not.toContain('MALLOC_ARENA_MAX');
    expect(seen).not.toContain('GANTRY_');
    // Only credentials go: the AWS CLI's settings reach the script, as under the CodeDeploy agent.
    for (const kept of ['AWS_REGION=eu-west-1', 'AWS_DEFAULT_REGION=eu-west-1', 'AWS_PROFILE=deploy', 'AWS_CA_BUNDLE=/etc/ssl/corp.pem', 'TEMPORAL_ADDRESS=temporal:7233']) expect(seen).toContain(kept);
    expect(seen).not.toContain('BUNDLE_VERSION');
  });

  it('builds command lines for runas and sudo that no shell parses and no value can turn into an option', () => {
    const script = { location: 's.sh', timeout: 10 };
    expect(scriptCommand(script, '/a/s.sh', false)).toEqual(['/a/s.sh', []]);
    expect(scriptCommand({ ...script, runas: 'deploy' }, '/a/my s.sh;id', true)).toEqual(['runuser', ['-u', 'deploy', '--', '/a/my s.sh;id']]);
    expect(scriptCommand({ ...script, sudo: true }, '/a/s.sh', false)).toEqual(['sudo', ['-n', '--', '/a/s.sh']]);
    expect(scriptCommand({ ...script, sudo: true, runas: 'deploy' }, '/a/s.sh', false)).toEqual(['sudo', ['-n', '--', 'runuser', '-u', 'deploy', '--', '/a/s.sh']]);
    // An agent running as root needs no sudo.
    expect(scriptCommand({ ...script, sudo: true }, '/a/s.sh', true)).toEqual(['/a/s.sh', []]);
  });
});
