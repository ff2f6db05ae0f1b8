// Reader and writer for the safetensors format: u64 little-endian header length N, N bytes of
// UTF-8 JSON header (names -> dtype, shape, data_offsets; optional "__metadata__"), then the data.
// Works on Uint8Array only (no files, no Node APIs); supports the five dtypes wasmgrad uses.
// ref: huggingface/safetensors safetensors/src/tensor.rs (prepare, read_metadata, validate)

export type SafeDtype = 'F32' | 'I32' | 'F64' | 'I64' | 'U8';

export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  data: Float32Array | Int32Array | Float64Array | BigInt64Array | Uint8Array;
}

/** Every problem with a checkpoint's bytes (or with tensors handed to the writer) throws this. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

// rank is the position in the reference's Dtype enum; its writer orders tensors by rank,
// descending, then by name, so that every tensor starts at a multiple of its element size.
const DTYPES: Record<SafeDtype, { size: number; rank: number; tag: string }> = {
  U8: { size: 1, rank: 1, tag: 'Uint8Array' },
  I32: { size: 4, rank: 9, tag: 'Int32Array' },
  F32: { size: 4, rank: 11, tag: 'Float32Array' },
  F64: { size: 8, rank: 12, tag: 'Float64Array' },
  I64: { size: 8, rank: 13, tag: 'BigInt64Array' },
};
// Valid in the format, but not something we can hand back as a typed array.
const OTHER_FORMAT_DTYPES = new Set(['BOOL', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3',
  'F6_E3M2', 'I16', 'U16', 'F16', 'BF16', 'U32', 'U64', 'C64']);

const MAX_HEADER = 100_000_000; // the reference reader's MAX_HEADER_SIZE
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes, laid out exactly as
 * the reference writer does: tensors sorted by dtype (widest first) then name, data contiguous,
 * header padded with spaces to a multiple of 8 so every tensor is aligned in the file.
 * @example
 *   const bytes = encodeSafetensors({ W1: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } },
 *                                   { format: 'pt' });
 *   decodeSafetensors(bytes).tensors.W1.shape; // [2, 3]
 */
