// A zip reader and writer for STORED (uncompressed) entries: what torch.save writes, and all it
// needs. The writer lays an archive out byte for byte as PyTorch's PyTorchStreamWriter (miniz)
// does: 64-byte aligned data via an 'FB' padding extra field, data descriptors, zip64 end records.
// Leaves out compression, encryption, multi-disk archives and zip64 entries (files over 4 GiB):
// the reader refuses them by name. Every offset and size is checked before it is used.
// ref: PKWARE APPNOTE.TXT 6.3.10; pytorch caffe2/serialize/inline_container.cc (getPadding)
import { crc32 } from './crc32.ts';

/** A problem with a zip archive's bytes; `message` names it (the caller adds the file's name). */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  name: string;
  /** The entry's bytes: a view into the archive, not a copy. */
  data: Uint8Array;
}

const LOCAL = 0x04034b50, CENTRAL = 0x02014b50, END = 0x06054b50;
const END64 = 0x06064b50, LOCATOR64 = 0x07064b50, DESCRIPTOR = 0x08074b50;
const MAX_ENTRIES = 1 << 16;

/** CRC-32 of `b` (the checksum every zip entry carries), as an unsigned 32-bit number. */
export const zipCrc32 = (b: Uint8Array): number => crc32(b);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The entries of a zip archive, in central directory order, each checked: stored (not
 * compressed), inside the file, not overlapping the directory, CRC-32 matching.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const n = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => dv.getUint16(at, true), u32 = (at: number) => dv.getUint32(at, true);
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  let end = -1;
  for (let at = n - 22; at >= 0 && at >= n - 22 - 0xffff; at--) {
    if (u32(at) === END && at + 22 + u16(at + 20) === n) { end = at; break; }
  }
  if (end < 0) throw new ZipError(n < 22 ? `is ${n} bytes, too short for a zip archive` : 'has no zip end record: the file is truncated or not a zip archive');
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0) throw new ZipError('is a multi-disk zip archive, which is not supported');
  let count = u16(end + 10), dirSize = u32(end + 12), dirStart = u32(end + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirStart === 0xffffffff) {
    // zip64: the real values are in the zip64 end record, which the locator before `end` points to.
    if (end < 20 || u32(end - 20) !== LOCATOR64) throw new ZipError('says it is zip64 but has no zip64 locator: the file is damaged');
    const at64 = Number(dv.getBigUint64(end - 20 + 8, true));
    if (at64 > end - 20 - 56 || u32(at64) !== END64) throw new ZipError('has a zip64 locator that points to no zip64 end record: the file is damaged');
    const c64 = dv.getBigUint64(at64 + 32, true), s64 = dv.getBigUint64(at64 + 40, true), o64 = dv.getBigUint64(at64 + 48, true);
    if (c64 > BigInt(MAX_ENTRIES) || s64 > BigInt(n) || o64 > BigInt(n)) throw new ZipError(`has a zip64 end record with impossible sizes (${c64} entries, directory of ${s64} bytes at ${o64}) for a ${n}-byte file`);
    count = Number(c64); dirSize = Number(s64); dirStart = Number(o64);
  }
  if (dirStart + dirSize > end) throw new ZipError(`has its directory at bytes ${dirStart}..${dirStart + dirSize}, past its end record at ${end}: the file is truncated or damaged`);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let at = dirStart, claimed = 0;
  const ranges: { what: string; local: number; end: number; crc: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > dirStart + dirSize || u32(at) !== CENTRAL) throw new ZipError(`directory entry ${i} of ${count} is missing or damaged`);
    const flags = u16(at + 8), method = u16(at + 10), crc = u32(at + 16);
    const csize = u32(at + 20), size = u32(at + 24), nameLen = u16(at + 28), extraLen = u16(at + 30), commentLen = u16(at + 32);
    const local = u32(at + 42);
    if (at + 46 + nameLen > dirStart + dirSize) throw new ZipError(`directory entry ${i}'s name runs past the directory: the file is damaged`);
    let name: string;
    try { name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLen)); } catch { throw new ZipError(`directory entry ${i}'s name is not valid UTF-8: the file is damaged`); }
    const what = `zip entry ${JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name)}`;
    if (flags & 1) throw new ZipError(`${what} is encrypted, which is not supported`);
    if (method !== 0) throw new ZipError(`${what} is compressed (method ${method}); only stored entries are read, as torch.save writes them: re-save the file with torch.save`);
    if (csize === 0xffffffff || size === 0xffffffff || local === 0xffffffff) throw new ZipError(`${what} is a zip64 entry (over 4 GiB), which is not supported`);
    if (csize !== size) throw new ZipError(`${what} is stored but its sizes differ (${csize} and ${size}): the file is damaged`);
    if (seen.has(name)) throw new ZipError(`has two entries named ${JSON.stringify(name)}: the file is damaged`);
    seen.add(name);
    if (local + 30 > dirStart || u32(local) !== LOCAL) throw new ZipError(`${what} points to byte ${local}, where no local header is: the file is truncated or damaged`);
    if (u16(local + 26) !== nameLen) throw new ZipError(`${what}'s local header names it differently: the file is damaged`);
    const dataStart = local + 30 + nameLen + u16(local + 28);
    if (dataStart + size > dirStart) throw new ZipError(`${what} says it holds ${size} bytes from byte ${dataStart}, past the start of the directory at ${dirStart}: the file is truncated or damaged`);
    // Entries may not share bytes: n entries over one block would cost n reads of it (a zip bomb).
    claimed += dataStart - local + size;
    if (claimed > dirStart) throw new ZipError(`${what} overlaps other entries (they claim ${claimed} bytes before the directory at ${dirStart}): the file is damaged`);
    ranges.push({ what, local, end: dataStart + size, crc });
    entries.push({ name, data: bytes.subarray(dataStart, dataStart + size) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  const sorted = [...ranges].sort((a, b) => a.local - b.local);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].local < sorted[i - 1].end) throw new ZipError(`${sorted[i].what} overlaps ${sorted[i - 1].what}: the file is damaged`);
  }
  entries.forEach((e, i) => {
    if (zipCrc32(e.data) !== ranges[i].crc) throw new ZipError(`${ranges[i].what} is damaged: its CRC-32 does not match its bytes`);
  });
  return entries;
}

