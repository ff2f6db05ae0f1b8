// loadTorch / loadTorchObject / saveTorch against PyTorch 1.13's own torch.save files
// (tests/fixtures/torch_files/, from tools/fixtures/torch_files.py): makemore.py's six models,
// an AdamW state dict, views of shared storages, every dtype, nested checkpoints read to
// PyTorch's values; saveTorch gives torch.save's bytes; what it writes reads back identically.
// That PyTorch reads saveTorch's files is checked by tools/fixtures/torch_files_check.py.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, noGrad, tensor, Tensor, loadTorch, loadTorchObject, saveTorch, loadSafetensors, TorchFileError, type TorchValue } from '../src/index.ts';
import { torchArchiveName } from '../src/torch_file.ts';
import { createModel, type ModelType } from '../src/makemore/zoo/models.ts';

await init();
const DIR = new URL('./fixtures/torch_files/', import.meta.url);
const bytesOf = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const meta = JSON.parse(readFileSync(new URL('torch_files.json', DIR), 'utf8'));
const TYPES: ModelType[] = ['bigram', 'mlp', 'rnn', 'gru', 'bow', 'transformer'];

/** Tensors under dotted keys and the other values, as the fixture script's flatten(). */
function flatten(v: TorchValue, prefix = '', tensors: Record<string, Tensor> = {}, values: Record<string, unknown> = {}) {
  if (v instanceof Tensor) tensors[prefix] = v;
  else if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${prefix}.${i}`, tensors, values));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, tensors, values);
  else values[prefix] = v;
  return { tensors, values };
}

function sameTensors(got: Record<string, Tensor>, want: Record<string, Tensor>, what: string) {
  assert.equal(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: keys`);
  for (const [k, w] of Object.entries(want)) {
    const g = got[k];
    assert.equal(g.shape, w.shape, `${what} ${k}: shape`);
    assert.is(g.dtype, w.dtype, `${what} ${k}: dtype`);
    const a = g.toArray(), b = w.toArray();
    for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) assert.unreachable(`${what} ${k}[${i}]: ${a[i]} !== ${b[i]}`);
  }
}

for (const name of [...TYPES, 'optimizer', 'views', 'dtypes', 'nested', 'layout']) {
  test(`torch files: ${name}.pt reads to PyTorch's values, keys in order`, () => {
    const notes: string[] = [];
    const v = loadTorchObject(bytesOf(`${name}.pt`), { name: `${name}.pt`, onNote: (m) => notes.push(m) });
    const { tensors, values } = flatten(v);
    sameTensors(tensors, loadSafetensors(bytesOf(`${name}.expected.safetensors`)), name);
    assert.equal(values, meta[name].values, `${name}: non-tensor values`);
    if (meta[name].keys) assert.equal(Object.keys(v as object), meta[name].keys, `${name}: key order`);
    const f64 = Object.entries(meta[name].dtypes as Record<string, string>).filter(([, d]) => d === 'float64').map(([k]) => k);
    assert.is(notes.length, f64.length ? 1 : 0, `${name}: one note when float64 was converted`);
    for (const k of f64) assert.ok(notes[0].includes(k) && /float64 .*to float32/.test(notes[0]), notes[0]);
  });
}

