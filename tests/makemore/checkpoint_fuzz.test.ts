// Fuzzing the checkpoint reader (fast-check): 2,000 byte-level mutants of a real checkpoint
// (bit flips, byte writes, cuts, insertions, deletions, JSON tokens spliced into the header, a new
// length field) must each give a clean CheckpointError or exactly what was saved; and 500
// re-sealed hostile edits (valid checksum, any metadata value, any weight) must each give a clean
// error or a checkpoint that samples without an internal error. A failure prints fast-check's seed
// and the shrunk case: rerun with WASMGRAD_FUZZ_SEED=<seed>.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Generator } from '../../src/index.ts';
import { decodeCheckpoint, loadInto, CheckpointError, type Checkpoint } from '../../src/makemore/checkpoint.ts';
import { MLP } from '../../src/makemore/model.ts';
import { isNameChar } from '../../src/makemore/text.ts';
import { smallCheckpoint, rewrite } from '../helpers/checkpoint.ts';

const base = await smallCheckpoint();
const want = decodeCheckpoint(base);
const headerEnd = 8 + Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
const seed = process.env.WASMGRAD_FUZZ_SEED ? Number(process.env.WASMGRAD_FUZZ_SEED) : Date.now() % 2 ** 31;

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  if (JSON.stringify([a.config, a.itos, a.training]) !== JSON.stringify([b.config, b.itos, b.training])) return false;
  const names = Object.keys(a.tensors).sort();
  if (names.join() !== Object.keys(b.tensors).sort().join()) return false;
  return names.every((n) => {
    const x = a.tensors[n], y = b.tensors[n];
    const bx = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength), by = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
    return x.dtype === y.dtype && x.shape.join() === y.shape.join() && bx.length === by.length && bx.every((v, i) => v === by[i]);
  });
}

/** A clean error: a CheckpointError of one printable line, not too long to read. */
function assertClean(e: unknown, what: string): void {
  if (!(e instanceof CheckpointError)) throw new Error(`${what}: not a CheckpointError: ${(e as Error)?.stack ?? e}`);
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(e.message)) throw new Error(`${what}: control character in ${JSON.stringify(e.message)}`);
  if (e.message.length > 600) throw new Error(`${what}: a ${e.message.length}-character message`);
}

const TOKENS = ['"', '{', '}', '[', ']', ',', ':', '0', '-1', '1e999', '20000', 'null', 'true', '"."', '\\u001b', '\\', ' ', '\u00e9', '\ud83d'];
type Mutation =
  | { kind: 'flip'; at: number; bit: number } | { kind: 'set'; at: number; value: number } | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] } | { kind: 'delete'; at: number; n: number }
  | { kind: 'token'; at: number; token: string } | { kind: 'length'; value: bigint };

const anyAt = fc.nat({ max: base.length - 1 });
const headerAt = fc.integer({ min: 8, max: headerEnd - 1 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.oneof(anyAt, headerAt), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.oneof(anyAt, headerAt), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: anyAt }),
  fc.record({ kind: fc.constant('insert' as const), at: anyAt, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: anyAt, n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('token' as const), at: headerAt, token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: BigInt(headerEnd - 80), max: BigInt(headerEnd + 80) })) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const b = Array.from(bytes);
  const at = 'at' in m ? Math.min(m.at, Math.max(0, b.length - 1)) : 0;
  switch (m.kind) {
    case 'flip': b[at] ^= 1 << m.bit; break;
    case 'set': b[at] = m.value; break;
    case 'cut': b.length = at; break;
    case 'insert': b.splice(at, 0, ...m.bytes); break;
    case 'delete': b.splice(at, m.n); break;
    case 'token': b.splice(at, 0, ...new TextEncoder().encode(m.token)); break;
    case 'length': {
      const out = Uint8Array.from(b.length >= 8 ? b : [...b, ...new Array(8 - b.length).fill(0)]);
      new DataView(out.buffer).setBigUint64(0, m.value, true);
      return out;
    }
  }
  return Uint8Array.from(b);
}

test('checkpoint fuzz: 2,000 byte-level mutants give a clean error or exactly what was saved', () => {
  const seen = { errors: 0, identical: 0 };
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
    const bytes = ms.reduce(mutate, base);
    let got: Checkpoint;
    try {
      got = decodeCheckpoint(bytes);
    } catch (e) {
      assertClean(e, 'mutant');
      seen.errors++;
      return;
    }
    if (!sameCheckpoint(got, want)) throw new Error('a mutant decoded to something other than what was saved');
    seen.identical++;
  }), { numRuns: 2000, seed });
  console.log(`  checkpoint fuzz (seed ${seed}): 2000 mutants, ${seen.errors} clean errors, ${seen.identical} identical`);
  assert.is(seen.errors + seen.identical, 2000);
});

// Re-sealed edits: what a crafted file can be. Values a JSON-minded attacker would try.
const hostileValue = fc.oneof(
  fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('0', '1', '-1', '20000', '1e999', 'NaN', '4294967296', '9007199254740993', '[]', '{}', 'null', '"x"', 'true', 'false'),
  fc.integer().map(String), fc.double().map(String),
  fc.array(fc.string({ unit: 'binary', maxLength: 2 }), { maxLength: 6 }).map((a) => JSON.stringify(['.', ...a])),
).filter((s) => !/[\ud800-\udfff]/.test(s) || /[\ud800-\udbff][\udc00-\udfff]/.test(s));
const KEYS = ['vocab', 'block_size', 'n_embed', 'n_hidden', 'batchnorm', 'seed', 'batch_size', 'lr', 'lr_decay_at', 'lr_after', 'step', 'steps', 'generator', 'format_version', 'format'];
const edit = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), value: hostileValue }),
  fc.record({ tensor: fc.constantFrom('C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias', 'bnmean_running', 'bnstd_running'), index: fc.nat({ max: 31 }), value: fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity, 3e38, -0)) }),
);

test('checkpoint fuzz: 500 re-sealed hostile edits give a clean error or a checkpoint that is sound and samples', () => {
  const seen = { errors: 0, accepted: 0 };
  fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
    const bytes = rewrite(base, (t, m) => {
      for (const e of edits) {
        if ('key' in e) m[e.key] = e.value;
        else { const d = t[e.tensor].data as Float32Array; d[e.index % d.length] = e.value; }
      }
    });
    let ck: Checkpoint;
    try {
      ck = decodeCheckpoint(bytes);
    } catch (e) {
      assertClean(e, 'sealed edit');
      seen.errors++;
      return;
    }
    seen.accepted++;
    if (ck.itos[0] !== '.' || !ck.itos.slice(1).every(isNameChar) || new Set(ck.itos).size !== ck.itos.length) throw new Error(`unsound vocab ${JSON.stringify(ck.itos)}`);
    for (const [n, t] of Object.entries(ck.tensors)) if (!(t.data as Float32Array).every(Number.isFinite)) throw new Error(`non-finite ${n}`);
    // It must load and sample: sampling may only fail on overflowing weights, with its own message.
    const model = new MLP(ck.config, new Generator().manualSeed(1));
    loadInto(model, ck);
    try {
      for (const s of model.sample(new Generator().manualSeed(1), 2, 50)) if (!s.every((i) => i >= 0 && i < ck.itos.length)) throw new Error('index out of the vocabulary');
    } catch (e) {
      if (!/^multinomial: probabilities must be finite/.test((e as Error).message)) throw e;
    }
  }), { numRuns: 500, seed });
  console.log(`  checkpoint fuzz (seed ${seed}): 500 sealed edits, ${seen.errors} clean errors, ${seen.accepted} accepted and sampled`);
});

test.run();
