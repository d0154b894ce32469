/**
 * A corpus of generated hostile and broken inputs (issue 12): archives built byte by byte, AppSpec
 * files, hook scripts and raw deployment inputs. Each case states its outcome: refused with a message
 * naming the problem, or bounded and successful. Revisions run through the agent's own activities on
 * the real filesystem (DownloadBundle, Install, then the hooks), each in a box of its own, and every
 * case checks that nothing was written outside the agent's root and the AppSpec's destination.
 */
import { lstatSync, mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createAgentActivities } from '../../../agent/activities.js';
import { EventJournal } from '../../../agent/journal.js';
import { AgentLayout } from '../../../agent/layout.js';
import { s3ClientOnDemand } from '../../../agent/main.js';
import type { DeploymentContext } from '../../../workflows/contracts/deployment.js';
import { deriveDeploymentGroupId, validateDeploymentInput } from '../../../workflows/contracts/deployment.js';
import { joinProblems } from '../../../workflows/contracts/values.js';
import type { ArchiveEntry } from '../../support/archives.js';
import { setZipFlag, tarArchive, tgzArchive, zipArchive } from '../../support/archives.js';
import { scratchDir } from '../../support/harness.js';

type Format = 'tar' | 'tgz' | 'zip';
const BUILD: Record<Format, (entries: readonly ArchiveEntry[]) => Buffer> = { tar: tarArchive, tgz: tgzArchive, zip: zipArchive };

/** Where an escape would land if one got through: checked after every case. */
const ESCAPE = `/tmp/gantry-corpus-escape-${process.pid}`;

/** The outcome a case must have: success, or the named event failing with a message matching. */
type Outcome = { ok: true } | { fails: 'DownloadBundle' | 'Install' | 'AfterInstall'; message: RegExp };

interface RevisionCase {
  name: string;
  /** The revision's bytes (its format below), given the case's destination directory. */
  bytes: (destination: string) => Buffer;
  format: Format;
  outcome: Outcome;
}

const GOOD_APPSPEC = (destination: string, hooks = ''): string => `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${destination}\n${hooks}`;
const app = (format: Format, extra: ArchiveEntry[], destination: string, hooks = ''): Buffer =>
  BUILD[format]([{ name: 'appspec.yml', body: GOOD_APPSPEC(destination, hooks) }, { name: 'app/index.html', body: 'ok' }, ...extra]);

/** Every path under `dir`, with its kind, except the subtrees named in `skip`. */
function snapshot(dir: string, skip: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (skip.includes(path)) continue;
      const info = lstatSync(path);
      found.push(`${path}:${info.isDirectory() ? 'd' : info.isSymbolicLink() ? 'l' : 'f'}:${info.isFile() ? info.size : 0}`);
      if (info.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return found.sort();
}

/** Runs DownloadBundle, Install and AfterInstall in order, as an agent would, and returns how it went. */
async function runRevision(testCase: RevisionCase): Promise<{ failed?: { event: string; message: string } }> {
  const box = scratchDir('corpus');
  const agentRoot = join(box, 'agent');
  const destination = join(box, 'dest');
  const revision = join(box, `revision.${testCase.format}`);
  writeFileSync(revision, testCase.bytes(destination));
  mkdirSync(join(box, 'neighbour'), { recursive: true });
  writeFileSync(join(box, 'neighbour', 'keep.txt'), 'not part of any deployment');
  const before = snapshot(box, [agentRoot, destination]);
  const layout = new AgentLayout(agentRoot);
  const activities = createAgentActivities({
    hostId: 'corpus',
    layout,
    journal: new EventJournal(layout),
    s3: s3ClientOnDemand(process.env),
    archiveLimits: { maxBytes: 1024 * 1024, maxEntries: 300, maxDepth: 32 },
  });
  const deployment: DeploymentContext = {
    deploymentId: 'd-CORPUS001',
    applicationName: 'corpus',
    deploymentGroupName: 'g',
    deploymentGroupId: deriveDeploymentGroupId('corpus', 'g'),
    revision: { revisionType: 'Local', local: { path: revision, bundleType: testCase.format } },
    creator: 'user',
    ignoreApplicationStopFailures: false,
  };
  let failed: { event: string; message: string } | undefined;
  for (const event of ['DownloadBundle', 'Install', 'AfterInstall'] as const) {
    try {
      await new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 20_000 }).run(activities[event], { deployment, hostId: 'corpus' });
    } catch (err) {
      failed = { event, message: (err as Error).message };
      break;
    }
  }
  // Nothing outside the agent's root and the destination changed; no escape landed anywhere.
  expect(snapshot(box, [agentRoot, destination])).toEqual(before);
  expect(existsSync(ESCAPE)).toBe(false);
  return failed ? { failed } : {};
}

