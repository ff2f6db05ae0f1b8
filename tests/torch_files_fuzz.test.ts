// Hostile and damaged torch files: 2,000 mutants of PyTorch's own files (bit flips, byte writes,
// cuts, insertions, deletions; pickles and records edited and re-sealed with valid CRCs; zip
// fields set to huge or wrong sizes and offsets) and hand-made hostile pickles (os.system,
// builtins.eval, huge sizes, cyclic references, deep nesting, memo bombs, other protocols) must
// each give a TorchFileError of one short printable line, or load: exactly the original where the
// bytes it reads are unchanged. No case may take over 2 s, and the heap may not grow by much.
// A failure prints the seed: rerun with WASMGRAD_FUZZ_SEED=<seed>.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { decodeTorch, TorchFileError, TorchTensor, type TorchObject } from '../src/torch_file.ts';
import { readZip, writeZip, zipCrc32 } from '../src/zip.ts';

const DIR = new URL('./fixtures/torch_files/', import.meta.url);
const FILES = ['transformer', 'optimizer', 'views', 'dtypes', 'nested', 'gru'].map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(new URL(`${n}.pt`, DIR))) }));
const seed = process.env.WASMGRAD_FUZZ_SEED ? Number(process.env.WASMGRAD_FUZZ_SEED) : Date.now() % 2 ** 31;

// mulberry32: a small seeded generator, so a failing case can be replayed.
function rng(s: number) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(seed);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

/** Deep equality of two decoded values (tensors by dtype, shape and bits). */
function same(a: TorchObject, b: TorchObject): boolean {
  if (a instanceof TorchTensor || b instanceof TorchTensor) {
    if (!(a instanceof TorchTensor && b instanceof TorchTensor)) return false;
    return a.fileDtype === b.fileDtype && a.shape.join() === b.shape.join() && a.data.length === b.data.length &&
      a.data.every((v, i) => Object.is(v, b.data[i]));
  }
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.join('\u0000') === kb.join('\u0000') && ka.every((k) => same((a as Record<string, TorchObject>)[k], (b as Record<string, TorchObject>)[k]));
  }
  return Object.is(a, b);
}

const stats = { errors: 0, loads: 0, exact: 0 };
let slowest = 0;
/** Decodes; returns the value or null after checking the error is clean. */
function attempt(bytes: Uint8Array, what: string): TorchObject | null {
  const t0 = performance.now();
  try {
    const v = decodeTorch(bytes, { name: 'fuzz.pt', maxElements: 1 << 22 });
    stats.loads++;
    return v;
  } catch (e) {
    if (!(e instanceof TorchFileError)) throw new Error(`${what} (seed ${seed}): not a TorchFileError: ${(e as Error)?.stack ?? e}`);
    if (!e.message.startsWith('fuzz.pt: ')) throw new Error(`${what} (seed ${seed}): message does not name the file: ${e.message}`);
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(e.message)) throw new Error(`${what} (seed ${seed}): control character in ${JSON.stringify(e.message)}`);
    if (e.message.length > 600) throw new Error(`${what} (seed ${seed}): a ${e.message.length}-character message`);
    stats.errors++;
    return null;
  } finally {
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > 2000) throw new Error(`${what} (seed ${seed}): took ${ms.toFixed(0)} ms`);
  }
}

const originals = new Map(FILES.map((f) => [f.name, decodeTorch(f.bytes)]));

function mutateBytes(b: Uint8Array): Uint8Array {
  const kind = int(5);
  const at = int(b.length);
  if (kind === 0) { const c = b.slice(); c[at] ^= 1 << int(8); return c; }
  if (kind === 1) { const c = b.slice(); c[at] = pick([0, 0xff, 0x7f, 0x80, int(256)]); return c; }
  if (kind === 2) return b.slice(0, at);
  if (kind === 3) { const ins = Uint8Array.from({ length: 1 + int(8) }, () => int(256)); const c = new Uint8Array(b.length + ins.length); c.set(b.subarray(0, at)); c.set(ins, at); c.set(b.subarray(at), at + ins.length); return c; }
  const n = Math.min(1 + int(16), b.length - at);
  const c = new Uint8Array(Math.max(0, b.length - n)); c.set(b.subarray(0, at)); c.set(b.subarray(Math.min(b.length, at + n)), at); return c;
}

