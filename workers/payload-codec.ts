/**
 * Gantry's optional payload codec: AES-256-GCM over every payload (workflow inputs and results,
 * heartbeat details, failure details and messages, memos, the UI's summaries), with keys chosen by ID
 * so a key can be rotated without losing what older keys encrypted.
 *
 * Keys: `GANTRY_CODEC_KEY_FILE` (or `--codec-key-file`) names a file of `ID:BASE64` lines, or
 * `GANTRY_CODEC_KEYS` holds the same lines separated by commas. Each key is 32 random bytes in base64
 * (`openssl rand -base64 32`). The first key encrypts; every key decrypts. To rotate, put the new key
 * first and keep the old ones below it for as long as histories they encrypted are kept.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { MODULE_EXTENSION } from './tools.js';

const { temporal } = proto;

/** The payload encoding of encrypted payloads (the name Temporal's samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A problem with the codec's keys, named for the operator (where they came from and what is wrong). */
export class CodecKeyError extends Error {
  override readonly name = 'CodecKeyError';
}

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** Parses `ID:BASE64` entries (one per line or comma-separated; `#` starts a comment). `source` names them in errors. */
export function parseCodecKeys(text: string, source: string): CodecKey[] {
  const keys: CodecKey[] = [];
  const entries = text
    .split(/[\n,]/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw new CodecKeyError(`${source}: each key is ID:BASE64, the ID 1-64 letters, digits, '.', '_' or '-'; got ${JSON.stringify(entry.length > 12 ? `${entry.slice(0, 12)}…` : entry)}`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
      throw new CodecKeyError(`${source}: key ${id} must be 32 bytes in base64 (openssl rand -base64 32); it decodes to ${key.length} bytes`);
    }
    if (keys.some((k) => k.id === id)) throw new CodecKeyError(`${source}: key ${id} is given twice`);
    keys.push({ id, key });
  }
  if (keys.length === 0) throw new CodecKeyError(`${source}: no keys (expected ID:BASE64 lines; the first encrypts)`);
  return keys;
}

/** Reads a key file, refusing one that other users can read (as ssh refuses a private key). */
export function readCodecKeyFile(path: string): CodecKey[] {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CodecKeyError(`codec key file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) throw new CodecKeyError(`codec key file ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  return parseCodecKeys(text, `codec key file ${path}`);
}

/** The codec's keys from `--codec-key-file`, `GANTRY_CODEC_KEY_FILE` or `GANTRY_CODEC_KEYS`; undefined when none is set. */
export function codecKeysFromSettings(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): CodecKey[] | undefined {
  const file = keyFile ?? env.GANTRY_CODEC_KEY_FILE;
  const inline = env.GANTRY_CODEC_KEYS;
  if (file && inline && !keyFile) throw new CodecKeyError('GANTRY_CODEC_KEY_FILE and GANTRY_CODEC_KEYS are both set: give the keys one way');
  if (file) return readCodecKeyFile(file);
  if (inline) return parseCodecKeys(inline, 'GANTRY_CODEC_KEYS');
  return undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** AES-256-GCM with the first key; decrypts with whichever key a payload names. Unencrypted payloads pass through. */
export class EncryptingCodec implements PayloadCodec {
  readonly keys: readonly CodecKey[];

  constructor(keys: readonly CodecKey[]) {
    if (keys.length === 0) throw new CodecKeyError('the payload codec needs at least one key');
    this.keys = keys;
  }

  /** The key that encrypts. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key ID is authenticated with the data, so a payload cannot be relabelled to another key.
      cipher.setAAD(Buffer.from(id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload; // written before encryption was on
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? decoder.decode(idBytes) : '';
      const key = this.keys.find((k) => k.id === id);
      if (!key) throw new CodecKeyError(`a payload is encrypted with key ${JSON.stringify(id)}, which is not among the codec's keys (${this.keys.map((k) => k.id).join(', ')}): add it back (below the current key) to read it`);
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new CodecKeyError(`a payload encrypted with key ${id} is truncated (${data.length} bytes)`);
      const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new CodecKeyError(`a payload encrypted with key ${id} does not authenticate: the key's bytes differ from those that encrypted it, or the payload was altered`);
      }
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }

  /**
   * What a deployment's `GantryRevision` search attribute holds under encryption: a keyed digest of
   * the revision's description (search attributes are indexed by the server, so they cannot be
   * encrypted). Equal revisions give equal digests under one key, so `--revision` filters still work.
   */
  revisionDigest(description: string, key: CodecKey = this.keys[0]!): string {
    const digestKey = Buffer.from(hkdfSync('sha256', key.key, Buffer.alloc(0), 'gantry revision search attribute', 32));
    return `hmac-${key.id}-${createHmac('sha256', digestKey).update(description).digest('base64url').slice(0, 32)}`;
  }

  /** The digests the revision may carry: one per key, for deployments started before a rotation. */
  revisionDigests(description: string): string[] {
    return this.keys.map((key) => this.revisionDigest(description, key));
  }
}

const require = createRequire(import.meta.url);

/**
 * The data converter of every Gantry client and worker when the codec is on: failures' messages and
 * stack traces go into their (encrypted) encoded attributes, as the workflow bundle's converter does too.
 */
export function encryptingDataConverter(codec: EncryptingCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: require.resolve(`./encoded-failures${MODULE_EXTENSION}`) };
}

/** The codec a client or worker encrypts with, if any (clients made from a worker carry its converter). */
export function encryptingCodecOf(dataConverter: { payloadCodecs?: readonly PayloadCodec[] } | undefined): EncryptingCodec | undefined {
  return dataConverter?.payloadCodecs?.find((c): c is EncryptingCodec => c instanceof EncryptingCodec);
}

/** What a deployment started through `client` puts in `GantryRevision`: the digest when the client encrypts, else nothing to override. */
export function revisionAttributeFor(client: { options: { loadedDataConverter: { payloadCodecs?: readonly PayloadCodec[] } } }, description: string): string | undefined {
  return encryptingCodecOf(client.options.loadedDataConverter)?.revisionDigest(description);
}

/** The `GantryRevision` values a revision may be stored under, seen from `client`: its description, or one digest per key. */
export function revisionAttributeValues(client: { options: { loadedDataConverter: { payloadCodecs?: readonly PayloadCodec[] } } }, description: string): string[] {
  return encryptingCodecOf(client.options.loadedDataConverter)?.revisionDigests(description) ?? [description];
}

/** The codec's keys as text (base64), for loggers to mask. */
export function codecKeyTexts(dataConverter: { payloadCodecs?: readonly PayloadCodec[] } | undefined): string[] {
  return encryptingCodecOf(dataConverter)?.keys.map((k) => k.key.toString('base64')) ?? [];
}
