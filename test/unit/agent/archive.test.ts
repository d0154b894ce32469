/** Safe extraction of tar, tgz and zip revisions, including a corpus of hostile archives. */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveError, extractArchive } from '../../../agent/archive.js';
import type { ArchiveEntry } from '../../support/archives.js';
import { tarArchive, tgzArchive, zipArchive } from '../../support/archives.js';
import { scratchDir } from '../../support/harness.js';

type Format = 'tar' | 'tgz' | 'zip';
const BUILD: Record<Format, (entries: readonly ArchiveEntry[]) => Buffer> = { tar: tarArchive, tgz: tgzArchive, zip: zipArchive };

/** Extracts into `<box>/root`; `box` holds nothing else, so anything written outside root shows up there. */
async function extract(format: Format, entries: readonly ArchiveEntry[], limits?: Parameters<typeof extractArchive>[0]['limits']): Promise<{ box: string; root: string }> {
  const dir = scratchDir('archive');
  const file = join(dir, `bundle.${format}`);
  writeFileSync(file, BUILD[format](entries));
  const box = join(dir, 'box');
  const root = join(box, 'root');
  await extractArchive({ file, bundleType: format, root, limits, label: `bundle.${format}` });
  return { box, root };
}

describe.each(['tar', 'tgz', 'zip'] as const)('agent/archive (%s)', (format) => {
  it('extracts files, directories, modes and links inside the revision', async () => {
    const entries: ArchiveEntry[] = [
      { name: 'appspec.yml', body: 'version: 0.0\nos: linux\n' },
      { name: 'scripts/', type: 'dir' },
      { name: 'scripts/start.sh', body: '#!/bin/sh\n', mode: 0o755 },
      { name: 'web/css/site.css', body: 'body{}' },
      { name: 'web/current', type: 'symlink', link: 'css' },
      { name: 'scripts/up.sh', type: 'symlink', link: '../web/css/site.css' },
    ];
    if (format !== 'zip') entries.push({ name: 'web/copy.css', type: 'hardlink', link: 'web/css/site.css' });
    const { root } = await extract(format, entries);
    expect(readFileSync(join(root, 'appspec.yml'), 'utf8')).toContain('version');
    expect(statSync(join(root, 'scripts/start.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(root, 'web/css/site.css'), 'utf8')).toBe('body{}');
    expect(readlinkSync(join(root, 'web/current'))).toBe('css');
    expect(readFileSync(join(root, 'scripts/up.sh'), 'utf8')).toBe('body{}');
    if (format !== 'zip') expect(statSync(join(root, 'web/copy.css')).ino).toBe(statSync(join(root, 'web/css/site.css')).ino);
  });

  it('strips a single top-level directory that holds the AppSpec (and only then)', async () => {
    const stripped = await extract(format, [
      { name: 'app-1.2/appspec.yml', body: 'a' },
      { name: 'app-1.2/index.html', body: 'i' },
    ]);
    expect(readdirSync(stripped.root).sort()).toEqual(['appspec.yml', 'index.html']);
    const kept = await extract(format, [{ name: 'app/readme', body: 'r' }]);
    expect(readdirSync(kept.root)).toEqual(['app']);
    const two = await extract(format, [
      { name: 'app/appspec.yml', body: 'a' },
      { name: 'other.txt', body: 'o' },
    ]);
    expect(readdirSync(two.root).sort()).toEqual(['app', 'other.txt']);
  });

  describe('hostile archives: refused, named, nothing written outside, nothing left behind', () => {
    const outside = `/tmp/gantry-escape-${process.pid}-${format}`;
    const cases: [string, ArchiveEntry[], RegExp][] = [
      ['an absolute path', [{ name: `${outside}/x`, body: 'x' }], /has an absolute path|absolute path/],
      ['a ".." (zip slip)', [{ name: 'ok.txt', body: 'ok' }, { name: '../evil.txt', body: 'x' }], /"\.\." path component|invalid relative path/],
      ['a nested ".."', [{ name: 'a/../../evil.txt', body: 'x' }], /"\.\." path component|invalid relative path/],
      ['a link to an absolute path', [{ name: 'etc', type: 'symlink', link: '/etc' }], /link to the absolute path "\/etc"/],
      ['a link that climbs out', [{ name: 'a/up', type: 'symlink', link: '../../outside' }], /link to "\.\.\/\.\.\/outside", outside the revision/],
      [
        'a link that climbs out through another link',
        [
          { name: 'a/b', type: 'symlink', link: '..' },
          { name: 'a/c', type: 'symlink', link: 'b/..' },
        ],
        /"a\/c" is a link to "b\/\.\.", outside the revision/,
      ],
      [
        'a write through a link',
        [
          { name: 'inner/', type: 'dir' },
          { name: 'l', type: 'symlink', link: 'inner' },
          { name: 'l/x.txt', body: 'x' },
        ],
        /"l\/x\.txt" is inside the symbolic link "l"/,
      ],
      ['a character device', [{ name: 'null', type: 'chardev' }], /"null" is a character device/],
      ['a FIFO', [{ name: 'pipe', type: 'fifo' }], /"pipe" is a FIFO/],
      ['a path deeper than the limit', [{ name: `${'d/'.repeat(70)}deep.txt`, body: 'x' }], /is nested 71 levels deep \(the limit is 64\)/],
    ];
    if (format !== 'zip') {
      cases.push([
        'a link replaced by a file',
        [
          { name: 'f', type: 'symlink', link: 'g' },
          { name: 'f', body: 'x' },
        ],
        /"f" cannot be written: a link is already at that path/,
      ]);
      cases.push(['a hard link to something outside', [{ name: 'h', type: 'hardlink', link: '/etc/passwd' }], /has an absolute path/]);
    }

    it.each(cases)('%s', async (_name, entries, message) => {
      const dir = scratchDir('archive');
      const file = join(dir, `bundle.${format}`);
      writeFileSync(file, BUILD[format](entries));
      const root = join(dir, 'box', 'root');
      const run = extractArchive({ file, bundleType: format, root, label: `bundle.${format}` });
      await expect(run).rejects.toThrow(ArchiveError);
      await expect(run).rejects.toThrow(message);
      expect(readdirSync(join(dir, 'box'))).toEqual([]); // root removed, nothing beside it
      expect(readdirSync(dir).sort()).toEqual([`box`, `bundle.${format}`]);
      expect(existsSync(outside)).toBe(false);
    });

    it('a revision larger than the size limit', async () => {
      const run = extract(format, [{ name: 'big.bin', body: Buffer.alloc(64 * 1024) }], { maxBytes: 32 * 1024 });
      await expect(run).rejects.toThrow(/"big\.bin" takes the revision past its size limit of 32768 bytes/);
    });

    it('more entries than the limit', async () => {
      const entries = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, body: 'x' }));
      await expect(extract(format, entries, { maxEntries: 10 })).rejects.toThrow(/"f10" is past the limit of 10 entries/);
    });

    it('a file that is not an archive at all', async () => {
      const dir = scratchDir('archive');
      const file = join(dir, 'junk');
      writeFileSync(file, 'this is not an archive\n'.repeat(100));
      const root = join(dir, 'root');
      await expect(extractArchive({ file, bundleType: format, root, label: 'junk' })).rejects.toThrow(/junk.*(not a readable|invalid|unrecognized|TAR_BAD_ARCHIVE)/i);
      expect(existsSync(root)).toBe(false);
    });
  });
});

describe('agent/archive: tar specifics', () => {
  it('a truncated tgz is an error, not a partial revision', async () => {
    const dir = scratchDir('archive');
    const whole = tgzArchive([{ name: 'a.bin', body: Buffer.alloc(200_000, 7) }]);
    const file = join(dir, 'cut.tgz');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const root = join(dir, 'root');
    await expect(extractArchive({ file, bundleType: 'tgz', root, label: 'cut.tgz' })).rejects.toThrow(/cut\.tgz/);
    expect(existsSync(root)).toBe(false);
  });

  it('a link at the top is kept as a link, not followed', async () => {
    const { root } = await extract('tar', [{ name: 'self', type: 'symlink', link: '.' }]);
    expect(lstatSync(join(root, 'self')).isSymbolicLink()).toBe(true);
  });
});
