/** appspec `permissions` at Install: which paths each entry reaches (appspec-vectors §3.4) and how it is applied. */
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAclEntry } from '../../../agent/appspec-permissions.js';
import { parseAppSpec } from '../../../agent/appspec.js';
import { installFiles, InstallError, planInstall } from '../../../agent/installer.js';
import { fullAcl } from '../../../agent/permissions.js';
import { scratchDir } from '../../support/harness.js';

const isRoot = process.getuid?.() === 0;

function bundle(files: Record<string, string>): { archive: string; root: string } {
  const root = scratchDir('perm');
  const archive = join(root, 'archive');
  mkdirSync(archive, { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(archive, name, '..'), { recursive: true });
    if (name.endsWith('/')) mkdirSync(join(archive, name), { recursive: true });
    else writeFileSync(join(archive, name), body);
  }
  return { archive, root };
}

const spec = (root: string, body: string): ReturnType<typeof parseAppSpec> => parseAppSpec(`version: 0.0\nos: linux\n${body.replaceAll('$T', root)}`);
const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('agent/permissions: what each entry reaches', () => {
  it('I21: a file object, a glob over direct children, and a pattern inside a created directory', async () => {
    const { archive, root } = bundle({ src1: '1', 'src2/': '', 'src3/file1': 'a', 'src3/file2': 'b', 'src3/dir1/file1': 'c' });
    const plan = await planInstall(
      spec(
        root,
        `files:
  - {source: src1, destination: $T/dst1}
  - {source: src2, destination: $T/dst2}
  - {source: src3, destination: $T/dst3}
permissions:
  - {object: $T/dst1/src1, type: [file], mode: 600}
  - {object: $T, type: [directory], pattern: "dst*", mode: 750}
  - {object: $T/dst3/, type: [file, directory], pattern: "file*", mode: 640}
`,
      ),
      archive,
      'DISALLOW',
    );
    expect(plan.permissions.map((t) => [t.path.slice(root.length), t.index])).toEqual([
      ['/dst1/src1', 0],
      ['/dst1', 1],
      ['/dst2', 1],
      ['/dst3', 1],
      ['/dst3/file1', 2],
      ['/dst3/file2', 2],
    ]);
  });

  it('I24/I25: the object itself and what existed before are never changed; ** reaches every depth', async () => {
    const { archive, root } = bundle({ 'site/index.html': 'i', 'site/css/a.css': 'a', 'site/css/deep/b.css': 'b' });
    mkdirSync(join(root, 'www'), { recursive: true });
    writeFileSync(join(root, 'www/theirs.txt'), 't');
    await installFiles({
      spec: spec(root, 'files:\n  - {source: site, destination: $T/www}\npermissions:\n  - {object: $T/www, mode: "700"}\n'),
      archiveDir: archive,
      cleanupFile: join(root, 'cleanup'),
      behavior: 'DISALLOW',
    });
    expect(modeOf(join(root, 'www/index.html'))).toBe(0o700);
    expect(modeOf(join(root, 'www/css'))).toBe(0o700);
    expect(modeOf(join(root, 'www/css/deep/b.css'))).toBe(0o700);
    expect(modeOf(join(root, 'www'))).not.toBe(0o700);
    expect(modeOf(join(root, 'www/theirs.txt'))).not.toBe(0o700);
  });

  it('a pattern other than ** matches direct children only, and except removes matches', async () => {
    const { archive, root } = bundle({ 'a/prefix1': '', 'a/prefix.tmp': '', 'a/other': '', 'a/sub/prefix2': '' });
    const plan = await planInstall(
      spec(root, 'files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: $T/d, pattern: "prefix*", except: ["*.tmp"], mode: 600}\n'),
      archive,
      'DISALLOW',
    );
    expect(plan.permissions.map((t) => t.path.slice(root.length))).toEqual(['/d/prefix1']);
  });

  it('an object this install did not create nor find as a directory is skipped silently', async () => {
    const { archive, root } = bundle({ 'a/x': '' });
    const plan = await planInstall(spec(root, 'files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: /nonexistent-gantry, mode: 600}\n'), archive, 'DISALLOW');
    expect(plan.permissions).toEqual([]);
  });

  it('a retained file (RETAIN) gets no permissions', async () => {
    const { archive, root } = bundle({ 'a/x': 'new' });
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd/x'), 'old');
    const plan = await planInstall(spec(root, 'files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: $T/d, mode: 600}\n'), archive, 'RETAIN');
    expect(plan.permissions).toEqual([]);
  });

  it.each([
    ['V37 a pattern on a file object', 'permissions:\n  - {object: $T/d/x, pattern: glob}\n', /is a file, so 'pattern' must be left out \(got "glob"\)/],
    ['V38 except on a file object', 'permissions:\n  - {object: $T/d/x, except: [glob]}\n', /is a file, so 'except' must be left out/],
    ['V40 a default ACL on a file', "permissions:\n  - {object: $T/d/x, acls: ['d:user:name:rwx']}\n", /default ACL \(d:…\) to the file .*\/d\/x/],
    ['one path reached twice', 'permissions:\n  - {object: $T/d, mode: 600}\n  - {object: $T/d/x, mode: 644}\n', /permissions\[0\] and permissions\[1\] both apply to .*\/d\/x/],
    ['a relative object', 'permissions:\n  - {object: d, mode: 600}\n', /permissions\[0\]\.object "d" must be an absolute path/],
  ])('%s fails the Install before anything is written', async (_name, permissions, message) => {
    const { archive, root } = bundle({ 'a/x': '' });
    const install = installFiles({
      spec: spec(root, `files:\n  - {source: a, destination: $T/d}\n${permissions}`),
      archiveDir: archive,
      cleanupFile: join(root, 'cleanup'),
      behavior: 'DISALLOW',
    });
    await expect(install).rejects.toThrow(InstallError);
    await expect(install).rejects.toThrow(message);
    expect(existsSync(join(root, 'd'))).toBe(false);
  });

  it('V39: a glob with type [directory] on a file object is skipped, not an error', async () => {
    const { archive, root } = bundle({ 'a/x': '' });
    const plan = await planInstall(spec(root, 'files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: $T/d/x, pattern: glob, type: [directory]}\n'), archive, 'DISALLOW');
    expect(plan.permissions).toEqual([]);
  });
});

