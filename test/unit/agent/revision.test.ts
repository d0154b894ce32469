/** DownloadBundle's fetch: one pass that counts, hashes, verifies and extracts, leaving nothing behind on failure. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { fetchRevision, RevisionError, withRetries } from '../../../agent/revision.js';
import type { ArchiveEntry } from '../../support/archives.js';
import { tgzArchive, zipArchive } from '../../support/archives.js';
import { scratchDir } from '../../support/harness.js';

const ENTRIES: ArchiveEntry[] = [
  { name: 'appspec.yml', body: 'version: 0.0\nos: linux\n' },
  { name: 'app/index.html', body: '<h1>v1</h1>' },
];
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function layout(): { dir: string; deploymentDir: string; archiveDir: string } {
  const dir = scratchDir('fetch-revision');
  const deploymentDir = join(dir, 'deployment');
  return { dir, deploymentDir, archiveDir: join(deploymentDir, 'deployment-archive') };
}

/** An S3 client whose GetObject answers with `body`, streamed in small chunks as a download would be. */
function s3Answering(body: Buffer): () => Promise<S3Client> {
  const chunks = Array.from({ length: Math.ceil(body.length / 64) }, (_, i) => body.subarray(i * 64, (i + 1) * 64));
  const client = { send: async () => ({ Body: Readable.from(chunks), ETag: '"e"', ContentLength: body.length }) };
  return async () => client as unknown as S3Client;
}

const noS3 = async (): Promise<S3Client> => {
  throw new Error('no S3 in this test');
};

describe('agent/revision fetchRevision', () => {
  it('extracts a local tgz in one pass and reports its pinned SHA-256', async () => {
    const { dir, deploymentDir, archiveDir } = layout();
    const archive = tgzArchive(ENTRIES);
    writeFileSync(join(dir, 'app.tgz'), archive);
    const progress: number[] = [];
    const fetched = await fetchRevision(
      { revisionType: 'Local', local: { path: join(dir, 'app.tgz'), bundleType: 'tgz', sha256: sha256(archive) } },
      { deploymentDir, archiveDir, s3: noS3, onProgress: (n) => progress.push(n) },
    );
    expect(fetched).toEqual({ bytes: archive.length, sha256: sha256(archive) });
    expect(progress.at(-1)).toBe(archive.length);
    expect(readFileSync(join(archiveDir, 'app', 'index.html'), 'utf8')).toBe('<h1>v1</h1>');
  });

  it('removes what it extracted when a local archive does not match its pinned SHA-256', async () => {
    const { dir, deploymentDir, archiveDir } = layout();
    writeFileSync(join(dir, 'app.tgz'), tgzArchive(ENTRIES));
    const wrong = '0'.repeat(64);
    const run = fetchRevision({ revisionType: 'Local', local: { path: join(dir, 'app.tgz'), bundleType: 'tgz', sha256: wrong } }, { deploymentDir, archiveDir, s3: noS3 });
    await expect(run).rejects.toThrow(new RegExp(`app\\.tgz has SHA-256 [0-9a-f]{64}, but the deployment pinned ${wrong}`));
    await expect(run).rejects.toBeInstanceOf(RevisionError);
    expect(existsSync(archiveDir)).toBe(false);
  });

  it('extracts an S3 tgz as it downloads, staging nothing, and hashes it', async () => {
    const { deploymentDir, archiveDir } = layout();
    const archive = tgzArchive(ENTRIES);
    const fetched = await fetchRevision({ revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.tgz', bundleType: 'tgz' } }, { deploymentDir, archiveDir, s3: s3Answering(archive) });
    expect(fetched.sha256).toBe(sha256(archive));
    expect(readFileSync(join(archiveDir, 'app', 'index.html'), 'utf8')).toBe('<h1>v1</h1>');
    expect(readdirSync(deploymentDir)).toEqual(['deployment-archive']);
  });

  it('stages an S3 zip (read from its end), then removes the staged file', async () => {
    const { deploymentDir, archiveDir } = layout();
    await fetchRevision({ revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.zip', bundleType: 'zip' } }, { deploymentDir, archiveDir, s3: s3Answering(zipArchive(ENTRIES)) });
    expect(readFileSync(join(archiveDir, 'app', 'index.html'), 'utf8')).toBe('<h1>v1</h1>');
    expect(readdirSync(deploymentDir)).toEqual(['deployment-archive']);
  });

  it('stops a download past the size limit, saying so, and leaves no partial revision', async () => {
    const { deploymentDir, archiveDir } = layout();
    const archive = tgzArchive([...ENTRIES, { name: 'app/big.bin', body: 'x'.repeat(20_000) }]);
    const client = { send: async () => ({ Body: Readable.from([archive.subarray(0, 100), archive.subarray(100)]), ETag: '"e"' }) };
    const run = fetchRevision(
      { revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.tgz', bundleType: 'tgz' } },
      { deploymentDir, archiveDir, s3: async () => client as unknown as S3Client, limits: { maxBytes: 150 } },
    );
    await expect(run).rejects.toThrow(/s3:\/\/b\/app\.tgz is larger than the revision size limit of 150 bytes/);
    expect(existsSync(archiveDir)).toBe(false);
  });

  it('names the refused entry of a hostile streamed archive, not the interrupted download', async () => {
    const { deploymentDir, archiveDir } = layout();
    const hostile = tgzArchive([...ENTRIES, { name: '../escape.txt', body: 'out' }, { name: 'app/after.txt', body: 'x'.repeat(100_000) }]);
    const run = fetchRevision({ revisionType: 'S3', s3Location: { bucket: 'b', key: 'app.tgz', bundleType: 'tgz' } }, { deploymentDir, archiveDir, s3: s3Answering(hostile) });
    await expect(run).rejects.toThrow(/entry "\.\.\/escape\.txt" has a "\.\." path component/);
    expect(existsSync(archiveDir)).toBe(false);
    expect(existsSync(join(deploymentDir, 'escape.txt'))).toBe(false);
  });

  it('asks a transient download failure again after each wait, and gives up on the others at once', async () => {
    let calls = 0;
    const flaky = async (): Promise<string> => {
      calls += 1;
      if (calls < 3) throw new RevisionError('HTTP 502', 'RevisionNotFound', { status: 502, transient: true });
      return 'archive';
    };
    await expect(withRetries([1, 1, 1], undefined, flaky)).resolves.toBe('archive');
    expect(calls).toBe(3);
    calls = 0;
    const missing = async (): Promise<string> => {
      calls += 1;
      throw new RevisionError('HTTP 404', 'RevisionNotFound', { status: 404 });
    };
    await expect(withRetries([1, 1, 1], undefined, missing)).rejects.toThrow('HTTP 404');
    expect(calls).toBe(1);
    calls = 0;
    const down = async (): Promise<string> => {
      calls += 1;
      throw new RevisionError('HTTP 503', 'RevisionNotFound', { status: 503, transient: true });
    };
    await expect(withRetries([1, 1, 1], undefined, down)).rejects.toThrow('HTTP 503');
    expect(calls).toBe(4);
  });
});