test('torch files fuzz: 1,000 byte-level mutants of PyTorch files each give a clean error or exactly the original', () => {
  for (let i = 0; i < 1000; i++) {
    const f = pick(FILES);
    let b = mutateBytes(f.bytes);
    if (int(4) === 0) b = mutateBytes(b);
    const v = attempt(b, `mutant ${i} of ${f.name}.pt`);
    if (v !== null) {
      // A mutant that loads changed only bytes nothing reads (padding, the descriptor) or
      // nothing at all: it must be the original. Cuts and insertions always break the CRC or a
      // structure, unless they only touched the zip64 records the reader does not need.
      assert.ok(same(v, originals.get(f.name)!), `mutant ${i} of ${f.name}.pt (seed ${seed}) loaded to something else`);
      stats.exact++;
    }
  }
});

/** The file with data.pkl (or another record) replaced, re-sealed with valid CRCs. */
function reseal(b: Uint8Array, edit: (name: string, data: Uint8Array) => Uint8Array): Uint8Array {
  return writeZip(readZip(b).map((e) => ({ name: e.name, data: edit(e.name, e.data) })));
}

test('torch files fuzz: 600 re-sealed edits of data.pkl and the storages each give a clean error or a well-formed value', () => {
  for (let i = 0; i < 600; i++) {
    const f = pick(FILES);
    const target = int(3) ? /data\.pkl$/ : /data\/\d+$/;
    const b = reseal(f.bytes, (name, data) => (target.test(name) ? mutateBytes(int(2) ? data : mutateBytes(data)) : data));
    attempt(b, `re-sealed edit ${i} of ${f.name}.pt`);
  }
});

test('torch files fuzz: 200 zip fields set to huge or wrong sizes and offsets each give a clean error or the original', () => {
  const huge = [0xffffffff, 0xfffffff0, 0x7fffffff, 0x80000000, 0x10000000, 0];
  for (let i = 0; i < 200; i++) {
    const f = pick(FILES);
    const b = f.bytes.slice();
    const dv = new DataView(b.buffer);
    // Find the end record, then a central entry or the end record's own fields.
    let end = b.length - 22;
    while (dv.getUint32(end, true) !== 0x06054b50) end--;
    const dirStart = dv.getUint32(end + 16, true);
    const entries: number[] = [];
    for (let at = dirStart; dv.getUint32(at, true) === 0x02014b50; at += 46 + dv.getUint16(at + 28, true)) entries.push(at);
    const where = int(3);
    const value = int(2) ? pick(huge) : int(b.length * 2);
    if (where === 0) dv.setUint32(pick(entries) + pick([20, 24, 42, 16]), value, true); // sizes, offset, crc
    else if (where === 1) dv.setUint32(end + pick([12, 16]), value, true); // directory size/offset
    else dv.setUint16(end + pick([8, 10]), value & 0xffff, true); // entry counts
    const v = attempt(b, `zip field edit ${i} of ${f.name}.pt`);
    if (v !== null) assert.ok(same(v, originals.get(f.name)!), `zip field edit ${i} of ${f.name}.pt (seed ${seed}) loaded to something else`);
  }
});

