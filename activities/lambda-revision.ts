/**
 * Reads a Lambda deployment's AppSpec (inline AppSpecContent, or an S3 object that is the AppSpec or
 * an archive holding appspec.yaml) and checks it against the functions as they are: the function,
 * both versions and the alias exist, the alias serves CurrentVersion with no other weights, and the
 * validation functions exist. Problems come back as answers with CodeDeploy's error codes, not as
 * failures, so the deployment fails once, naming them.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetAliasCommand, GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import type { LambdaAppSpec, LambdaResolution } from '../workflows/contracts/lambda.js';
import type { RevisionLocation } from '../workflows/contracts/revision.js';
import { describeRevision } from '../workflows/contracts/revision.js';
import { parseLambdaAppSpec } from './lambda-appspec.js';
import { aliasRoutingOf, isNotFound } from './lambda-alias.js';

/** A Lambda revision is an AppSpec of a few hundred bytes; an archive holding one is kept small too. */
const MAX_LAMBDA_REVISION_BYTES = 16 * 1024 * 1024;
const APPSPEC_NAMES = ['appspec.yaml', 'appspec.yml', 'appspec.json'];

class RevisionProblem extends Error {}

export async function resolveLambdaRevision(clients: { s3: () => S3Client; lambda: () => LambdaClient }, revision: RevisionLocation): Promise<LambdaResolution> {
  let text: string;
  try {
    text = await appSpecText(clients.s3, revision);
  } catch (err) {
    if (err instanceof RevisionProblem) return { ok: false, code: 'INVALID_REVISION', message: err.message };
    throw err;
  }
  const parsed = parseLambdaAppSpec(text);
  if (!parsed.ok) return { ok: false, code: 'INVALID_REVISION', message: `The AppSpec of ${describeRevision(revision)} is not valid: ${parsed.problems.join('; ')}` };
  return checkFunctions(clients.lambda(), parsed.appSpec);
}

async function appSpecText(s3: () => S3Client, revision: RevisionLocation): Promise<string> {
  if (revision.revisionType === 'AppSpecContent') {
    const { content, sha256 } = revision.appSpecContent;
    const actual = createHash('sha256').update(content, 'utf8').digest('hex');
    if (sha256 !== undefined && sha256 !== actual) throw new RevisionProblem(`the AppSpecContent's SHA-256 is ${actual}, not the ${sha256} the revision gives`);
    return content;
  }
  if (revision.revisionType !== 'S3') throw new RevisionProblem(`a Lambda revision is S3 or AppSpecContent; got ${revision.revisionType}`);
  const { bucket, key, version, eTag, bundleType } = revision.s3Location;
  let body: Buffer;
  try {
    const object = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: version, IfMatch: eTag }));
    if ((object.ContentLength ?? 0) > MAX_LAMBDA_REVISION_BYTES) throw new RevisionProblem(`${describeRevision(revision)} is ${object.ContentLength} bytes; a Lambda revision is at most ${MAX_LAMBDA_REVISION_BYTES}`);
    body = Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } catch (err) {
    if (err instanceof RevisionProblem) throw err;
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403 || status === 412) throw new RevisionProblem(`${describeRevision(revision)} cannot be read (${(err as Error).name}, HTTP ${status})`);
    throw err;
  }
  if (bundleType === 'YAML' || bundleType === 'JSON') return body.toString('utf8');
  const found = bundleType === 'zip' ? await fromZip(body) : await fromTar(body, bundleType === 'tgz');
  if (found === undefined) throw new RevisionProblem(`${describeRevision(revision)} holds no appspec.yaml at its top level`);
  return found;
}

