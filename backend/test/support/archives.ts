import { deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { crc32 } from './crc32';

/** One entry of an archive a test builds; by default a regular file stored deflated. */
export interface ArchiveEntry {
  name: string;
  content?: Buffer | string;
  /** zip: the unix mode in the external attributes (e.g. 0o120777 for a symbolic link). */
  mode?: number;
  /** zip: the size the headers declare, when a test wants them to lie (an archive bomb). */
  declaredSize?: number;
}

/** A zip archive (deflated entries, made on "unix") as zip tools write it. */
export function buildZip(entries: ArchiveEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const content = Buffer.from(entry.content ?? '');
    const compressed = deflateRawSync(content);
    const size = entry.declaredSize ?? content.length;
    const crc = crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
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

/** One entry of a tar archive; `type` and `linkname` as tar-stream names them. */
export interface TarEntry {
  name: string;
  content?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

/** A .tar.gz archive of the entries. */
export async function buildTarGz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = {
      name: entry.name,
      type,
      ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
      ...(type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}),
    };
    if (type === 'file') pack.entry(header, Buffer.from(entry.content ?? ''));
    else pack.entry(header);
  }
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/**
 * One ustar header block declaring `size` bytes of data, as tar tools write it: the size in octal
 * while it fits the field, in GNU base-256 beyond (over 8 GiB).
 */
export function tarHeader(name: string, size: number, typeFlag = '0'): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  if (size < 8 ** 11) {
    block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  } else {
    let rest = BigInt(size);
    for (let index = 135; index > 124; index -= 1) {
      block[index] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    block[124] = 0x80;
  }
  block.write('00000000000\0', 136, 'latin1');
  block.write(typeFlag, 156, 'latin1');
  block.write('ustar\0' + '00', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** A regular file's entry of a tar archive: its header, its bytes, padding to the next block. */
export function tarFile(name: string, content: Buffer | string): Buffer {
  const bytes = Buffer.from(content);
  const padding = (512 - (bytes.length % 512)) % 512;
  return Buffer.concat([tarHeader(name, bytes.length), bytes, Buffer.alloc(padding)]);
}

/** The two zero blocks that end a tar archive. */
export const TAR_END = Buffer.alloc(1024);

const ZERO_MEMBER_BYTES = 16 * 1024 * 1024;
let zeroMember: Buffer | undefined;

/**
 * A gzip stream that inflates to `bytes` zeros (a multiple of 16 MiB) while staying small: one
 * gzip member of 16 MiB of zeros, repeated. Gzip readers inflate concatenated members as one
 * stream, so this is what a tar bomb pads itself with.
 */
export function gzippedZeros(bytes: number): Buffer {
  zeroMember ??= gzipSync(Buffer.alloc(ZERO_MEMBER_BYTES), { level: 9 });
  const member = zeroMember;
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / ZERO_MEMBER_BYTES) }, () => member));
}