describe('agent/permissions: applying', () => {
  it('I23: setfacl gets the full ACL, base entries from the mode and masks added', () => {
    const acls = ['user:bob:rwx', 'default:user:bob:rwx'].map((ace) => parseAclEntry(ace, 'acls'));
    expect(fullAcl(acls, 0o421).join(',')).toBe(
      'user:bob:rwx,default:user:bob:rwx,user::r--,group::-w-,other::--x,mask::-w-,default:user::r--,default:group::-w-,default:other::--x,default:mask::-w-',
    );
    expect(fullAcl([parseAclEntry('m::r--', 'acls')], 0o750)).toEqual(['mask::r--', 'user::rwx', 'group::r-x', 'other::---']);
  });

  it('ACLs or SELinux contexts on a host without setfacl / semanage fail with a clear error, nothing written', async () => {
    for (const [permission, tool] of [
      ["acls: ['u:daemon:rw']", /setfacl is not installed on this host/],
      ['context: {type: httpd_sys_content_t}', /semanage is not installed on this host/],
    ] as const) {
      // Where the tool is installed the rule is applied instead, and this case does not arise.
      if (tool.source.startsWith('setfacl') ? existsSync('/usr/bin/setfacl') : existsSync('/usr/sbin/semanage')) continue;
      const { archive, root } = bundle({ 'a/x': '' });
      const install = installFiles({
        spec: spec(root, `files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: $T/d, ${permission}}\n`),
        archiveDir: archive,
        cleanupFile: join(root, 'cleanup'),
        behavior: 'DISALLOW',
      });
      await expect(install).rejects.toThrow(tool);
      expect(existsSync(join(root, 'd'))).toBe(false);
    }
  });

  it('an owner that does not exist fails before anything is written', async () => {
    const { archive, root } = bundle({ 'a/x': '' });
    const install = installFiles({
      spec: spec(root, 'files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: $T/d, owner: no-such-user-gantry}\n'),
      archiveDir: archive,
      cleanupFile: join(root, 'cleanup'),
      behavior: 'DISALLOW',
    });
    await expect(install).rejects.toThrow(/permissions\[0\]: user "no-such-user-gantry" does not exist on this host/);
    expect(existsSync(join(root, 'd'))).toBe(false);
  });

  // chown needs root; the agent runs as root on real hosts, and so does CI here.
  it.skipIf(!isRoot)('mode, owner and group are applied (chmod before chown); links are never followed', async () => {
    const { archive, root } = bundle({ 'a/run.sh': '#!/bin/sh\n', 'a/conf/app.conf': 'c' });
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'o');
    symlinkSync(outside, join(archive, 'a/link'));
    await installFiles({
      spec: spec(root, 'files:\n  - {source: a, destination: $T/d}\npermissions:\n  - {object: $T/d, owner: daemon, group: adm, mode: 4750}\n'),
      archiveDir: archive,
      cleanupFile: join(root, 'cleanup'),
      behavior: 'DISALLOW',
    });
    const run = statSync(join(root, 'd/run.sh'));
    expect([run.uid, run.gid, run.mode & 0o7777]).toEqual([1, 4, 0o4750]);
    expect(lstatSync(join(root, 'd/link')).uid).toBe(1);
    // The link's target, outside the install, keeps its owner and mode.
    expect(statSync(outside).uid).toBe(0);
    expect(modeOf(outside)).not.toBe(0o4750);
    expect(readFileSync(join(root, 'cleanup'), 'utf8')).toContain(join(root, 'd/conf/app.conf'));
  });
});