export function encodeSafetensors(
  tensors: Record<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Object.keys(tensors).map((name) => {
    const t = tensors[name];
    if (name === '') throw new SafetensorsError('cannot write a tensor with an empty name');
    if (name === METADATA_KEY) throw new SafetensorsError(`cannot write a tensor named "${METADATA_KEY}": the format reserves it`);
    if (LONE_SURROGATE.test(name)) throw new SafetensorsError(`tensor ${show(name)}: name is not valid Unicode (lone surrogate)`);
    if (t === null || typeof t !== 'object') throw new SafetensorsError(`tensor ${show(name)}: expected { dtype, shape, data }, got ${show(t)}`);
    const info = Object.prototype.hasOwnProperty.call(DTYPES, t.dtype) ? DTYPES[t.dtype] : undefined;
    if (!info) throw new SafetensorsError(`tensor ${show(name)}: dtype ${show(t.dtype)} is not one of ${Object.keys(DTYPES).join(', ')}`);
    const tag = Object.prototype.toString.call(t.data).slice(8, -1);
    if (tag !== info.tag) throw new SafetensorsError(`tensor ${show(name)}: dtype ${t.dtype} needs a ${info.tag}, got ${tag}`);
    if (!Array.isArray(t.shape) || !t.shape.every(isCount)) {
      throw new SafetensorsError(`tensor ${show(name)}: shape ${show(t.shape)} must be a list of non-negative integers`);
    }
    const numel = product(t.shape);
    if (numel !== t.data.length) {
      throw new SafetensorsError(`tensor ${show(name)}: shape ${show(t.shape)} has ${numel} elements but data has ${t.data.length}`);
    }
    return { name, t, info };
  });
  entries.sort((a, b) => b.info.rank - a.info.rank || compareCodePoints(a.name, b.name));

  // serde_json's compact output: "__metadata__" first, then tensors in data order.
  const parts: string[] = [];
  if (metadata != null) {
    const keys = Object.keys(metadata).sort(compareCodePoints);
    for (const k of keys) {
      const v = metadata[k];
      if (typeof v !== 'string') throw new SafetensorsError(`metadata ${show(k)}: values must be strings, got ${show(v)}`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) throw new SafetensorsError(`metadata ${show(k)}: not valid Unicode (lone surrogate)`);
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const { name, t } of entries) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const { t, info } of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    if (!LITTLE_ENDIAN) swapBytes(out.subarray(at, at + t.data.byteLength), info.size);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Parses safetensors bytes, validating everything the reference reader does (and a little more:
 * duplicate names, metadata types). Returned arrays are fresh copies, so always aligned.
 * Throws SafetensorsError, and nothing else, on any malformed input.
 * @example
 *   const { tensors, metadata } = decodeSafetensors(await fs.readFile('model.safetensors'));
 *   const W1 = tensors.W1.data as Float32Array;
 */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
} {
  if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') throw new SafetensorsError(`expected a Uint8Array of checkpoint bytes, got ${show(bytes)}`);
  if (bytes.length < 8) {
    throw new SafetensorsError(`not a safetensors checkpoint: ${bytes.length} bytes is too short for the 8-byte header length`);
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) {
    throw new SafetensorsError(`not a safetensors checkpoint: header length field says ${n64} bytes, over the ${MAX_HEADER}-byte limit`);
  }
  const n = Number(n64);
  if (n > bytes.length - 8) {
    throw new SafetensorsError(`checkpoint is truncated: header says ${n} bytes of header but the file has ${bytes.length - 8} bytes after the length field`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('not a safetensors checkpoint: header is not valid UTF-8');
  }
  // NOTE: the reference reader also insists on '{' as the very first byte (InvalidHeaderStart).
  if (!text.startsWith('{')) throw new SafetensorsError(`not a safetensors checkpoint: header must be a JSON object starting with '{', but it starts ${show(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw new SafetensorsError('not a safetensors checkpoint: header is not JSON');
  }
  if (!isPlainObject(header)) throw new SafetensorsError('not a safetensors checkpoint: header is JSON but not an object');
  // JSON.parse keeps the last of two equal keys; the reference writer never repeats one.
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw new SafetensorsError(`header names ${show(key)} twice`);
    seen.add(key);
  }

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafeDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const name of Object.keys(header)) {
    const entry = header[name];
    if (name === METADATA_KEY) {
      if (entry === null) continue; // serde reads null as "no metadata"
      if (!isPlainObject(entry)) throw new SafetensorsError(`"${METADATA_KEY}" must be an object of strings, got ${show(entry)}`);
      for (const k of Object.keys(entry)) {
        const v = entry[k];
        if (typeof v !== 'string') throw new SafetensorsError(`metadata ${show(k)}: values must be strings, got ${show(v)}`);
        if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) throw new SafetensorsError(`metadata ${show(k)}: not valid Unicode (lone surrogate)`);
        define(metadata, k, v);
      }
      continue;
    }
    const what = `tensor ${show(name)}`;
    if (name === '') throw new SafetensorsError('header has a tensor with an empty name');
    if (LONE_SURROGATE.test(name)) throw new SafetensorsError(`${what}: name is not valid Unicode (lone surrogate)`);
    if (!isPlainObject(entry)) throw new SafetensorsError(`${what}: expected an object with dtype, shape and data_offsets, got ${show(entry)}`);
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      if (!Object.prototype.hasOwnProperty.call(entry, field)) {
        throw new SafetensorsError(`${what}: missing "${field}" (every tensor needs dtype, shape and data_offsets)`);
      }
    }
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPES, dtype)) {
      const why = typeof dtype === 'string' && OTHER_FORMAT_DTYPES.has(dtype) ? 'is not supported' : 'is not a safetensors dtype';
      throw new SafetensorsError(`${what}: dtype ${show(dtype)} ${why} (supported: ${Object.keys(DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw new SafetensorsError(`${what}: shape ${show(shape)} must be a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw new SafetensorsError(`${what}: data_offsets ${show(offsets)} must be two non-negative integers [begin, end]`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) throw new SafetensorsError(`${what}: data_offsets [${begin},${end}] end before they begin`);
    const info = DTYPES[dtype as SafeDtype];
    const numel = product(shape as number[]);
    const need = numel * info.size;
    if (!Number.isSafeInteger(need)) throw new SafetensorsError(`${what}: shape ${show(shape)} is too large to address`);
    if (need !== end - begin) {
      throw new SafetensorsError(`${what}: shape ${show(shape)} of ${dtype} needs ${need} bytes but data_offsets span ${end - begin}`);
    }
    if (end > dataLen) {
      throw new SafetensorsError(`checkpoint is truncated: ${what} needs data up to byte ${end} but the file has ${dataLen} bytes of data after the header`);
    }
    entries.push({ name, dtype: dtype as SafeDtype, shape: (shape as number[]).map((d) => d + 0), begin, end });
  }

  // Like the reference validate(): in offset order, each tensor starts where the last one ended
  // and the last one ends at the end of the file.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < pos) {
      throw new SafetensorsError(`tensor ${show(e.name)}: data_offsets [${e.begin},${e.end}] overlap tensor ${show(prev)}, which ends at ${pos}`);
    }
    if (e.begin > pos) throw new SafetensorsError(`data bytes ${pos}..${e.begin} belong to no tensor (the header leaves a gap)`);
    pos = e.end;
    prev = e.name;
  }
  if (pos !== dataLen) {
    throw new SafetensorsError(`the last ${dataLen - pos} bytes of the file belong to no tensor (tensors end at ${pos} of ${dataLen} data bytes)`);
  }

  const tensors: Record<string, SafeTensor> = {};
  for (const e of entries) {
    const size = DTYPES[e.dtype].size;
    // NOTE: not bytes.slice(): on a Node Buffer (what fs.readFile gives) that is a view.
    const raw = new Uint8Array(e.end - e.begin); // own buffer at offset 0, so always aligned
    raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN) swapBytes(raw, size);
    define(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: view(e.dtype, raw.buffer) });
  }
  return { tensors, metadata };
}

function view(dtype: SafeDtype, buf: ArrayBuffer): SafeTensor['data'] {
  switch (dtype) {
    case 'F32': return new Float32Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'F64': return new Float64Array(buf);
    case 'I64': return new BigInt64Array(buf);
    case 'U8': return new Uint8Array(buf);
  }
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function product(shape: number[]): number {
  if (shape.includes(0)) return 0; // an empty dim wins over any overflow in the others
  return shape.reduce((a, b) => a * b, 1);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

// Plain assignment of "__proto__" would set the prototype instead of adding a key.
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// Rust orders String by UTF-8 bytes, which is code point order (not JS's UTF-16 unit order).
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a), y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function swapBytes(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}

// Keys of the outermost object of an already-validated JSON text, in order, repeats included.
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (text[k] === ' ' || text[k] === '\t' || text[k] === '\n' || text[k] === '\r') k++;
        if (text[k] === ':') keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

function show(x: unknown): string {
  let s: string;
  try {
    s = typeof x === 'bigint' ? `${x}n` : x === undefined ? 'undefined' : JSON.stringify(x) ?? String(x);
  } catch {
    s = Object.prototype.toString.call(x);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
