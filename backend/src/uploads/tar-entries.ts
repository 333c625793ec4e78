/**
 * Reads the entries of a tar stream (POSIX ustar and pax, GNU long names) one by one, and stops at
 * the end-of-archive marker: nothing after the first zero block is read. Errors are plain Errors
 * whose message says what is wrong with the stream; the caller words them for its reader.
 */

/** Where the tar bytes come from; `read` returns fewer bytes only where the stream ends. */
export interface TarSource {
  read(length: number): Promise<Buffer>;
  skip(length: number): Promise<number>;
}

export type TarEntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hard-link'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** The type flag as the header has it, for naming an entry of an unknown type. */
  typeFlag: string;
  /** Bytes of data the header declares (Infinity when too large to count). */
  size: number;
  /** The entry's data; an entry whose data is not read is passed over. */
  content(): Promise<Buffer>;
}

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'directory',
  '2': 'symlink',
  '1': 'hard-link',
  '3': 'character-device',
  '4': 'block-device',
  '6': 'fifo',
};

export async function* tarEntries(source: TarSource): AsyncGenerator<TarEntry> {
  let longName: string | undefined;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  for (;;) {
    const block = await source.read(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK) throw new Error('it ends inside an entry header');
    if (block.equals(ZERO_BLOCK)) return;
    const header = parseHeader(block);
    const declared = paxSize ?? header.size;
    const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

    if (header.typeFlag === 'x' || header.typeFlag === 'g' || header.typeFlag === 'L') {
      const data = await readExactly(source, header.size, 'an extended header');
      await skipExactly(source, padded(header.size) - header.size);
      if (header.typeFlag === 'x') {
        const records = parsePax(data);
        paxPath = records.get('path') ?? paxPath;
        const size = records.get('size');
        if (size !== undefined) paxSize = parseDecimal(size, 'pax size');
      } else if (header.typeFlag === 'L') {
        longName = cString(data);
      }
      continue;
    }
    if (header.typeFlag === 'K') {
      await skipExactly(source, padded(header.size));
      continue;
    }

    const name = paxPath ?? longName ?? header.name;
    longName = undefined;
    paxPath = undefined;
    paxSize = undefined;
    let read = false;
    const entry: TarEntry = {
      name,
      type: TYPES[header.typeFlag] ?? 'other',
      typeFlag: header.typeFlag,
      size: declared,
      content: async () => {
        read = true;
        const data = await readExactly(source, declared, `entry ${JSON.stringify(name)}`);
        await skipExactly(source, padded(declared) - declared);
        return data;
      },
    };
    yield entry;
    if (!read) await skipExactly(source, padded(declared));
  }
}

interface Header {
  name: string;
  typeFlag: string;
  size: number;
}

function parseHeader(block: Buffer): Header {
  const stored = parseOctal(block.subarray(148, 156));
  if (stored === undefined || !checksumMatches(block, stored)) {
    throw new Error('a header fails its checksum (it is not a tar archive, or it is damaged)');
  }
  const typeFlag = String.fromCharCode(block[156] as number);
  const name = cString(block.subarray(0, 100));
  // POSIX ustar splits long names into a prefix; GNU tar keeps other fields where the prefix is.
  const posix = block.subarray(257, 263).equals(Buffer.from('ustar\0', 'latin1'));
  const prefix = posix ? cString(block.subarray(345, 500)) : '';
  return {
    name: prefix === '' ? name : `${prefix}/${name}`,
    typeFlag,
    size: parseSize(block.subarray(124, 136)),
  };
}

/** Tar checksums sum the header with its checksum field as spaces; old tars summed signed bytes. */
function checksumMatches(block: Buffer, stored: number): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < BLOCK; index += 1) {
    const byte = index >= 148 && index < 156 ? 0x20 : (block[index] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** A size field: octal digits, or big-endian base-256 when the first byte has its high bit set. */
function parseSize(field: Buffer): number {
  const first = field[0] as number;
  if ((first & 0x80) !== 0) {
    if ((first & 0x40) !== 0) throw new Error('a header declares a negative size');
    let size = first & 0x3f;
    for (const byte of field.subarray(1)) size = size * 256 + byte;
    return Number.isSafeInteger(size) ? size : Infinity;
  }
  const size = parseOctal(field);
  if (size === undefined) throw new Error('a header has a size that is not a number');
  return size;
}

function parseOctal(field: Buffer): number | undefined {
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : Infinity;
}

function parseDecimal(text: string, what: string): number {
  if (!/^[0-9]+$/.test(text)) throw new Error(`a ${what} is not a number`);
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : Infinity;
}

/** Pax records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space === -1 ? NaN : Number(data.toString('latin1', offset, space));
    if (!Number.isInteger(length) || length <= space - offset || offset + length > data.length) {
      throw new Error('an extended header has a damaged record');
    }
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? field.length : end);
}

async function readExactly(source: TarSource, length: number, what: string): Promise<Buffer> {
  const data = await source.read(length);
  if (data.length < length) throw new Error(`it ends inside ${what}`);
  return data;
}

async function skipExactly(source: TarSource, length: number): Promise<void> {
  if ((await source.skip(length)) < length) throw new Error('it ends inside an entry');
}
