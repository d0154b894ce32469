import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import { startBenchAgent } from './agents.js';
import { s3ClientFromEnv } from '../workers/aws-clients.js';
import { getDeploymentSummary, getDeploymentTarget, startDeployment } from '../workers/deployments.js';
import { median, processMemoryMiB } from './measure.js';

export interface RevisionRun {
  source: 'S3' | 'Local';
  /** DownloadBundle start to Install end, as the host's lifecycle events record them. */
  seconds: number;
  downloadBundleSeconds: number;
  installSeconds: number;
  ratioToTar: number;
}

export interface RevisionResult {
  archiveMiB: number;
  files: number;
  tarSeconds: number;
  /** `sha256sum`, `tar -xzf` and `cp -a` of the same archive: the pipeline's work done in a shell. */
  shellSeconds: number;
  /** A plain GetObject of the archive from moto, read to the end and discarded. */
  s3GetSeconds: number;
  runs: RevisionRun[];
  /** Highest resident set of the agent's process during the installs. */
  peakRssMiB: number;
}

/**
 * A revision of about `mib` MiB that does not compress (random bytes): a few large files, as build
 * artefacts are, plus a thousand small ones, so per-file costs show too.
 */
function writeLargeRevision(dir: string, destination: string, mib: number): number {
  const app = join(dir, 'app');
  mkdirSync(join(app, 'assets'), { recursive: true });
  const smallFiles = 1000;
  const smallBytes = 4096;
  const bigFiles = Math.max(1, Math.round((mib * 2 ** 20 - smallFiles * smallBytes) / (8 * 2 ** 20)));
  for (let i = 0; i < bigFiles; i += 1) writeFileSync(join(app, `blob-${i}.bin`), randomBytes(8 * 2 ** 20));
  for (let i = 0; i < smallFiles; i += 1) writeFileSync(join(app, 'assets', `asset-${i}.js`), randomBytes(smallBytes).toString('base64'));
  writeFileSync(join(dir, 'appspec.yml'), `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: ${destination}\nfile_exists_behavior: OVERWRITE\n`);
  return bigFiles + smallFiles + 1;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Seconds of a shell command run in a fresh `dir` (median of three). */
function timeShell(script: string, dir: string): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = performance.now();
    execFileSync('sh', ['-c', script], { cwd: dir });
    times.push((performance.now() - started) / 1000);
  }
  rmSync(dir, { recursive: true, force: true });
  return median(times);
}

/**
 * Figure 3: one real agent (compiled); a large tgz revision deployed to it from a local path and from S3 (moto), each timed
 * from DownloadBundle's start to Install's end against `tar -xzf` of the same archive.
 */
export async function measureRevision(
  client: Client,
  options: { address: string; namespace: string; taskQueue: string; dir: string; mib: number; motoEnv: NodeJS.ProcessEnv; agentBin?: string },
): Promise<RevisionResult> {
  const source = join(options.dir, 'source');
  const destination = join(options.dir, 'installed');
  const files = writeLargeRevision(source, destination, options.mib);
  const archive = join(options.dir, 'revision.tgz');
  // gzip -1: the content is random, so a higher level only spends time (the archive's size is the same).
  execFileSync('tar', ['-cf', archive, '--use-compress-program=gzip -1', '-C', source, '.']);
  rmSync(source, { recursive: true, force: true });
  const archiveBytes = statSync(archive).size;
  const tarSeconds = timeShell(`tar -xzf '${archive}'`, join(options.dir, 'baseline'));
  // The same work done by hand: verify, extract, then copy into place, as DownloadBundle and Install do.
  const shellSeconds = timeShell(`sha256sum '${archive}' > /dev/null && mkdir x && tar -xzf '${archive}' -C x && cp -a x/app installed`, join(options.dir, 'baseline'));

  const hostId = 'bench-revision-host';
  const agent = await startBenchAgent({ hostId, rootDir: join(options.dir, 'host'), address: options.address, namespace: options.namespace, controllerTaskQueue: options.taskQueue, env: options.motoEnv, bin: options.agentBin });
  try {
    const pid = agent.child.pid as number;
    const s3 = s3ClientFromEnv(options.motoEnv);
    const bucket = 'gantry-bench';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'revision.tgz', Body: createReadStream(archive), ContentLength: archiveBytes }));

    const getStarted = performance.now();
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'revision.tgz' }));
    for await (const chunk of object.Body as Readable) void chunk;
    const s3GetSeconds = (performance.now() - getStarted) / 1000;

    const revisions: [RevisionRun['source'], RevisionLocation][] = [
      ['Local', { revisionType: 'Local', local: { path: archive, bundleType: 'tgz', sha256: sha256(archive) } }],
      ['S3', { revisionType: 'S3', s3Location: { bucket, key: 'revision.tgz', bundleType: 'tgz' } }],
    ];
    const runs: RevisionRun[] = [];
    for (const [kind, revision] of revisions) {
      rmSync(destination, { recursive: true, force: true });
      const id = await startDeployment(client, { applicationName: 'bench', deploymentGroupName: `revision-${kind}`, revision, targetHosts: [hostId] }, { taskQueue: options.taskQueue });
      await client.workflow.getHandle(id).result();
      const target = await getDeploymentTarget(client, await getDeploymentSummary(client, id), hostId);
      const time = (name: string, end: 'startTime' | 'endTime'): number => Date.parse(target.lifecycleEvents.find((e) => e.lifecycleEventName === name)?.[end] ?? '');
      const seconds = (time('Install', 'endTime') - time('DownloadBundle', 'startTime')) / 1000;
      const downloadBundleSeconds = (time('DownloadBundle', 'endTime') - time('DownloadBundle', 'startTime')) / 1000;
      const installSeconds = (time('Install', 'endTime') - time('Install', 'startTime')) / 1000;
      runs.push({ source: kind, seconds, downloadBundleSeconds, installSeconds, ratioToTar: seconds / tarSeconds });
    }
    const peakRssMiB = processMemoryMiB(pid).peak;
    return { archiveMiB: archiveBytes / 2 ** 20, files, tarSeconds, shellSeconds, s3GetSeconds, runs, peakRssMiB };
  } finally {
    await agent.kill();
  }
}