// ---- hand-made hostile pickles, each in a valid zip ----
const enc = new TextEncoder();
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const str = (s: string) => { const b = enc.encode(s); return [0x58, ...u32(b.length), ...b]; };
const glob = (m: string, n: string) => [0x63, ...enc.encode(`${m}\n${n}\n`)];
const file = (pkl: number[], records: Record<string, Uint8Array> = {}) => writeZip([
  { name: 'archive/data.pkl', data: Uint8Array.from(pkl) },
  ...Object.entries(records).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
  { name: 'archive/version', data: enc.encode('3\n') },
]);
const PROTO = [0x80, 2], STOP = [0x2e], MARK = [0x28], TUPLE = [0x74], REDUCE = [0x52], EMPTY_TUPLE = [0x29];
/** _rebuild_tensor_v2 of storage '0' (numel floats) at `offset` with `size` and `stride`. */
const tensorPkl = (numel: number, size: number[], stride: number[], offset = 0, type = 'FloatStorage') => [
  ...glob('torch._utils', '_rebuild_tensor_v2'), ...MARK,
  ...MARK, ...str('storage'), ...glob('torch', type), ...str('0'), ...str('cpu'), 0x4a, ...u32(numel), ...TUPLE, 0x51,
  0x4a, ...u32(offset), ...MARK, ...size.flatMap((d) => [0x4a, ...u32(d)]), ...TUPLE, ...MARK, ...stride.flatMap((d) => [0x4a, ...u32(d)]), ...TUPLE,
  0x89, ...glob('collections', 'OrderedDict'), ...EMPTY_TUPLE, ...REDUCE, ...TUPLE, ...REDUCE,
];
const dict = (entries: number[][]) => [0x7d, ...MARK, ...entries.flat(), 0x75];

