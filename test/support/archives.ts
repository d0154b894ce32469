/**
 * Builds tar and zip archives byte by byte, so tests can make the hostile ones (`../` names, links
 * out of the tree, device files) that well-behaved archivers refuse to write.
 */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

export interface ArchiveEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';
  body?: string | Buffer;
  /** Target of a symlink or hard link. */
  link?: string;
  mode?: number;
  /** tar: a raw type flag instead of `type` (GNU sparse 'S', volume 'V', anything unknown). */
  typeFlag?: string;
  /** zip: raw Unix file-type bits for the external attributes (a socket, say). */
  zipFileType?: number;
  /** zip: store the body deflated. */
  deflate?: boolean;
  /** zip: the uncompressed size the headers declare, when it should lie. */
  declaredSize?: number;
  /** tar: the owner and group recorded (default 0). */
  uid?: number;
  gid?: number;
}

const TAR_TYPE_FLAGS = { file: '0', hardlink: '1', symlink: '2', chardev: '3', dir: '5', fifo: '6' } as const;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(entry: ArchiveEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  let name = entry.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const type = entry.type ?? 'file';
  header.write(name, 0, 100);
  header.write(octal(entry.mode ?? (type === 'dir' ? 0o755 : 0o644), 8), 100);
  header.write(octal(entry.uid ?? 0, 8), 108);
  header.write(octal(entry.gid ?? 0, 8), 116);
  header.write(octal(size, 12), 124);
  header.write(octal(1_700_000_000, 12), 136);
  header.write('        ', 148);
  header.write(entry.typeFlag ?? TAR_TYPE_FLAGS[type], 156);
  header.write(entry.link ?? '', 157, 100);
  header.write('ustar\u000000', 257);
  header.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

/** A ustar archive of the entries, in order. */
export function tarArchive(entries: readonly ArchiveEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    blocks.push(tarHeader(entry, body.length));
    if (body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tgzArchive(entries: readonly ArchiveEntry[]): Buffer {
  return gzipSync(tarArchive(entries));
}

const ZIP_MODE_TYPES = { file: 0o100000, dir: 0o040000, symlink: 0o120000, chardev: 0o020000, fifo: 0o010000, hardlink: 0o100000 } as const;

/** CRC, compressed and uncompressed size and name length: the same run in both zip headers. */
function writeSizes(header: Buffer, at: number, crc: number, compressed: number, size: number, nameLength: number): void {
  header.writeUInt32LE(crc, at);
  header.writeUInt32LE(compressed, at + 4);
  header.writeUInt32LE(size, at + 8);
  header.writeUInt16LE(nameLength, at + 12);
}

/** Sets a general-purpose flag bit (1: traditional encryption) in every local and central header of a zip. */
export function setZipFlag(zip: Buffer, bit: number): Buffer {
  for (let i = 0; i + 4 <= zip.length; i += 1) {
    const signature = zip.readUInt32LE(i);
    if (signature === 0x04034b50) zip.writeUInt16LE(zip.readUInt16LE(i + 6) | bit, i + 6);
    if (signature === 0x02014b50) zip.writeUInt16LE(zip.readUInt16LE(i + 8) | bit, i + 8);
  }
  return zip;
}

/** Recomputes a ustar header's checksum after a test changed one of its bytes. */
export function fixTarChecksum(archive: Buffer, offset: number): void {
  archive.write('        ', offset + 148);
  let sum = 0;
  for (let i = 0; i < 512; i += 1) sum += archive[offset + i] as number;
  archive.write(`${sum.toString(8).padStart(6, '0')}\0 `, offset + 148);
}

/** A zip archive (stored, no compression) with Unix modes in the external attributes. */
export function zipArchive(entries: readonly ArchiveEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const name = Buffer.from(type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name);
    const plain = Buffer.from(type === 'symlink' ? (entry.link ?? '') : (entry.body ?? ''));
    const crc = crc32(plain);
    const body = entry.deflate ? deflateRawSync(plain) : plain;
    const method = entry.deflate ? 8 : 0;
    const size = entry.declaredSize ?? plain.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    writeSizes(local, 14, crc, body.length, size, name.length);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    writeSizes(central, 16, crc, body.length, size, name.length);
    const mode = (entry.zipFileType ?? ZIP_MODE_TYPES[type]) | (entry.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644));
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
