/** Reads what a test needs to know about an MP4 file: brand, duration and video tracks. */
export interface Mp4Summary {
  majorBrand: string;
  durationSeconds: number;
  videoTracks: Array<{ width: number; height: number }>;
}

interface Box {
  type: string;
  content: Buffer;
}

function readBoxes(buffer: Buffer): Box[] {
  const boxes: Box[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    let size = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buffer.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = buffer.length - offset;
    }
    if (size < header || offset + size > buffer.length) break;
    boxes.push({ type, content: buffer.subarray(offset + header, offset + size) });
    offset += size;
  }
  return boxes;
}

function child(box: Box | undefined, type: string): Box | undefined {
  return box ? readBoxes(box.content).find((candidate) => candidate.type === type) : undefined;
}

export function inspectMp4(file: Buffer): Mp4Summary {
  const top = readBoxes(file);
  const ftyp = top.find((box) => box.type === 'ftyp');
  const moov = top.find((box) => box.type === 'moov');
  if (!ftyp || !moov)
    throw new Error(`not an MP4 file: top-level boxes ${top.map((box) => box.type).join(',')}`);
  const mvhd = child(moov, 'mvhd');
  if (!mvhd) throw new Error('MP4 has no mvhd box');
  const version = mvhd.content.readUInt8(0);
  const timescale = version === 1 ? mvhd.content.readUInt32BE(20) : mvhd.content.readUInt32BE(12);
  const duration =
    version === 1 ? Number(mvhd.content.readBigUInt64BE(24)) : mvhd.content.readUInt32BE(16);
  const videoTracks = readBoxes(moov.content)
    .filter((box) => box.type === 'trak')
    .filter(
      (trak) => child(child(trak, 'mdia'), 'hdlr')?.content.toString('latin1', 8, 12) === 'vide',
    )
    .map((trak) => {
      const tkhd = child(trak, 'tkhd');
      if (!tkhd) throw new Error('video track has no tkhd box');
      const at = tkhd.content.readUInt8(0) === 1 ? 88 : 76;
      return {
        width: tkhd.content.readUInt32BE(at) / 65536,
        height: tkhd.content.readUInt32BE(at + 4) / 65536,
      };
    });
  return {
    majorBrand: ftyp.content.toString('latin1', 0, 4),
    durationSeconds: duration / timescale,
    videoTracks,
  };
}