/**
 * A zip archive of `entries`, stored, laid out as PyTorch's writer does (so that torch.save of
 * the same records gives the same bytes): each local header padded to put its data on a
 * 64-byte boundary, a data descriptor after each entry, then the directory and zip64 end records.
 */
export function writeZip(entries: ZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const names = entries.map((e) => enc.encode(e.name));
  let size = 0;
  const pads: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const start = size + 30 + names[i].length + 4;
    const pad = (64 - (start % 64)) % 64;
    pads.push(pad);
    size = start + pad + entries[i].data.length + 16;
  }
  const dirStart = size;
  const dirSize = names.reduce((s, b) => s + 46 + b.length, 0);
  size += dirSize + 56 + 20 + 22;
  if (entries.length >= 0xffff) throw new ZipError(`would hold ${entries.length} entries; zip64 archives (65535 entries or more) are not written`);
  if (size > 0xffffffff) throw new ZipError(`would be ${size} bytes; zip64 archives (over 4 GiB) are not written`);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const w16 = (at: number, v: number) => dv.setUint16(at, v, true), w32 = (at: number, v: number) => dv.setUint32(at, v, true);
  const w64 = (at: number, v: number) => dv.setBigUint64(at, BigInt(v), true);
  const offsets: number[] = [], crcs: number[] = [];
  let at = 0;
  entries.forEach((e, i) => {
    const name = names[i], pad = pads[i], len = e.data.length, crc = zipCrc32(e.data);
    offsets.push(at); crcs.push(crc);
    w32(at, LOCAL); w16(at + 6, 0x0808); w16(at + 26, name.length); w16(at + 28, pad + 4);
    out.set(name, at + 30);
    at += 30 + name.length;
    out[at] = 0x46; out[at + 1] = 0x42; w16(at + 2, pad); out.fill(0x5a, at + 4, at + 4 + pad); // 'FB', then 'Z's
    at += 4 + pad;
    out.set(e.data, at);
    at += len;
    w32(at, DESCRIPTOR); w32(at + 4, crc); w32(at + 8, len); w32(at + 12, len);
    at += 16;
  });
  entries.forEach((e, i) => {
    const name = names[i];
    w32(at, CENTRAL); w16(at + 8, 0x0808); w32(at + 16, crcs[i]); w32(at + 20, e.data.length); w32(at + 24, e.data.length);
    w16(at + 28, name.length); w32(at + 42, offsets[i]);
    out.set(name, at + 46);
    at += 46 + name.length;
  });
  const end64 = at;
  w32(at, END64); w64(at + 4, 44); w16(at + 12, 0x031e); w16(at + 14, 0x002d);
  w64(at + 24, entries.length); w64(at + 32, entries.length); w64(at + 40, dirSize); w64(at + 48, dirStart);
  at += 56;
  w32(at, LOCATOR64); w64(at + 8, end64); w32(at + 16, 1);
  at += 20;
  w32(at, END); w16(at + 8, entries.length); w16(at + 10, entries.length); w32(at + 12, dirSize); w32(at + 16, dirStart);
  return out;
}
