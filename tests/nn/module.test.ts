// nn.Module's bookkeeping, with PyTorch's names and order: properties register submodules and
// parameters, containers, buffers, train/eval, zeroGrad, stateDict/loadStateDict (strict or
// not) and a round trip through safetensors bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, nn, tensor, zeros, ones, randn, Generator, saveSafetensors, loadSafetensors, type Tensor } from '../../src/index.ts';

await init();
const g = new Generator().manualSeed(3);

class Block extends nn.Module {
  fc = new nn.Linear(4, 4, { generator: g });
  ln = new nn.LayerNorm(4);
  forward(x: Tensor): Tensor { return this.ln.forward(this.fc.forward(x).tanh()).add(x); }
}

class Net extends nn.Module {
  emb = new nn.Embedding(10, 4, { generator: g });
  blocks = new nn.ModuleList([new Block(), new Block()]);
  heads = new nn.ModuleDict({ a: new nn.Linear(4, 2, { generator: g }), b: new nn.Linear(4, 3, { bias: false, generator: g }) });
  scale = ones([4], { requiresGrad: true });
  constructor() {
    super();
    this.registerBuffer('mask', tensor([1, 0, 1, 1]));
    this.registerBuffer('cache', zeros([2]), { persistent: false });
  }
  forward(idx: Tensor): Tensor {
    let x = this.emb.forward(idx).mul(this.scale);
    for (const b of this.blocks) x = b.forward(x);
    return (this.heads.get('a') as nn.Linear).forward(x);
  }
}

test('Module: properties, ModuleList and ModuleDict register in assignment order, with PyTorch\'s keys', () => {
  const net = new Net();
  assert.equal(Object.keys(net.stateDict()), [
    'scale', 'mask', 'emb.weight',
    'blocks.0.fc.weight', 'blocks.0.fc.bias', 'blocks.0.ln.weight', 'blocks.0.ln.bias',
    'blocks.1.fc.weight', 'blocks.1.fc.bias', 'blocks.1.ln.weight', 'blocks.1.ln.bias',
    'heads.a.weight', 'heads.a.bias', 'heads.b.weight',
  ]);
  assert.equal([...net.namedParameters()].map(([k]) => k), Object.keys(net.stateDict()).filter((k) => k !== 'mask'));
  assert.equal([...net.namedBuffers()].map(([k]) => k), ['mask', 'cache'], 'non-persistent buffers are buffers, not state');
  assert.is(net.parameters().length, 13);
  assert.equal(net.children().map((m) => m.constructor.name), ['Embedding', 'ModuleList', 'ModuleDict']);
  assert.is(net.modules().length, 1 + 1 + 1 + 2 * 3 + 1 + 2);
});

test('Module: a shared parameter appears once in parameters(); train/eval reach every submodule', () => {
  const a = new nn.Linear(3, 3), b = new nn.Linear(3, 3);
  const seq = new nn.Sequential(a, new nn.Dropout(0.5), b);
  (b as unknown as { shared: Tensor }).shared = a.weight;
  assert.is(seq.parameters().length, 4);
  seq.eval();
  assert.ok(seq.modules().every((m) => !m.training));
  seq.train();
  assert.ok(seq.modules().every((m) => m.training));
});

test('Module: an array of modules is refused with the fix; forward must be defined', () => {
  class Bad extends nn.Module { layers = [new nn.Linear(2, 2)]; forward(x: Tensor): Tensor { return x; } }
  assert.throws(() => new Bad().parameters(), /property 'layers' is an array of Modules.*use new nn.ModuleList/);
  assert.throws(() => new nn.ModuleList().forward(), /ModuleList: forward\(\) is not implemented/);
});

test('Module: zeroGrad clears (or zeroes) every parameter\'s gradient', () => {
  const net = new Net();
  net.forward(tensor([[1, 2], [3, 4]], { dtype: 'int32' })).sum().backward();
  assert.ok(net.parameters().filter((p) => p.grad).length >= 9);
  net.zeroGrad({ setToNone: false });
  assert.ok(net.parameters().every((p) => !p.grad || p.grad.toArray().every((v) => v === 0)));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

test('Module: loadStateDict copies values, strict or not; nothing is copied when something does not fit', () => {
  const a = new Net(), b = new Net();
  const x = tensor([[1, 5, 9]], { dtype: 'int32' });
  assert.not.equal(Array.from(a.forward(x).toArray()), Array.from(b.forward(x).toArray()));
  assert.equal(b.loadStateDict(a.stateDict()), { missingKeys: [], unexpectedKeys: [] });
  assert.equal(Array.from(a.forward(x).toArray()), Array.from(b.forward(x).toArray()));
  const partial = a.stateDict();
  delete partial['heads.b.weight'];
  partial.extra = zeros([1]);
  assert.throws(() => b.loadStateDict(partial), /missing key\(s\) 'heads.b.weight'; unexpected key\(s\) 'extra' \(pass \{ strict: false \}/);
  assert.equal(b.loadStateDict(partial, { strict: false }), { missingKeys: ['heads.b.weight'], unexpectedKeys: ['extra'] });
  const c = new Net(), before = Array.from(c.emb.weight.toArray());
  assert.throws(() => c.loadStateDict({ ...a.stateDict(), mask: zeros([5]) }), /size mismatch for 'mask': copying \[5\] float32, the module has \[4\] float32/);
  assert.equal(Array.from(c.emb.weight.toArray()), before, 'nothing copied');
});

test('state dicts: saveSafetensors / loadSafetensors round trip, int32 buffers as I64 (PyTorch\'s dtype)', () => {
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
  m.forward(randn([5, 3], { generator: g }));
  const bytes = saveSafetensors(m.stateDict(), { note: 'test' });
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
  assert.is(header['1.num_batches_tracked'].dtype, 'I64');
  assert.is(header['0.weight'].dtype, 'F32');
  const back = loadSafetensors(bytes);
  const m2 = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2));
  m2.loadStateDict(back);
  for (const [k, t] of Object.entries(m.stateDict())) assert.equal(Array.from(m2.stateDict()[k].toArray()), Array.from(t.toArray()), k);
  assert.is(m2.stateDict()['1.num_batches_tracked'].item(), 1);
});

test.run();
