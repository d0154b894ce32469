import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync, symlinkSync, lstatSync, readlinkSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAppSpec } from '../../../agent/appspec.js';
import { installFiles, InstallError, planInstall } from '../../../agent/installer.js';
import { scratchDir } from '../../support/harness.js';
import { tgzArchive } from '../../support/archives.js';
import { REPO_ROOT } from '../../../workers/tools.js';

function setup(files: Record<string, string>, appspecFiles: string): { archive: string; dest: string; cleanup: string; spec: ReturnType<typeof parseAppSpec> } {
  const base = scratchDir('install');
  const archive = join(base, 'archive');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(archive, name, '..'), { recursive: true });
    writeFileSync(join(archive, name), body);
  }
  const dest = join(base, 'dest');
  const spec = parseAppSpec(`version: 0.0\nos: linux\nfiles:\n${appspecFiles.replaceAll('$DEST', dest)}`);
  return { archive, dest, cleanup: join(base, 'instructions', 'dg-cleanup'), spec };
}

describe('agent/installer', () => {
  it('copies the contents of a directory source, and puts a file source inside its destination directory', async () => {
    const t = setup(
      { 'app/index.html': 'hi', 'app/.hidden': 'x', 'app/sub/deep.txt': 'd', 'conf/app.conf': 'c' },
      '  - source: app\n    destination: $DEST/www\n  - source: conf/app.conf\n    destination: $DEST/etc/app\n',
    );
    chmodSync(join(t.archive, 'app/index.html'), 0o640);
    const result = await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' });
    expect(readFileSync(join(t.dest, 'www/index.html'), 'utf8')).toBe('hi');
    expect(statSync(join(t.dest, 'www/index.html')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(t.dest, 'www/.hidden'), 'utf8')).toBe('x');
    expect(readFileSync(join(t.dest, 'www/sub/deep.txt'), 'utf8')).toBe('d');
    expect(readFileSync(join(t.dest, 'etc/app/app.conf'), 'utf8')).toBe('c');
    expect(result.copied).toBe(4);
    // Every created path is recorded for the next cleanup, parents before children.
    const recorded = readFileSync(t.cleanup, 'utf8').trim().split('\n');
    expect(recorded).toContain(join(t.dest, 'www/sub/deep.txt'));
    expect(recorded.indexOf(join(t.dest, 'www'))).toBeLessThan(recorded.indexOf(join(t.dest, 'www/sub')));
  });

  it('recreates symbolic links as links', async () => {
    const t = setup({ 'app/real.txt': 'r' }, '  - source: app\n    destination: $DEST\n');
    symlinkSync('real.txt', join(t.archive, 'app/link.txt'));
    await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' });
    expect(lstatSync(join(t.dest, 'link.txt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(t.dest, 'link.txt'))).toBe('real.txt');
  });

  it('refuses a file that already exists under DISALLOW, before writing anything', async () => {
    const t = setup({ 'app/a.txt': 'new', 'app/b.txt': 'new' }, '  - source: app\n    destination: $DEST\n');
    mkdirSync(t.dest, { recursive: true });
    writeFileSync(join(t.dest, 'b.txt'), 'theirs');
    await expect(installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' })).rejects.toThrow(
      new RegExp(`${join(t.dest, 'b.txt')} already exists`),
    );
    expect(existsSync(join(t.dest, 'a.txt'))).toBe(false);
    expect(readFileSync(join(t.dest, 'b.txt'), 'utf8')).toBe('theirs');
  });

  it('overwrites under OVERWRITE and keeps the existing file under RETAIN', async () => {
    for (const [behavior, expected] of [['OVERWRITE', 'new'], ['RETAIN', 'theirs']] as const) {
      const t = setup({ 'app/b.txt': 'new' }, '  - source: app\n    destination: $DEST\n');
      mkdirSync(t.dest, { recursive: true });
      writeFileSync(join(t.dest, 'b.txt'), 'theirs');
      await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior });
      expect(readFileSync(join(t.dest, 'b.txt'), 'utf8')).toBe(expected);
    }
  });

  it('rejects two sources for one destination', async () => {
    const t = setup({ 'one/x.txt': '1', 'two/x.txt': '2' }, '  - source: one\n    destination: $DEST\n  - source: two\n    destination: $DEST\n');
    await expect(installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'OVERWRITE' })).rejects.toThrow(InstallError);
    await expect(installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'OVERWRITE' })).rejects.toThrow(/two sources/);
  });

  it('cleans up the previous install: its files go, files made by scripts and their directories stay', async () => {
    const t = setup({ 'app/old.txt': 'o', 'app/keep/k.txt': 'k', 'app/gone/g.txt': 'g' }, '  - source: app\n    destination: $DEST\n');
    await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' });
    writeFileSync(join(t.dest, 'keep/made-by-script.log'), 'mine');
    // The next revision no longer has old.txt, keep/ or gone/.
    const next = parseAppSpec(`version: 0.0\nos: linux\nfiles:\n  - source: v2\n    destination: ${t.dest}\n`);
    mkdirSync(join(t.archive, 'v2'));
    writeFileSync(join(t.archive, 'v2/new.txt'), 'n');
    await installFiles({ spec: next, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' });
    expect(existsSync(join(t.dest, 'old.txt'))).toBe(false);
    expect(existsSync(join(t.dest, 'gone'))).toBe(false);
    expect(existsSync(join(t.dest, 'keep/k.txt'))).toBe(false);
    expect(readFileSync(join(t.dest, 'keep/made-by-script.log'), 'utf8')).toBe('mine');
    expect(readFileSync(join(t.dest, 'new.txt'), 'utf8')).toBe('n');
  });

  it('ignores a partly written last line of the cleanup file', async () => {
    const t = setup({ 'app/a.txt': 'a' }, '  - source: app\n    destination: $DEST\n');
    mkdirSync(join(t.cleanup, '..'), { recursive: true });
    mkdirSync(t.dest, { recursive: true });
    writeFileSync(join(t.dest, 'victim'), 'v');
    writeFileSync(t.cleanup, `${join(t.dest, 'victi')}`); // no newline: interrupted write
    await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' });
    expect(existsSync(join(t.dest, 'victim'))).toBe(true);
  });

  it('I09/I10: a file source lands in its destination directory, ancestors created top-down', async () => {
    const t = setup({ 'index.html': 'i', 'web/css/site.css': 's' }, '  - source: /index.html\n    destination: $DEST/www/\n  - source: web/\n    destination: $DEST/site/a/b\n');
    const { instructions } = await planInstall(t.spec, t.archive, 'DISALLOW');
    expect(instructions.map((i) => (i.kind === 'mkdir' ? `mkdir ${i.path}` : `copy ${i.destination}`).replaceAll(t.dest, ''))).toEqual([
      'mkdir ',
      'mkdir /www',
      'copy /www/index.html',
      'mkdir /site',
      'mkdir /site/a',
      'mkdir /site/a/b',
      'mkdir /site/a/b/css',
      'copy /site/a/b/css/site.css',
    ]);
  });

  it.each([
    ['I12 overlapping mappings', { 'web/css/site.css': 's' }, '  - source: web\n    destination: $DEST/w\n  - source: web/css/site.css\n    destination: $DEST/w/css\n', /two sources/],
    ['I14 a file where a directory is created', { 'a/target': 't', 'b/target/x': 'x' }, '  - source: a\n    destination: $DEST\n  - source: b\n    destination: $DEST\n', /needs a directory there|creates a directory there/],
    ['I13 a relative destination', { 'a/x': 'x' }, '  - source: a\n    destination: relative/dir\n', /files\[0\]\.destination "relative\/dir" must be an absolute path/],
    ['I11 a missing source', { 'a/x': 'x' }, '  - source: nope.txt\n    destination: $DEST\n', /files\[0\]\.source "nope\.txt" does not exist in the revision/],
    ['a source outside the revision', { 'a/x': 'x' }, '  - source: ../../etc\n    destination: $DEST\n', /points outside the revision/],
  ])('%s is refused before anything is written', async (_name, files, mapping, message) => {
    const t = setup(files, mapping);
    await expect(installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'OVERWRITE' })).rejects.toThrow(message);
    expect(existsSync(t.dest)).toBe(false);
    expect(existsSync(t.cleanup)).toBe(false);
  });

  it('I29: with the cleanup file lost, DISALLOW refuses the files of the earlier install', async () => {
    const t = setup({ 'app/a.txt': 'a' }, '  - source: app\n    destination: $DEST\n');
    await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, behavior: 'DISALLOW' });
    const otherGroup = join(t.cleanup, '..', 'other-group-cleanup');
    await expect(installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: otherGroup, behavior: 'DISALLOW' })).rejects.toThrow(/already exists/);
    expect(existsSync(otherGroup)).toBe(false);
  });

  it('writes the planned instructions for operators', async () => {
    const t = setup({ 'app/a.txt': 'a' }, '  - source: app\n    destination: $DEST\n');
    const instructionsFile = join(t.cleanup, '..', 'dg-install.json');
    await installFiles({ spec: t.spec, archiveDir: t.archive, cleanupFile: t.cleanup, instructionsFile, behavior: 'DISALLOW' });
    const written = JSON.parse(readFileSync(instructionsFile, 'utf8')) as { instructions: { kind: string }[] };
    expect(written.instructions.map((i) => i.kind)).toEqual(['mkdir', 'copy']);
  });
});

