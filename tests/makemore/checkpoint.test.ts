// What a checkpoint reader must refuse, each with one CheckpointError line: damage (checksum),
// hostile vocabularies, sizes wasm memory cannot hold, damaged generator state, non-finite
// weights, tensor names that are Object.prototype's; and what it must keep (old files, identity).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { decodeCheckpoint, CheckpointError, crc32, FORMAT_VERSION } from '../../src/makemore/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/safetensors.ts';
import { smallCheckpoint, rewrite } from '../helpers/checkpoint.ts';

const base = await smallCheckpoint();

function refuses(bytes: Uint8Array, pattern: RegExp, what: string): void {
  try {
    decodeCheckpoint(bytes);
  } catch (e) {
    assert.instance(e, CheckpointError, `${what}: ${(e as Error).stack}`);
    assert.match((e as Error).message, pattern, what);
    assert.not.match((e as Error).message, /[\u0000-\u001f\u007f-\u009f]/, `${what}: no control characters in the message`);
    return;
  }
  assert.unreachable(`${what}: decodeCheckpoint accepted it`);
}

test('checkpoint: crc32 is zlib\'s CRC-32 (check value and random inputs)', () => {
  assert.is(crc32([new TextEncoder().encode('123456789')]), 0xcbf43926);
  let seed = 1;
  for (let n = 0; n < 300; n += 7) {
    const b = Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    assert.is(crc32([b.subarray(0, n >> 1), b.subarray(n >> 1)]), zlibCrc32(b), `length ${n}`);
  }
});

test('checkpoint: a file round-trips and carries a checksum', () => {
  const ck = decodeCheckpoint(base);
  assert.is(ck.itos.join(''), '.abc');
  assert.equal(ck.config, { vocabSize: 4, blockSize: 3, nEmbed: 4, nHidden: 8, batchnorm: true });
  const meta = decodeSafetensors(base).metadata;
  assert.match(meta.checksum, /^crc32:[0-9a-f]{8}$/);
  assert.is(meta.format_version, String(FORMAT_VERSION));
});