// ---------------------------------------------------------------------------------------------------
// Archives: names, links, entry types, integrity and limits, in each format that can express them.
// ---------------------------------------------------------------------------------------------------

const FORMATS: Format[] = ['tar', 'tgz', 'zip'];
const refused = (message: RegExp): Outcome => ({ fails: 'DownloadBundle', message });

const HOSTILE_NAMES: { label: string; entry: string; message: RegExp }[] = [
  { label: 'a parent-directory escape', entry: '../escape.txt', message: /"\.\." path component/ },
  { label: 'a deep parent-directory escape', entry: '../../../../../../tmp/escape.txt', message: /"\.\." path component/ },
  { label: 'an escape after a directory', entry: 'app/../../escape.txt', message: /"\.\." path component/ },
  { label: 'an absolute path', entry: `${ESCAPE}/x`, message: /absolute path/ },
  { label: 'an absolute path to /etc', entry: '/etc/gantry-corpus', message: /absolute path/ },
  { label: 'a newline', entry: 'app/a\nb', message: /control character/ },
  { label: 'a newline then an absolute path', entry: `app/x\n${ESCAPE}`, message: /control character/ },
  { label: 'a carriage return', entry: 'app/a\rb', message: /control character/ },
  { label: 'a tab', entry: 'app/a\tb', message: /control character/ },
  { label: 'an escape character', entry: 'app/a\u001b[31mb', message: /control character/ },
  { label: 'a DEL character', entry: 'app/a\u007fb', message: /control character/ },
  { label: 'a bell character', entry: 'app/\u0007', message: /control character/ },
  { label: 'nesting past the depth limit', entry: `${'d/'.repeat(40)}f`, message: /nested 41 levels deep/ },
];