describe('agent/installer: owners under a non-root agent', () => {
  // Root is needed to start a process as another user; the suite runs as root (simulated hosts need it).
  // And `nobody` must be able to run this Node: the bootstrap's Node LTS lives in root's private cache,
  // so on that pass the test is left to the pass on the machine's Node.
  const root = process.getuid?.() === 0;
  const runnable = root && spawnSync(process.execPath, ['--version'], { uid: 65534, gid: 65534 }).status === 0;
  it.skipIf(!runnable)("gives a non-root agent's user every file of a tar revision, whatever owners the archive records", () => {
    const nobody = 65534;
    const work = scratchDir('install-as-nobody');
    const dest = join(work, 'dest');
    const appspec = `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${dest}\n`;
    const archive = join(work, 'owned.tgz');
    writeFileSync(
      archive,
      tgzArchive([
        { name: 'appspec.yml', body: appspec },
        { name: 'app/', type: 'dir' },
        { name: 'app/owned.txt', body: 'owned', uid: 4500, gid: 4501 },
        { name: 'app/link', type: 'symlink', link: 'owned.txt', uid: 4500, gid: 4501 },
      ]),
    );
    chownSync(work, nobody, nobody);
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'install-as-agent.ts'), archive, 'tgz', work], { cwd: REPO_ROOT, uid: nobody, gid: nobody, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ uid: nobody, owners: { 'owned.txt': [nobody, nobody], link: [nobody, nobody] } });
  });
});