// Finding 8: one flipped bit in the data section went unnoticed.
test('checkpoint: any flipped bit of the data or the metadata is caught by the checksum', () => {
  const n = base.length;
  const headerLen = Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
  for (const at of [n - 1, n - 100, 8 + headerLen + 3, 8 + headerLen + 200]) {
    for (const bit of [0, 3, 7]) {
      const b = base.slice(); b[at] ^= 1 << bit;
      refuses(b, /damaged: its contents do not match the checksum/, `bit ${bit} of byte ${at}`);
    }
  }
  // In the metadata: lr 0.1 -> 0.3 is still a valid number; only the checksum can tell.
  const text = new TextDecoder().decode(base);
  const at = text.indexOf('"lr":"0.1"') + 8;
  const b = base.slice(); b[at] = '3'.charCodeAt(0);
  refuses(b, /damaged/, 'lr changed in the metadata');
  refuses(rewrite(base, (_, m) => { delete m.checksum; }, { seal: false }), /checksum it was saved with \(missing/, 'checksum removed');
});

test('checkpoint: version 1 files (before checksums) still load, and damage in them is still refused where it shows', () => {
  const v1 = rewrite(base, (_, m) => { m.format_version = '1'; delete m.checksum; }, { seal: false });
  assert.is(decodeCheckpoint(v1).itos.join(''), '.abc');
  refuses(rewrite(v1, (t) => { (t.W1.data as Float32Array)[5] = NaN; }, { seal: false }), /tensor 'W1' holds NaN at index 5/, 'v1 with a NaN');
});

// Finding 7: control characters, duplicates, many dots.
test('checkpoint: the vocabulary must be printable, unique, with \'.\' once at 0', () => {
  const withVocab = (itos: unknown[]) => rewrite(base, (_, m) => { m.vocab = JSON.stringify(itos); });
  refuses(withVocab(['.', '\u001b', 'b', 'c']), /entry 1 is "\\u001b", not a single printable character/, 'ESC');
  refuses(withVocab(['.', 'a', '\u009b', 'c']), /entry 2 .*not a single printable/, 'C1 CSI');
  refuses(withVocab(['.', 'a', '\n', 'c']), /entry 2/, 'newline');
  refuses(withVocab(['.', 'a', 'a', 'c']), /has "a" twice/, 'duplicate');
  refuses(withVocab(['.', '.', '.', '.']), /has '\.' again at index 1/, 'dots');
  refuses(withVocab(['a', '.', 'b', 'c']), /starts with "a", not '\.'/, 'dot not first');
  refuses(withVocab(['.', 'ab', 'b', 'c']), /entry 1 is "ab"/, 'two characters');
  refuses(withVocab(['.', 'a', 2, 'c']), /not a list of characters/, 'a number');
  // Characters a names file may hold (accents, CJK, emoji, a space) are fine.
  const ok = rewrite(base, (_, m) => { m.vocab = JSON.stringify(['.', ' ', 'é', '😀']); });
  assert.equal(decodeCheckpoint(ok).itos, ['.', ' ', 'é', '😀']);
});

// Finding 6: sizes from the file are checked against wasm memory before anything is allocated.
test('checkpoint: sizes wasm memory cannot hold are refused with the figures', () => {
  refuses(rewrite(base, (_, m) => { m.batch_size = '100000000'; }), /the checkpoint's sizes need about \d+\.\d GiB of wasm memory/, 'batch of 1e8');
  refuses(rewrite(base, (_, m) => { m.block_size = '1e5'; }), /'block_size' is "1e5", expected a whole number/, 'not digits');
  refuses(rewrite(base, (_, m) => { m.n_hidden = '99999999999999999999'; }), /'n_hidden'/, 'beyond 2^53');
});

// Finding 9: damaged generator state used to surface as an internal error at resume.
test('checkpoint: generator state is checked field by field', () => {
  const gen = JSON.parse(decodeSafetensors(base).metadata.generator);
  const withGen = (edit: (g: Record<string, unknown>) => unknown) => rewrite(base, (_, m) => { const g = structuredClone(gen); const r = edit(g); m.generator = JSON.stringify(r === undefined ? g : r); });
  refuses(withGen((g) => { g.seed = 'abc'; }), /'generator' has no valid seed/, 'seed abc');
  refuses(withGen((g) => { g.mt = (g.mt as number[]).slice(1); }), /no valid 'mt'/, '623 words');
  refuses(withGen((g) => { (g.mt as unknown[])[3] = 'x'; }), /no valid 'mt'/, 'a string word');
  refuses(withGen((g) => { (g.mt as number[])[3] = 2 ** 32; }), /no valid 'mt'/, 'a word of 33 bits');
  refuses(withGen((g) => { g.index = 625; }), /no valid 'index'/, 'index 625');
  refuses(withGen((g) => { g.normal = 'NaN'; }), /no valid 'normal'/, 'normal');
  refuses(withGen(() => [1, 2]), /is not an object/, 'an array');
  refuses(rewrite(base, (_, m) => { m.generator = '{"seed":'; }), /'generator' is not valid JSON/, 'cut JSON');
  assert.is(decodeCheckpoint(withGen(() => null)).training.generator, null, 'null: a weights-only file');
});

// Finding 8/9: NaN weights made eval print NaN and sample crash.
test('checkpoint: non-finite weights are refused on load', () => {
  for (const [name, v] of [['W1', NaN], ['b2', Infinity], ['bnstd_running', -Infinity]] as const) {
    refuses(rewrite(base, (t) => { (t[name].data as Float32Array)[0] = v; }), new RegExp(`tensor '${name}' holds ${v} at index 0`), `${name} ${v}`);
  }
});

// Finding 10: tensors named after Object.prototype's properties passed the "unexpected" check.
test('checkpoint: extra tensors are refused, __proto__ and constructor included', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'extra']) {
    const b = rewrite(base, (t) => { Object.defineProperty(t, name, { value: { dtype: 'F32', shape: [1], data: new Float32Array(1) }, enumerable: true }); });
    refuses(b, new RegExp(`unexpected tensors: "${name}"`), name);
  }
  refuses(rewrite(base, (t) => { delete t.W2; }), /has no tensor 'W2'/, 'missing W2');
});

test('checkpoint: other metadata damage reads as one line', () => {
  refuses(rewrite(base, (_, m) => { m.batchnorm = 'yes'; }), /'batchnorm' is "yes"/, 'batchnorm');
  refuses(rewrite(base, (_, m) => { m.lr = '-1'; }), /'lr' is "-1", expected a positive number/, 'lr');
  refuses(rewrite(base, (_, m) => { m.format_version = '3'; }), /newer than this wasmgrad/, 'version');
  refuses(rewrite(base, (_, m) => { m.format = 'pt'; }), /not a wasmgrad makemore checkpoint/, 'format');
  refuses(encodeSafetensors({}, {}), /not a wasmgrad makemore checkpoint/, 'empty');
});

test.run();