/** The AppSpec at the top of a tar or tgz archive. */
async function fromTar(body: Buffer, gzip: boolean): Promise<string | undefined> {
  const files = new Map<string, string>();
  let tar: Buffer;
  try {
    tar = gzip ? gunzipSync(body, { maxOutputLength: MAX_LAMBDA_REVISION_BYTES }) : body;
  } catch (err) {
    throw new RevisionProblem(`the tgz archive cannot be read: ${(err as Error).message}`);
  }
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      const name = entry.path.replace(/^\.\//, '');
      if (entry.type !== 'File' || !APPSPEC_NAMES.includes(name)) return void entry.resume();
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => files.set(name, Buffer.concat(chunks).toString('utf8')));
    });
    parser.on('error', (err: Error) => reject(new RevisionProblem(`the tar archive cannot be read: ${err.message}`)));
    parser.on('end', () => resolve());
    parser.end(tar);
  });
  return APPSPEC_NAMES.map((n) => files.get(n)).find((t) => t !== undefined);
}

/** The AppSpec at the top of a zip archive. */
async function fromZip(body: Buffer): Promise<string | undefined> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(body, { lazyEntries: true }, (err, file) => (err || !file ? reject(new RevisionProblem(`the zip archive cannot be read: ${err?.message ?? 'no entries'}`)) : resolve(file))),
  );
  const files = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!APPSPEC_NAMES.includes(entry.fileName)) return void zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(new RevisionProblem(`${entry.fileName} cannot be read from the zip archive: ${err?.message ?? ''}`));
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
          zip.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: Error) => reject(new RevisionProblem(`the zip archive cannot be read: ${err.message}`)));
    zip.readEntry();
  });
  return APPSPEC_NAMES.map((n) => files.get(n)).find((t) => t !== undefined);
}

/** The function, its versions, its alias and the validation functions, as Lambda has them now. */
async function checkFunctions(lambda: LambdaClient, appSpec: LambdaAppSpec): Promise<LambdaResolution> {
  const { functionName, alias, currentVersion, targetVersion } = appSpec;
  const exists = async (name: string, qualifier?: string): Promise<boolean> => {
    try {
      await lambda.send(new GetFunctionCommand({ FunctionName: name, ...(qualifier ? { Qualifier: qualifier } : {}) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  if (!(await exists(functionName))) return { ok: false, code: 'INVALID_LAMBDA_FUNCTION', message: `Lambda function ${functionName} does not exist (Resources: ${appSpec.logicalName})` };
  for (const [label, v] of [['CurrentVersion', currentVersion], ['TargetVersion', targetVersion]] as const) {
    if (!(await exists(functionName, v))) return { ok: false, code: 'INVALID_LAMBDA_CONFIGURATION', message: `${label} ${v} of Lambda function ${functionName} does not exist: publish it first (aws lambda publish-version)` };
  }
  let routing;
  try {
    routing = aliasRoutingOf(await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })));
  } catch (err) {
    if (isNotFound(err)) return { ok: false, code: 'INVALID_LAMBDA_CONFIGURATION', message: `alias ${alias} of Lambda function ${functionName} does not exist` };
    throw err;
  }
  if (routing.functionVersion !== currentVersion) {
    return { ok: false, code: 'INVALID_LAMBDA_CONFIGURATION', message: `alias ${alias} of ${functionName} points at version ${routing.functionVersion}, not at CurrentVersion ${currentVersion}: the AppSpec's CurrentVersion must be the version the alias serves now` };
  }
  const others = Object.entries(routing.additionalVersionWeights).filter(([, weight]) => weight > 0);
  if (others.length > 0) {
    return { ok: false, code: 'INVALID_LAMBDA_CONFIGURATION', message: `alias ${alias} of ${functionName} already sends traffic to ${others.map(([v, w]) => `version ${v} (${Math.round(w * 100)}%)`).join(', ')}: finish or undo that shift first` };
  }
  for (const [event, hook] of Object.entries(appSpec.hooks)) {
    if (!(await exists(hook))) return { ok: false, code: 'INVALID_LAMBDA_FUNCTION', message: `the ${event} validation function ${hook} does not exist` };
  }
  return { ok: true, appSpec, routing };
}
