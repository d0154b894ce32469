import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { failureConverter } from '../../../workers/encoded-failures.js';
import { serveCodec } from '../../../workers/codec-server.js';
import type { HttpEndpoint } from '../../../workers/http-endpoint.js';
import { CodecKeyError, codecKeysFromSettings, EncryptingCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, parseCodecKeys, readCodecKeyFile } from '../../../workers/payload-codec.js';
import { scratchDir } from '../../support/harness.js';

const line = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');
const json = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

describe('the payload codec', () => {
  const k1 = line('k1');
  const k2 = line('k2');

  it('encrypts with the first key, names it, and decrypts back to the same payload', async () => {
    const codec = new EncryptingCodec(parseCodecKeys(`${k1}\n${k2}`, 'test'));
    const original = json({ revision: 's3://bucket/confidential.tgz' });
    const [sealed] = await codec.encode([original]);
    expect(text(sealed?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed?.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(text(sealed?.data)).not.toContain('confidential');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ revision: 's3://bucket/confidential.tgz' });
    // A fresh IV each time: equal payloads do not give equal ciphertexts.
    const [again] = await codec.encode([original]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  it('keeps reading what a rotated-out key encrypted, and names a key it no longer has', async () => {
    const before = new EncryptingCodec(parseCodecKeys(k1, 'test'));
    const [old] = await before.encode([json('from before the rotation')]);
    const rotated = new EncryptingCodec(parseCodecKeys(`${k2}\n${k1}`, 'test'));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toBe('from before the rotation');
    expect(text((await rotated.encode([json('new')]))[0]?.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const withoutK1 = new EncryptingCodec(parseCodecKeys(k2, 'test'));
    await expect(withoutK1.decode([old!])).rejects.toThrow(/encrypted with key "k1", which is not among the codec's keys \(k2\)/);
  });

  it('passes payloads written before encryption was on through unchanged', async () => {
    const codec = new EncryptingCodec(parseCodecKeys(k1, 'test'));
    const plain = json({ written: 'before' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses a payload that was altered, or relabelled to another key', async () => {
    const codec = new EncryptingCodec(parseCodecKeys(`${k1}\n${k2}`, 'test'));
    const [sealed] = await codec.encode([json('intact')]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/does not authenticate/);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/key k2 does not authenticate/);
    await expect(codec.decode([{ ...sealed!, data: Buffer.alloc(5) }])).rejects.toThrow(/truncated/);
  });

  it('digests a revision with a key, stably, and gives one digest per key', () => {
    const codec = new EncryptingCodec(parseCodecKeys(`${k1}\n${k2}`, 'test'));
    const digest = codec.revisionDigest('s3://bucket/app.tgz');
    expect(digest).toMatch(/^hmac-k1-[A-Za-z0-9_-]{32}$/);
    expect(codec.revisionDigest('s3://bucket/app.tgz')).toBe(digest);
    expect(codec.revisionDigest('s3://bucket/other.tgz')).not.toBe(digest);
    const digests = codec.revisionDigests('s3://bucket/app.tgz');
    expect(digests).toHaveLength(2);
    expect(digests[0]).toBe(digest);
    expect(digests[1]).toMatch(/^hmac-k2-/);
    expect(digests[0]).not.toContain('bucket');
  });

  it('puts a failure message and stack trace into its encoded (encrypted) attributes', () => {
    const failure = failureConverter.errorToFailure(ApplicationFailure.create({ message: 'hook printed db-password=hunter2' }), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(text(failure.encodedAttributes?.data)).toContain('hunter2');
  });
});

describe('the codec keys', () => {
  const dir = scratchDir('codec-keys');

  it('names each problem with a key list', () => {
    expect(() => parseCodecKeys('', 'GANTRY_CODEC_KEYS')).toThrow(/GANTRY_CODEC_KEYS: no keys/);
    expect(() => parseCodecKeys('no-colon-here', 'src')).toThrow(/each key is ID:BASE64/);
    expect(() => parseCodecKeys('bad id:AAAA', 'src')).toThrow(/each key is ID:BASE64/);
    expect(() => parseCodecKeys(`k1:${randomBytes(16).toString('base64')}`, 'src')).toThrow(/key k1 must be 32 bytes in base64 .* decodes to 16 bytes/);
    expect(() => parseCodecKeys(`k1:not base64 at all!!`, 'src')).toThrow(/key k1 must be 32 bytes/);
    const k = line('k1');
    expect(() => parseCodecKeys(`${k}\n${k}`, 'src')).toThrow(/key k1 is given twice/);
    expect(parseCodecKeys(`# the current key first\n${line('k2')}  # new\n\n${line('k1')}`, 'src').map((key) => key.id)).toEqual(['k2', 'k1']);
    expect(parseCodecKeys(`${line('a')},${line('b')}`, 'src').map((key) => key.id)).toEqual(['a', 'b']);
  });

  it('reads a key file only when other users cannot', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, `${line('k1')}\n`);
    chmodSync(file, 0o644);
    expect(() => readCodecKeyFile(file)).toThrow(/can be read by other users \(mode 644\): chmod 600 it/);
    chmodSync(file, 0o600);
    expect(readCodecKeyFile(file).map((key) => key.id)).toEqual(['k1']);
    expect(() => readCodecKeyFile(join(dir, 'missing'))).toThrow(CodecKeyError);
    expect(() => readCodecKeyFile(join(dir, 'missing'))).toThrow(/does not exist/);
  });

  it('takes keys from the flag, the file variable or the inline variable, and refuses both variables at once', () => {
    const file = join(dir, 'env-keys');
    writeFileSync(file, `${line('from-file')}\n`, { mode: 0o600 });
    expect(codecKeysFromSettings(undefined, {})).toBeUndefined();
    expect(codecKeysFromSettings(undefined, { GANTRY_CODEC_KEY_FILE: file })?.[0]?.id).toBe('from-file');
    expect(codecKeysFromSettings(undefined, { GANTRY_CODEC_KEYS: line('inline') })?.[0]?.id).toBe('inline');
    expect(() => codecKeysFromSettings(undefined, { GANTRY_CODEC_KEY_FILE: file, GANTRY_CODEC_KEYS: line('inline') })).toThrow(/both set/);
    // The flag wins over the environment.
    expect(codecKeysFromSettings(file, { GANTRY_CODEC_KEYS: line('inline') })?.[0]?.id).toBe('from-file');
  });
});

describe('the codec server', () => {
  let server: HttpEndpoint;
  const codec = new EncryptingCodec(parseCodecKeys(line('k1'), 'test'));
  const wire = (payload: Payload) => ({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: 'Bearer sesame' }) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    server = await serveCodec(codec, { token: 'sesame', allowOrigins: ['http://localhost:8233'] });
  });
  afterAll(() => server?.close());

  it('decodes what the codec encrypted, and encodes what it is given, at / and under a namespace', async () => {
    const [sealed] = await codec.encode([json({ log: 'secret line' })]);
    const decoded = await post('/default/decode', { payloads: [wire(sealed!)] });
    expect(decoded.status).toBe(200);
    const body = (await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString())).toEqual({ log: 'secret line' });

    const encoded = (await (await post('/encode', { payloads: body.payloads })).json()) as typeof body;
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString('latin1')).not.toContain('secret line');
  });

  it('refuses a request without its token, a bad body, another path or method, and a key it lacks', async () => {
    expect((await post('/decode', { payloads: [] }, {})).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { authorization: 'Bearer wrong' })).status).toBe(401);
    const bad = await post('/decode', 'not json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/not JSON/);
    expect((await post('/decode', { payload: [] })).status).toBe(400);
    expect((await post('/history', { payloads: [] })).status).toBe(404);
    expect((await fetch(`${server.url}/decode`, { headers: { authorization: 'Bearer sesame' } })).status).toBe(405);
    const other = new EncryptingCodec(parseCodecKeys(line('k9'), 'test'));
    const [foreign] = await other.encode([json('x')]);
    const refused = await post('/decode', { payloads: [wire(foreign!)] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/key "k9"/);
  });

  it('answers a browser preflight from an allowed origin only', async () => {
    const preflight = (origin: string) => fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    const allowed = await preflight('http://localhost:8233');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