const HOSTILE: [string, () => Uint8Array, RegExp][] = [
  ['os.system', () => file([...PROTO, ...glob('os', 'system'), ...str('echo pwned'), 0x85, ...REDUCE, ...STOP]), /refuses to load the global os\.system \(only tensors, numbers and containers are read\)/],
  ['builtins.eval', () => file([...PROTO, ...glob('builtins', 'eval'), ...str('1+1'), 0x85, ...REDUCE, ...STOP]), /refuses to load the global builtins\.eval/],
  ['posix.system in a dict', () => file([...PROTO, ...dict([str('a'), [...glob('posix', 'system'), ...str('x'), 0x85, ...REDUCE]]), ...STOP]), /global posix\.system/],
  ['__builtin__.getattr', () => file([...PROTO, ...glob('__builtin__', 'getattr'), ...STOP]), /global __builtin__\.getattr/],
  ['subprocess.Popen via NEWOBJ', () => file([...PROTO, ...glob('subprocess', 'Popen'), ...EMPTY_TUPLE, 0x81, ...STOP]), /global subprocess\.Popen/],
  ['a global named with a newline escape', () => file([...PROTO, 0x63, ...enc.encode('os\u001b[31m\nsystem\n'), ...STOP]), /global os\\u001b\[31m\.system/],
  ['STACK_GLOBAL (protocol 4)', () => file([0x80, 4, ...str('os'), ...str('system'), 0x93, ...STOP]), /opcode 0x93\): not an opcode torch\.save writes/],
  ['a sparse tensor', () => file([...PROTO, ...glob('torch._utils', '_rebuild_sparse_tensor'), ...STOP]), /holds torch\._utils\._rebuild_sparse_tensor, not a dense float or integer tensor/],
  ['a complex storage', () => file([...PROTO, ...glob('torch', 'ComplexFloatStorage'), ...STOP]), /holds torch\.ComplexFloatStorage, not a dense/],
  ['a persistent id that is not a storage', () => file([...PROTO, ...str('evil'), 0x51, ...STOP]), /persistent object "evil"/],
  ['a huge tensor over a 1-element storage (stride 0)', () => file([...PROTO, ...tensorPkl(1, [1 << 30, 1 << 30], [0, 0]), ...STOP], { 0: new Uint8Array(4) }), /over the 4194304 elements read in all/],
  ['a 2^27-element expand of one float in a small file, by default', () => file([...PROTO, ...tensorPkl(1, [1 << 27], [0]), ...STOP], { 0: new Uint8Array(4) }), /over the \d+ elements read in all for a file of \d+ bytes/],
  ['a view past its storage', () => file([...PROTO, ...tensorPkl(4, [3], [2]), ...STOP], { 0: new Uint8Array(16) }), /reaches element 4 of a storage of 4/],
  ['a storage that claims more than its record', () => file([...PROTO, ...tensorPkl(0x7fffffff, [2], [1]), ...STOP], { 0: new Uint8Array(8) }), /should hold 2147483647 of float32 .* but its record has 8 bytes/],
  ['a storage without its record', () => file([...PROTO, ...tensorPkl(2, [2], [1]), ...STOP]), /has no record archive\/data\/0/],
  ['a list containing itself', () => file([...PROTO, 0x5d, 0x71, 0, 0x68, 0, 0x61, ...STOP]), /contains itself/],
  ['a dict containing itself', () => file([...PROTO, 0x7d, 0x71, 0, ...str('me'), 0x68, 0, 0x73, ...STOP]), /contains itself/],
  ['lists nested 100,000 deep', () => file([...PROTO, ...new Array(100_000).fill(0x5d), ...new Array(99_999).fill(0x61), ...STOP]), /nests containers over 100 deep/],
  ['a memo bomb (lists of the list before, twice, 60 times)', () => {
    const p = [...PROTO, ...MARK, 0x5d, 0x71, 0];
    for (let i = 1; i <= 60; i++) p.push(0x5d, 0x68, i - 1, 0x61, 0x68, i - 1, 0x61, 0x71, i);
    return file([...p, ...TUPLE, ...STOP]);
  }, /^$/],
  ['a string longer than the pickle', () => file([...PROTO, 0x58, ...u32(0xfffffff0), 0x41, ...STOP]), /needs 4294967280 more bytes but the pickle ends/],
  ['a memo index never stored', () => file([...PROTO, 0x6a, ...u32(0xffffffff), ...STOP]), /memo index 4294967295 was never stored/],
  ['a memo index over the limit', () => file([...PROTO, 0x4e, 0x72, ...u32(0xffffffff), ...STOP]), /memo index 4294967295 is over/],
  ['SETITEM on a list', () => file([...PROTO, 0x5d, ...str('k'), ...str('v'), 0x73, ...STOP]), /SETITEM on something that is not a dict/],
  ['REDUCE on a string', () => file([...PROTO, ...str('f'), ...EMPTY_TUPLE, ...REDUCE, ...STOP]), /calls "f", which is not a function/],
  ['an unknown opcode', () => file([...PROTO, 0xff, ...STOP]), /opcode 0xff\): not an opcode torch\.save writes/],
  ['no STOP', () => file([...PROTO, 0x4e]), /ends without STOP/],
  ['values left behind', () => file([...PROTO, 0x4e, 0x4e, ...STOP]), /STOP leaves values behind/],
  ['a tuple key', () => file([...PROTO, ...dict([[...EMPTY_TUPLE], [0x4e]]), ...STOP]), /dict key is not a string or number/],
  ['backward hooks on a tensor', () => {
    const p = tensorPkl(1, [1], [1]);
    const hooks = [...glob('collections', 'OrderedDict'), ...EMPTY_TUPLE, ...REDUCE];
    const at = p.findIndex((_, i) => p.slice(i, i + hooks.length).every((x, j) => x === hooks[j]));
    return file([...PROTO, ...p.slice(0, at), 0x7d, ...str('h'), 0x4e, 0x73, ...p.slice(at + hooks.length), ...STOP], { 0: new Uint8Array(4) });
  }, /backward hooks/],
  ['no version record', () => writeZip([{ name: 'a/data.pkl', data: Uint8Array.from([...PROTO, 0x4e, ...STOP]) }]), /has no a\/version record/],
  ['version 99', () => writeZip([{ name: 'a/data.pkl', data: Uint8Array.from([...PROTO, 0x4e, ...STOP]) }, { name: 'a/version', data: enc.encode('99\n') }]), /file format version 99, newer/],
  ['big-endian', () => writeZip([{ name: 'a/data.pkl', data: Uint8Array.from([...PROTO, 0x4e, ...STOP]) }, { name: 'a/version', data: enc.encode('3\n') }, { name: 'a/byteorder', data: enc.encode('big') }]), /big-endian/],
  ['an entry outside the archive folder', () => writeZip([{ name: 'a/data.pkl', data: Uint8Array.from([...PROTO, 0x4e, ...STOP]) }, { name: 'b/version', data: enc.encode('3\n') }]), /outside the archive folder/],
  ['a compressed entry', () => { const b = file([...PROTO, 0x4e, ...STOP]); const dv = new DataView(b.buffer); let end = b.length - 22; while (dv.getUint32(end, true) !== 0x06054b50) end--; dv.setUint16(dv.getUint32(end + 16, true) + 10, 8, true); return b; }, /is compressed \(method 8\)/],
  ['a TorchScript-like archive without data.pkl', () => writeZip([{ name: 'm/code/x.py', data: enc.encode('x') }, { name: 'm/version', data: enc.encode('3\n') }]), /has no m\/data\.pkl/],
  ['two entries over one block (zip bomb)', () => {
    const data = new Uint8Array(1 << 16);
    const b = writeZip([{ name: 'a/data.pkl', data: Uint8Array.from([...PROTO, 0x4e, ...STOP]) }, { name: 'a/data/0', data }, { name: 'a/data/1', data }, { name: 'a/version', data: enc.encode('3\n') }]);
    // Point entry 1's directory record at entry 0's local header.
    const dv = new DataView(b.buffer);
    let end = b.length - 22; while (dv.getUint32(end, true) !== 0x06054b50) end--;
    const dir = dv.getUint32(end + 16, true);
    const second = dir + 46 + dv.getUint16(dir + 28, true), third = second + 46 + dv.getUint16(second + 28, true);
    dv.setUint32(third + 42, dv.getUint32(second + 42, true), true);
    dv.setUint16(third + 28, dv.getUint16(second + 28, true), true);
    return b;
  }, /overlaps zip entry "a\/data\/0"/],
  ['three entries over one block (zip bomb)', () => {
    const data = new Uint8Array(1 << 16);
    const b = writeZip([{ name: 'a/data/0', data }, { name: 'a/data/1', data }, { name: 'a/data/2', data }]);
    const dv = new DataView(b.buffer);
    let end = b.length - 22; while (dv.getUint32(end, true) !== 0x06054b50) end--;
    const dir = dv.getUint32(end + 16, true);
    for (let i = 0, at = dir; i < 3; i++, at += 46 + 8) dv.setUint32(at + 42, 0, true);
    return b;
  }, /overlaps/],
];