const archiveCases: RevisionCase[] = [];
for (const format of FORMATS) {
  for (const { label, entry, message } of HOSTILE_NAMES) {
    // yauzl refuses `..` in zip names itself, in its own words.
    const expected = format === 'zip' && message.source.includes('path component') ? /invalid relative path/ : message;
    archiveCases.push({ name: `${format}: an entry name with ${label}`, format, bytes: (d) => app(format, [{ name: entry, body: 'x' }], d), outcome: refused(expected) });
  }
  const links: { label: string; entries: ArchiveEntry[]; message?: RegExp }[] = [
    { label: 'a link to the parent of the revision', entries: [{ name: 'up', type: 'symlink', link: '..' }], message: /outside the revision/ },
    { label: 'a link to an absolute path', entries: [{ name: 'app/passwd', type: 'symlink', link: '/etc/passwd' }], message: /absolute path/ },
    { label: 'a link climbing past its parents', entries: [{ name: 'app/l', type: 'symlink', link: '../../x' }], message: /outside the revision/ },
    { label: 'a link with .. after a name', entries: [{ name: 'app/l', type: 'symlink', link: 'sub/../../..' }], message: /outside the revision/ },
    { label: 'a link with an empty target', entries: [{ name: 'app/l', type: 'symlink', link: '' }], message: /empty target|linkpath required|not a readable/ },
    { label: 'a link whose target has a newline', entries: [{ name: 'app/l', type: 'symlink', link: 'a\nb' }], message: /control character/ },
    { label: 'a write through a link', entries: [{ name: 'app/l', type: 'symlink', link: 'sub' }, { name: 'app/l/x', body: 'x' }], message: /inside the symbolic link/ },
    { label: 'a write through a link to the root', entries: [{ name: 'app/dir', type: 'dir' }, { name: 'app/dir/up', type: 'symlink', link: '..' }, { name: 'app/dir/up/index.html', body: 'x' }], message: /inside the symbolic link/ },
    { label: 'a link that escapes once the top directory is stripped', entries: [], message: /once the single top-level directory is removed/ },
    { label: 'a nested link that escapes once the top directory is stripped', entries: [], message: /once the single top-level directory is removed/ },
    { label: 'a link inside the revision (allowed)', entries: [{ name: 'app/current', type: 'symlink', link: 'index.html' }] },
    { label: 'a link up one level inside the revision (allowed)', entries: [{ name: 'app/sub/l', type: 'symlink', link: '../index.html' }] },
  ];
  for (const link of links) {
    const stripped = link.label.includes('stripped');
    const bytes = (d: string): Buffer =>
      stripped
        ? BUILD[format]([
            { name: 'top/appspec.yml', body: GOOD_APPSPEC(d) },
            { name: 'top/app/index.html', body: 'ok' },
            link.label.includes('nested') ? { name: 'top/app/l', type: 'symlink', link: '../..' } : { name: 'top/esc', type: 'symlink', link: '..' },
          ])
        : app(format, link.entries, d);
    archiveCases.push({ name: `${format}: ${link.label}`, format, bytes, outcome: link.message ? refused(link.message) : { ok: true } });
  }
  archiveCases.push(
    { name: `${format}: a character device`, format, bytes: (d) => app(format, [{ name: 'app/tty', type: 'chardev' }], d), outcome: refused(/character device/) },
    { name: `${format}: a FIFO`, format, bytes: (d) => app(format, [{ name: 'app/pipe', type: 'fifo' }], d), outcome: refused(/FIFO/) },
    { name: `${format}: a file past the size limit`, format, bytes: (d) => app(format, [{ name: 'app/big', body: Buffer.alloc(1024 * 1024 + 1) }], d), outcome: refused(/size limit/) },
    { name: `${format}: more entries than the limit`, format, bytes: (d) => app(format, Array.from({ length: 301 }, (_, i) => ({ name: `app/f${i}`, body: '' })), d), outcome: refused(/past the limit of 300 entries/) },
    { name: `${format}: an empty file`, format, bytes: () => Buffer.alloc(0), outcome: refused(format === 'zip' ? /not a readable zip/ : /not a readable (tar|tgz)|incomplete/) },
    { name: `${format}: random bytes`, format, bytes: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)), outcome: refused(/not a readable|incomplete/) },
    { name: `${format}: no AppSpec at all`, format, bytes: () => BUILD[format]([{ name: 'app/index.html', body: 'x' }]), outcome: refused(/no appspec\.yml/) },
    { name: `${format}: a plain revision (control)`, format, bytes: (d) => app(format, [], d), outcome: { ok: true } },
  );
}
for (const format of ['tar', 'tgz'] as const) {
  const tarBytes = (d: string, extra: ArchiveEntry[]): Buffer => tarArchive([{ name: 'appspec.yml', body: GOOD_APPSPEC(d) }, { name: 'app/index.html', body: 'ok' }, ...extra]);
  const packed = (tar: Buffer): Buffer => (format === 'tgz' ? gzipSync(tar) : tar);
  for (const [flag, name] of [['S', 'GNU sparse file'], ['M', 'multi-volume'], ['V', 'volume header'], ['D', 'GNU dump directory'], ['I', 'inode-only'], ['A', 'Solaris ACL'], ['Z', 'unknown type'], ['9', 'unknown type'], ['4', 'block device']] as const) {
    archiveCases.push({ name: `${format}: a tar entry of type ${JSON.stringify(flag)} (${name})`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/odd', body: 'x', typeFlag: flag }])), outcome: refused(new RegExp(name.replace(/[()]/g, '.'), 'i')) });
  }
  for (const keep of [1, 2, 3]) {
    archiveCases.push({ name: `${format}: cut after ${keep} entr${keep === 1 ? 'y' : 'ies'}, at a header boundary`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/b', body: 'b' }]).subarray(0, 512 * 2 * keep)), outcome: refused(/incomplete|no appspec/) });
  }
  archiveCases.push(
    { name: `${format}: cut inside a file's content`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/b', body: 'b'.repeat(2000) }]).subarray(0, 512 * 5 + 100)), outcome: refused(/not a readable|incomplete|Truncated/) },
    { name: `${format}: cut inside a header`, format, bytes: (d) => packed(tarBytes(d, []).subarray(0, 512 * 4 + 200)), outcome: refused(/not a readable|incomplete/) },
    { name: `${format}: a header with a bad checksum`, format, bytes: (d) => { const t = tarBytes(d, []); t[512 * 2 + 3] = 0x41; return packed(t); }, outcome: refused(/not a readable|checksum|incomplete/) },
    { name: `${format}: a hard link to a path outside`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/h', type: 'hardlink', link: '../../etc/passwd' }])), outcome: refused(/"\.\." path component/) },
    { name: `${format}: a hard link to an absolute path`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/h', type: 'hardlink', link: '/etc/passwd' }])), outcome: refused(/absolute path/) },
    { name: `${format}: a hard link to a file not in the archive`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/h', type: 'hardlink', link: 'app/missing' }])), outcome: refused(/not a file earlier in the archive/) },
    { name: `${format}: a hard link to an earlier file (allowed)`, format, bytes: (d) => packed(tarBytes(d, [{ name: 'app/h', type: 'hardlink', link: 'app/index.html' }])), outcome: { ok: true } },
  );
}
archiveCases.push(
  { name: 'tgz: gzip data corrupted', format: 'tgz', bytes: (d) => { const z = Buffer.from(app('tgz', [], d)); for (const i of [30, z.length - 12]) z.writeUInt8((z[i] as number) ^ 0xff, i); return z; }, outcome: refused(/not a readable tgz|incomplete/) },
  { name: 'tgz: gzip stream cut short', format: 'tgz', bytes: (d) => app('tgz', [], d).subarray(0, 60), outcome: refused(/not a readable tgz|incomplete/) },
  { name: 'zip: a CRC mismatch', format: 'zip', bytes: (d) => { const z = Buffer.from(app('zip', [], d)); z[z.indexOf('ok', 100)] = 0x4f; return z; }, outcome: refused(/CRC-32/) },
  { name: 'zip: an encrypted entry', format: 'zip', bytes: (d) => setZipFlag(Buffer.from(app('zip', [], d)), 1), outcome: refused(/is encrypted/) },
  { name: 'zip: a stored entry whose sizes disagree', format: 'zip', bytes: (d) => app('zip', [{ name: 'app/lie', body: 'abc', declaredSize: 2 }], d), outcome: refused(/declares 2 bytes in 3/) },
  { name: 'zip: a deflated entry that inflates past its declared size (bomb)', format: 'zip', bytes: (d) => app('zip', [{ name: 'app/bomb', body: Buffer.alloc(200_000), deflate: true, declaredSize: 10 }], d), outcome: refused(/inflates to more than the 10 bytes/) },
  { name: 'zip: a deflated entry shorter than declared', format: 'zip', bytes: (d) => app('zip', [{ name: 'app/short', body: 'abc', deflate: true, declaredSize: 30 }], d), outcome: refused(/holds 3 bytes but declares 30/) },
  { name: 'zip: a deflated revision (control)', format: 'zip', bytes: (d) => app('zip', [{ name: 'app/deflated', body: 'x'.repeat(5000), deflate: true }], d), outcome: { ok: true } },
  { name: 'zip: the central directory cut off', format: 'zip', bytes: (d) => { const z = app('zip', [], d); return z.subarray(0, z.length - 30); }, outcome: refused(/not a readable zip/) },
  { name: 'zip: a socket entry', format: 'zip', bytes: (d) => app('zip', [{ name: 'app/sock', zipFileType: 0o140000 }], d), outcome: refused(/socket/) },
  { name: 'zip: a very long name', format: 'zip', bytes: (d) => app('zip', [{ name: `app/${'n'.repeat(5000)}`, body: 'x' }], d), outcome: refused(/longer than 4096 characters/) },
);

// ---------------------------------------------------------------------------------------------------
// AppSpec files: wrong types, impossible values, hostile values, parser attacks.
// ---------------------------------------------------------------------------------------------------

const appspecCase = (name: string, appspec: (destination: string) => string, outcome: Outcome, extra: ArchiveEntry[] = []): RevisionCase => ({
  name: `appspec: ${name}`,
  format: 'tar',
  bytes: (d) => tarArchive([{ name: 'appspec.yml', body: appspec(d) }, { name: 'app/index.html', body: 'ok' }, { name: 'scripts/ok.sh', body: '#!/bin/sh\necho ok\n', mode: 0o755 }, ...extra]),
  outcome,
});
const head = 'version: 0.0\nos: linux\n';
const hook = (fields: string): ((d: string) => string) => (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - location: scripts/ok.sh\n${fields}`;
const bad = (message: RegExp): Outcome => ({ fails: 'DownloadBundle', message });

const appspecCases: RevisionCase[] = [
  appspecCase('empty', () => '', bad(/is empty/)),
  appspecCase('a list at the top', () => '- a\n- b\n', bad(/must be a YAML mapping/)),
  appspecCase('a scalar at the top', () => 'hello\n', bad(/must be a YAML mapping/)),
  appspecCase('version missing', () => 'os: linux\n', bad(/'version' must be 0\.0/)),
  appspecCase('version as a string', () => "version: '0.0'\nos: linux\n", bad(/'version' must be 0\.0/)),
  appspecCase('version 1', () => 'version: 1\nos: linux\n', bad(/'version' must be 0\.0/)),
  appspecCase('os windows', () => 'version: 0.0\nos: windows\n', bad(/not supported/)),
  appspecCase('os as a list', () => 'version: 0.0\nos: [linux]\n', bad(/not supported/)),
  appspecCase('not YAML', () => `${head}files: [\n`, bad(/not valid YAML/)),
  appspecCase('an alias bomb', () => `${head}a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n`, bad(/not valid YAML/)),
  appspecCase('nesting 20,000 levels deep', () => `${head}x: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, bad(/not valid YAML|at most/)),
  appspecCase('larger than the size limit', (d) => `${GOOD_APPSPEC(d)}${'# padding\n'.repeat(30_000)}`, bad(/bytes; the agent reads AppSpec files of at most 262144 bytes/)),
  appspecCase('a byte-order mark (allowed)', (d) => `\uFEFF${GOOD_APPSPEC(d)}`, { ok: true }),
  appspecCase('hooks as a list', (d) => `${GOOD_APPSPEC(d)}hooks: [a]\n`, bad(/'hooks' must be a mapping/)),
  appspecCase('a hook as a mapping', (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall: {location: x}\n`, bad(/must be a list of scripts/)),
  appspecCase('a script entry as a string', (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - scripts/ok.sh\n`, bad(/must be a mapping with 'location'/)),
  appspecCase('a script without location', (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - timeout: 5\n`, bad(/has no 'location'/)),
  appspecCase('location as a list', (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - location: [a, b]\n`, bad(/location must be a string; got \["a","b"\]/)),
  appspecCase('location as a mapping', (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - location: {a: 1}\n`, bad(/location must be a string; got \{"a":1\}/)),
  appspecCase('location as infinity', (d) => `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - location: .inf\n`, bad(/location must be a string; got infinity/)),
  appspecCase('timeout as a list', hook('      timeout: [5]\n'), bad(/timeout must be a number of seconds; got \[5\]/)),
  appspecCase('timeout as a mapping', hook('      timeout: {s: 5}\n'), bad(/timeout must be a number of seconds/)),
  appspecCase('timeout as infinity', hook('      timeout: .inf\n'), bad(/timeout must be a positive number of seconds; got infinity/)),
  appspecCase('timeout as not-a-number', hook('      timeout: .nan\n'), bad(/timeout must be a positive number of seconds; got NaN/)),
  appspecCase('timeout negative', hook('      timeout: -5\n'), bad(/positive number of seconds; got -5/)),
  appspecCase('timeout zero', hook('      timeout: 0\n'), bad(/positive number of seconds; got 0/)),
  appspecCase('timeout as words', hook('      timeout: soon\n'), bad(/positive number of seconds; got "soon"/)),
  appspecCase('timeout as true', hook('      timeout: true\n'), bad(/timeout must be a number of seconds; got true/)),
  appspecCase('timeout past what timers can express', hook('      timeout: 2147484\n'), bad(/at most 2147483/)),
  appspecCase('timeout 1e400', hook('      timeout: 1e400\n'), bad(/got infinity/)),
  appspecCase('timeout as a numeric string (allowed)', hook("      timeout: '30'\n"), { ok: true }),
  appspecCase('runas "-"', hook('      runas: "-"\n'), bad(/runas "-" is not a user name/)),
  appspecCase('runas "-c"', hook('      runas: "-c"\n'), bad(/runas "-c" is not a user name/)),
  appspecCase('runas "--help"', hook('      runas: "--help"\n'), bad(/is not a user name/)),
  appspecCase('runas with a space', hook('      runas: "root id"\n'), bad(/is not a user name/)),
  appspecCase('runas with a semicolon', hook('      runas: "root;id"\n'), bad(/is not a user name/)),
  appspecCase('runas with a newline', hook('      runas: "root\\nid"\n'), bad(/is not a user name/)),
  appspecCase('runas of 40 characters', hook(`      runas: ${'u'.repeat(40)}\n`), bad(/is not a user name/)),
  appspecCase('runas as a list', hook('      runas: [root]\n'), bad(/runas must be a string/)),
  appspecCase('runas as a mapping', hook('      runas: {user: root}\n'), bad(/runas must be a string/)),
  appspecCase('runas root (allowed)', hook('      runas: root\n'), { ok: true }),
  appspecCase('files as a mapping', () => `${head}files: {source: app}\n`, bad(/'files' must be a list/)),
  appspecCase('a files entry as a string', () => `${head}files:\n  - app\n`, bad(/must be a mapping with 'source' and 'destination'/)),
  appspecCase('source as a list', (d) => `${head}files:\n  - source: [app, x]\n    destination: ${d}\n`, bad(/source must be a path; got \["app","x"\]/)),
  appspecCase('destination as a list', () => `${head}files:\n  - source: app\n    destination: [/srv, /opt]\n`, bad(/destination must be a path; got \["\/srv","\/opt"\]/)),
  appspecCase('destination as a mapping', () => `${head}files:\n  - source: app\n    destination: {a: 1}\n`, bad(/destination must be a path/)),
  appspecCase('a relative destination', () => `${head}files:\n  - source: app\n    destination: srv/app\n`, { fails: 'Install', message: /must be an absolute path/ }),
  appspecCase('a destination in /proc', () => `${head}files:\n  - source: app\n    destination: /proc/gantry\n`, { fails: 'Install', message: /kernel's \/proc file system/ }),
  appspecCase('a destination in /sys', () => `${head}files:\n  - source: app\n    destination: /sys/gantry\n`, { fails: 'Install', message: /kernel's \/sys file system/ }),
  appspecCase('a destination in /dev', () => `${head}files:\n  - source: app\n    destination: /dev/gantry\n`, { fails: 'Install', message: /kernel's \/dev file system/ }),
  appspecCase('a destination with a newline', (d) => `${head}files:\n  - source: app\n    destination: "${d}/x\\n${ESCAPE}"\n`, { fails: 'Install', message: /control character/ }),
  appspecCase('a source outside the revision', (d) => `${head}files:\n  - source: ../../..\n    destination: ${d}\n`, { fails: 'Install', message: /points outside the revision/ }),
  appspecCase('a source through a link in the revision (allowed: it stays inside)', (d) => `${head}files:\n  - source: alias/index.html\n    destination: ${d}\n`, { ok: true }, [{ name: 'alias', type: 'symlink', link: 'app' }]),
  appspecCase('a source missing', (d) => `${head}files:\n  - source: nothing\n    destination: ${d}\n`, { fails: 'Install', message: /does not exist in the revision/ }),
  appspecCase('permissions mode 1e400', (d) => `${GOOD_APPSPEC(d)}permissions:\n  - object: ${d}\n    mode: 1e400\n`, bad(/mode infinity/)),
  appspecCase('permissions mode as a list', (d) => `${GOOD_APPSPEC(d)}permissions:\n  - object: ${d}\n    mode: [644]\n`, bad(/mode \[644\] must be one to four octal digits/)),
  appspecCase('permissions owner as a mapping', (d) => `${GOOD_APPSPEC(d)}permissions:\n  - object: ${d}\n    owner: {name: root}\n`, bad(/owner must be a string/)),
  appspecCase('permissions object as a list', (d) => `${GOOD_APPSPEC(d)}permissions:\n  - object: [${d}]\n`, bad(/object must be a string/)),
  appspecCase('file_exists_behavior unknown', (d) => `${GOOD_APPSPEC(d)}file_exists_behavior: CLOBBER\n`, bad(/'file_exists_behavior' must be DISALLOW, OVERWRITE or RETAIN/)),
];

// ---------------------------------------------------------------------------------------------------
// Hook scripts: exit codes, signals, floods, missing and odd scripts. Each outcome is bounded.
// ---------------------------------------------------------------------------------------------------

const scriptCase = (name: string, body: string | Buffer, outcome: Outcome, options: { location?: string; timeout?: number; mode?: number } = {}): RevisionCase => {
  const location = options.location ?? 'scripts/hook.sh';
  return {
    name: `hook: ${name}`,
    format: 'tar',
    bytes: (d) =>
      tarArchive([
        { name: 'appspec.yml', body: `${GOOD_APPSPEC(d)}hooks:\n  AfterInstall:\n    - location: ${JSON.stringify(location)}\n${options.timeout ? `      timeout: ${options.timeout}\n` : ''}` },
        { name: 'app/index.html', body: 'ok' },
        { name: location, body: typeof body === 'string' ? `#!/bin/sh\n${body}\n` : body, mode: options.mode ?? 0o755 },
      ]),
    outcome,
  };
};
const hookFails = (message: RegExp): Outcome => ({ fails: 'AfterInstall', message });

const hookCases: RevisionCase[] = [
  scriptCase('exit 1', 'exit 1', hookFails(/failed with exit code 1/)),
  scriptCase('exit 255', 'exit 255', hookFails(/failed with exit code 255/)),
  scriptCase('killed by its own SIGKILL', 'kill -9 $$', hookFails(/killed by signal SIGKILL/)),
  scriptCase('killed by SIGSEGV', 'kill -SEGV $$', hookFails(/killed by signal SIGSEGV/)),
  scriptCase('past its timeout', 'sleep 30', hookFails(/failed to complete in 1 seconds; its process group was killed/), { timeout: 1 }),
  scriptCase('a background child holding the output', '(sleep 30 &)\necho started', hookFails(/kept its output open until the 1s timeout/), { timeout: 1 }),
  scriptCase('not executable (made so, as the agent does)', 'echo ran', { ok: true }, { mode: 0o644 }),
  scriptCase('a name with a space and a semicolon', 'echo ran', { ok: true }, { location: 'scripts/my hook;touch pwned.sh' }),
  scriptCase('a name with a dollar and backticks', 'echo ran', { ok: true }, { location: 'scripts/$(id)`id`.sh' }),
  scriptCase('not a program at all', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), hookFails(/could not be started|exit code/)),
  scriptCase('reading standard input (closed)', 'cat; echo "eof"', { ok: true }),
  scriptCase('one 5 MB line of output', "head -c 5000000 /dev/zero | tr '\\000' x", { ok: true }),
  scriptCase('a flood on stderr', 'for i in $(seq 20000); do echo "line $i" >&2; done', { ok: true }),
  scriptCase('invalid UTF-8 output', "printf '\\377\\376\\375 broken \\303'", { ok: true }),
  scriptCase('forking fifty children that exit', 'for i in $(seq 50); do (exit 0) & done; wait', { ok: true }),
];

// ---------------------------------------------------------------------------------------------------

const revisionCases = [...archiveCases, ...appspecCases, ...hookCases];

describe('agent: hostile revision corpus (archives, AppSpec files, hook scripts)', () => {
  it.each(revisionCases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const result = await runRevision(testCase);
    if ('ok' in testCase.outcome) {
      expect(result.failed).toBeUndefined();
    } else {
      expect(result.failed?.event).toBe(testCase.outcome.fails);
      expect(result.failed?.message).toMatch(testCase.outcome.message);
      expect(result.failed?.message.length).toBeLessThan(2_000);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Raw deployment inputs, as `temporal workflow start` could send them.
// ---------------------------------------------------------------------------------------------------

const valid = { applicationName: 'shop', deploymentGroupName: 'web', revision: { revisionType: 'Local', local: { path: '/srv/app' } }, targetHosts: ['h1'] };
const inputCases: { name: string; input: unknown; message: RegExp }[] = [
  { name: 'null', input: null, message: /must be a JSON object/ },
  { name: 'a list', input: [valid], message: /must be a JSON object/ },
  { name: 'a string', input: 'deploy', message: /must be a JSON object/ },
  { name: 'an application name with a slash', input: { ...valid, applicationName: '../etc' }, message: /applicationName must be/ },
  { name: 'an application name of 10,000 characters', input: { ...valid, applicationName: 'a'.repeat(10_000) }, message: /applicationName .*\(10002 characters\)/ },
  { name: 'a group name that is a number', input: { ...valid, deploymentGroupName: 5 }, message: /deploymentGroupName must be/ },
  { name: 'a chosen deploymentGroupId', input: { ...valid, deploymentGroupId: 'deployment-instructions' }, message: /deploymentGroupId is derived/ },
  { name: "another group's deploymentGroupId", input: { ...valid, deploymentGroupId: deriveDeploymentGroupId('shop', 'other') }, message: /deploymentGroupId is derived/ },
  { name: 'a deploymentGroupId with ..', input: { ...valid, deploymentGroupId: '..' }, message: /deploymentGroupId is derived/ },
  { name: 'no revision', input: { ...valid, revision: undefined }, message: /revision must be an object/ },
  { name: 'an unknown revision type', input: { ...valid, revision: { revisionType: 'FTP' } }, message: /revisionType must be/ },
  { name: 'a relative local path', input: { ...valid, revision: { revisionType: 'Local', local: { path: 'srv/app' } } }, message: /absolute path/ },
  { name: 'an http URL', input: { ...valid, revision: { revisionType: 'URL', url: { url: 'http://x/a.tgz', sha256: 'a'.repeat(64), bundleType: 'tgz' } } }, message: /https:\/\/ URL/ },
  { name: 'a URL without a digest', input: { ...valid, revision: { revisionType: 'URL', url: { url: 'https://x/a.tgz', bundleType: 'tgz' } } }, message: /sha256 must be 64/ },
  { name: 'a bad bucket name', input: { ...valid, revision: { revisionType: 'S3', s3Location: { bucket: 'B!', key: 'k', bundleType: 'tgz' } } }, message: /bucket must be/ },
  { name: 'a bundle type of exe', input: { ...valid, revision: { revisionType: 'S3', s3Location: { bucket: 'bucket', key: 'k', bundleType: 'exe' } } }, message: /bundleType must be one of/ },
  { name: 'eventSeconds 1e300', input: { ...valid, agentTimeouts: { eventSeconds: 1e300 } }, message: /eventSeconds must be a number of seconds from 1 to 604800/ },
  { name: 'heartbeatSeconds 0', input: { ...valid, agentTimeouts: { heartbeatSeconds: 0 } }, message: /heartbeatSeconds must be a number of seconds from 1 to 3600/ },
  { name: 'scheduleToStartSeconds as a string', input: { ...valid, agentTimeouts: { scheduleToStartSeconds: '300' } }, message: /scheduleToStartSeconds must be a number/ },
  { name: 'an unknown agent timeout', input: { ...valid, agentTimeouts: { forever: 1 } }, message: /agentTimeouts.forever is not a known setting/ },
  { name: 'agentTimeouts as a list', input: { ...valid, agentTimeouts: [1] }, message: /agentTimeouts must be an object/ },
  { name: 'a description of 10,000 characters', input: { ...valid, description: 'd'.repeat(10_000) }, message: /description must be a string of at most 256/ },
  { name: 'an unknown creator', input: { ...valid, creator: 'root' }, message: /creator must be one of/ },
  { name: 'an unknown file exists behavior', input: { ...valid, fileExistsBehavior: 'CLOBBER' }, message: /fileExistsBehavior must be one of/ },
  { name: 'a host ID with a slash', input: { ...valid, targetHosts: ['../h'] }, message: /targetHosts/ },
  { name: '50,000 invalid host IDs', input: { ...valid, targetHosts: Array.from({ length: 50_000 }, (_, i) => `bad host ${i}`) }, message: /and \d+ more problems$/ },
  { name: 'an input over 1 MiB', input: { ...valid, targetHosts: Array.from({ length: 80_000 }, (_, i) => `host-number-${i}`) }, message: /characters of JSON; at most 1048576/ },
  { name: 'a tag filter of the wrong type', input: { ...valid, tagFilters: [{ Key: 'a', Type: 'ANY' }] }, message: /Type must be KEY_ONLY/ },
  { name: 'both tagFilters and tagSet', input: { ...valid, tagFilters: [{ Key: 'a', Type: 'KEY_ONLY' }], tagSet: [[{ Key: 'a', Type: 'KEY_ONLY' }]] }, message: /tagFilters|tagSet/ },
  { name: 'a load balancer with a bad target group name', input: { ...valid, loadBalancerInfo: { targetGroupInfoList: [{ name: 'a b' }] } }, message: /targetGroupInfoList\[0\]\.name/ },
  { name: 'a traffic timeout of infinity-like size', input: { ...valid, loadBalancerInfo: { targetGroupInfoList: [{ name: 'tg' }], trafficTimeoutSeconds: 1e300 } }, message: /trafficTimeoutSeconds must be 1-3600/ },
  { name: 'eleven alarms', input: { ...valid, alarmConfiguration: { enabled: true, alarms: Array.from({ length: 11 }, (_, i) => ({ name: `a${i}` })) } }, message: /at most 10/ },
  { name: 'an alarm poll interval of 0', input: { ...valid, alarmConfiguration: { enabled: true, alarms: [{ name: 'a' }], pollIntervalSeconds: 0 } }, message: /pollIntervalSeconds must be 1-300/ },
  { name: 'a forged group membership', input: { ...valid, group: { workflowId: 1 } }, message: /group is set by the deploymentGroup workflow/ },
  { name: 'a config name and an inline config', input: { ...valid, deploymentConfigName: 'x', deploymentConfig: { deploymentConfigName: 'y', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } } }, message: /not both/ },
  { name: 'updateOutdatedInstancesOnly as a string', input: { ...valid, updateOutdatedInstancesOnly: 'yes' }, message: /updateOutdatedInstancesOnly must be true or false/ },
];

describe('deployment inputs: hostile corpus, every message bounded and naming the field', () => {
  it.each(inputCases.map((c) => [c.name, c] as const))('%s', (_name, { input, message }) => {
    const problems = validateDeploymentInput(input);
    expect(problems.length).toBeGreaterThan(0);
    const joined = joinProblems(problems);
    expect(joined).toMatch(message);
    expect(joined.length).toBeLessThan(5_000);
  });
});

describe('the corpus itself', () => {
  it('holds at least 200 generated hostile inputs, each with a stated outcome', () => {
    expect(revisionCases.length + inputCases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(revisionCases.map((c) => c.name)).size).toBe(revisionCases.length);
  });
});