for (const type of TYPES) {
  test(`torch files: makemore.py's ${type} state dict loads strictly into wasmgrad's ${type} and gives PyTorch's logits`, () => {
    const c = meta.config;
    const model = createModel(type, { vocabSize: c.vocab_size, blockSize: c.block_size, nLayer: c.n_layer, nEmbd: c.n_embd, nEmbd2: c.n_embd2, nHead: c.n_head });
    model.loadStateDict(loadTorch(bytesOf(`${type}.pt`), { name: `${type}.pt` }));
    model.eval();
    const m = meta.models[type];
    const idx = tensor(m.idx.flat(), { shape: [m.idx.length, m.idx[0].length], dtype: 'int32' });
    const logits = noGrad(() => model.forward(idx)[0]).keep();
    const [B, T, V] = logits.shape;
    const all = logits.toArray();
    let sum = 0;
    for (const x of all) sum += x;
    assert.ok(Math.abs(sum - m.logits_sum) < 1e-3, `${type}: logits sum ${sum} vs ${m.logits_sum}`);
    for (let b = 0; b < B; b++) {
      for (let v = 0; v < V; v++) {
        const got = all[(b * T + T - 1) * V + v], want = m.logits_last[b][v];
        assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${type} logits[${b},-1,${v}]: ${got} vs ${want}`);
      }
    }
  });
}

test('torch files: saveTorch of a state dict gives the bytes torch.save(OrderedDict(sd)) gave', () => {
  const file = bytesOf('layout.pt');
  const sd = loadTorch(file, { name: 'layout.pt' });
  assert.is(sd['3.num_batches_tracked'].dtype, 'int32');
  const mine = saveTorch(sd, { archive: torchArchiveName('tests/fixtures/torch_files/layout.pt') });
  assert.is(mine.length, file.length);
  const at = mine.findIndex((b, i) => b !== file[i]);
  assert.is(at, -1, `first differing byte at ${at}`);
});

test("torch files: what saveTorch writes reads back identically (the six models, every dtype wasmgrad has, scalars, empty tensors)", () => {
  for (const type of TYPES) {
    const sd = loadTorch(bytesOf(`${type}.pt`));
    const again = loadTorch(saveTorch(sd));
    assert.equal(Object.keys(again), Object.keys(sd));
    sameTensors(again, sd, type);
  }
  const sd = {
    w: tensor([[1.5, -2], [3, Number.MIN_VALUE]]), n: tensor(7, { dtype: 'int32' }), idx: tensor([-2147483648, 2147483647], { dtype: 'int32' }),
    e: tensor(new Float32Array(0), { shape: [2, 0] }), big: tensor(new Float32Array(70_000).map((_, i) => i / 7), { shape: [10, 7, 1000] }),
    nan: tensor([NaN, Infinity, -Infinity, -0]),
  };
  const back = loadTorch(saveTorch(sd));
  assert.equal(Object.keys(back), Object.keys(sd));
  sameTensors(back, sd, 'handmade');
});

test('torch files: one tensor under two names is saved once and loads as one tensor', () => {
  const w = tensor([1, 2, 3]);
  const bytes = saveTorch({ a: w, b: w });
  const back = loadTorch(bytes);
  assert.ok(back.a === back.b);
  assert.equal(Array.from(back.a.toArray()), [1, 2, 3]);
  const two = saveTorch({ a: w, b: tensor([1, 2, 3]) });
  assert.ok(two.length > bytes.length, 'a second storage for a distinct tensor');
});

test('torch files: many entries (over 1000: pickle batches SETITEMS) and long names round-trip', () => {
  const sd: Record<string, Tensor> = {};
  for (let i = 0; i < 1003; i++) sd[`layer.${i}.${'x'.repeat(i % 300)}`] = tensor([i]);
  const back = loadTorch(saveTorch(sd));
  assert.equal(Object.keys(back), Object.keys(sd));
  assert.is(back['layer.1002.' + 'x'.repeat(1002 % 300)].item(), 1002);
});

test('torch files: refusals name the file and the problem', () => {
  const err = (f: () => unknown) => { try { f(); } catch (e) { assert.instance(e, TorchFileError); return (e as Error).message; } return assert.unreachable('no error') as never; };
  assert.match(err(() => loadTorch(bytesOf('int64_big.pt'), { name: 'big.pt' })), /^big\.pt: tensor data\.pkl\["n"\] holds the int64 value 1099511627776, which does not fit int32/);
  assert.match(err(() => loadTorch(bytesOf('legacy.pt'), { name: 'old.pt' })), /^old\.pt: is in PyTorch's legacy \(pre-1\.6, non-zip\) format/);
  assert.match(err(() => loadTorch(bytesOf('optimizer.pt'), { name: 'opt.pt' })), /^opt\.pt: entry 'state' is .*read it with loadTorchObject/);
  assert.match(err(() => loadTorch(bytesOf('transformer.expected.safetensors'))), /^torch file: is not a torch\.save file/);
  assert.match(err(() => loadTorch(new Uint8Array(0))), /not a torch\.save file/);
  assert.match(err(() => saveTorch({ a: 3 as unknown as Tensor })), /^saveTorch: entry 'a' is number, not a Tensor/);
});

test('torch files: torchArchiveName is torch.save\'s folder name for a path', () => {
  assert.is(torchArchiveName('out/model.pt'), 'model');
  assert.is(torchArchiveName('my.model.v1.pt'), 'my.model.v1');
  assert.is(torchArchiveName('C:\\x\\noext'), 'noext');
  assert.is(torchArchiveName('.pt'), 'archive');
});

test.run();
