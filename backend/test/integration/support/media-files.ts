import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { crc32 } from '../../support/crc32';

/** Files a scene can be sent with, made here, and ffprobe/ffmpeg to look at what came back. */

const run = promisify(execFile);

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG, left half `left` and right half `right`. */
export function twoColourPng(
  width: number,
  height: number,
  left: [number, number, number],
  right: [number, number, number],
): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = x < width / 2 ? left : right;
      row.set([r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A mono 16-bit WAV file of a sine tone. */
export function wavTone(seconds: number, frequency = 440, rate = 22050): Buffer {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) {
    data.writeInt16LE(
      Math.round(8000 * Math.sin((2 * Math.PI * frequency * index) / rate)),
      index * 2,
    );
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * A font whose family exists nowhere but in this file: DejaVu Sans Mono from the render image,
 * renamed in its name table (same length, so nothing else moves) to `Manim Asset Mono`.
 */
export async function renamedMonoFont(image: string): Promise<Buffer> {
  const docker = new Docker();
  const container = await docker.createContainer({ Image: image, Cmd: ['true'] });
  try {
    const archive = await container.getArchive({
      path: '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
    });
    const font = await firstFileOf(archive);
    return renameFamily(font, 'DejaVu Sans Mono', ASSET_FONT_FAMILY);
  } finally {
    await container.remove({ force: true });
  }
}

export const ASSET_FONT_FAMILY = 'Manim Asset Mono';

function renameFamily(font: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('the new family name must be as long as the old');
  const renamed = Buffer.from(font);
  for (const encoding of ['latin1', 'utf16le'] as const) {
    const find = encode(from, encoding);
    const replace = encode(to, encoding);
    let at = renamed.indexOf(find);
    while (at !== -1) {
      replace.copy(renamed, at);
      at = renamed.indexOf(find, at + find.length);
    }
  }
  return renamed;
}

/** Name table strings are Latin-1 (Mac) or UTF-16 big-endian (Windows, Unicode). */
function encode(text: string, encoding: 'latin1' | 'utf16le'): Buffer {
  const buffer = Buffer.from(text, encoding);
  if (encoding === 'utf16le') buffer.swap16();
  return buffer;
}

function firstFileOf(archive: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let found: Buffer | undefined;
    extract.on('entry', (_header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        found ??= Buffer.concat(chunks);
        next();
      });
    });
    extract.on('finish', () => (found ? resolve(found) : reject(new Error('empty archive'))));
    extract.on('error', reject);
    archive.pipe(extract);
  });
}

export interface MediaProbe {
  formatName: string;
  durationSeconds: number;
  streams: Array<{ codecType: string; codecName: string; width?: number; height?: number }>;
}

/** What ffprobe says about a media file. */
export async function probeMedia(file: string): Promise<MediaProbe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=format_name,duration:stream=codec_type,codec_name,width,height',
    '-of',
    'json',
    file,
  ]);
  const parsed = JSON.parse(stdout) as {
    format: { format_name: string; duration?: string };
    streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
  };
  return {
    formatName: parsed.format.format_name,
    durationSeconds: Number(parsed.format.duration ?? 0),
    streams: parsed.streams.map((stream) => ({
      codecType: stream.codec_type,
      codecName: stream.codec_name,
      ...(stream.width === undefined ? {} : { width: stream.width, height: stream.height }),
    })),
  };
}

/** The last frame of a video, or an image, as 8-bit grey pixels, row after row. */
export async function greyPixels(
  file: string,
  size: { width: number; height: number },
): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-sseof',
      '-0.1',
      '-i',
      file,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  ).catch(() =>
    // An image has no end to seek from.
    run(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      {
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
      },
    ),
  );
  if (stdout.length !== size.width * size.height) {
    throw new Error(
      `expected ${size.width}x${size.height} grey pixels, got ${stdout.length} bytes`,
    );
  }
  return stdout;
}

/**
 * `ffmpeg -f framemd5` of a media file: one line per decoded frame of every stream (its stream,
 * timestamps, size and the MD5 of its data), header comments left out.
 */
export async function frameMd5(file: string): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'framemd5', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}