test('torch files fuzz: hand-made hostile files each give their clear error (and a memo bomb loads as a shared structure)', () => {
  for (const [what, make, want] of HOSTILE) {
    const v = attempt(make(), what);
    if (want.source === '^$') { assert.ok(v !== null, `${what}: should load`); continue; }
    let msg = '';
    const opts = /by default/.test(what) ? { name: 'fuzz.pt' } : { name: 'fuzz.pt', maxElements: 1 << 22 };
    try { decodeTorch(make(), opts); } catch (e) { msg = (e as Error).message; }
    assert.match(msg, want, `${what}: ${msg}`);
  }
});

test('torch files fuzz: 200 random variations of the hostile files each give a clean error or load', () => {
  for (let i = 0; i < 200; i++) {
    const [what, make] = pick(HOSTILE);
    const b = make();
    // Re-seal a random edit of the hostile pickle, so the CRC does not catch it first.
    let edited: Uint8Array;
    try {
      edited = int(2) ? reseal(b, (name, data) => (/data\.pkl$/.test(name) ? mutateBytes(data) : data)) : mutateBytes(b);
    } catch {
      edited = mutateBytes(b); // a zip the reader refuses cannot be re-sealed
    }
    attempt(edited, `variation ${i} of ${what}`);
  }
  const heap = process.memoryUsage?.().heapUsed ?? 0;
  console.log(`torch files fuzz (seed ${seed}): ${stats.errors} clean errors, ${stats.loads} loads (${stats.exact} of byte mutants exactly the original), slowest ${slowest.toFixed(0)} ms, heap ${(heap / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(heap < 1.5 * 2 ** 30, 'heap stayed under 1.5 GiB');
  assert.is(stats.errors + stats.loads, 1000 + 600 + 200 + HOSTILE.length + 200);
  assert.ok(zipCrc32(new Uint8Array(0)) === 0);
});

test.run();
