// saveSafetensors / loadSafetensors: any state dict to safetensors bytes and back, and a PyTorch
// nn model's state dict (tests/fixtures/torch_nn.*, from tools/fixtures/state_dict.py through
// tools/torch_state_dict.py) loaded into the same wasmgrad nn model gives PyTorch's logits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, nn, tensor, Generator, noGrad, saveSafetensors, loadSafetensors, safetensorsMetadata, SafetensorsError } from '../src/index.ts';
import { encodeSafetensors } from '../src/safetensors.ts';

await init();
const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch_nn.json', import.meta.url), 'utf8'));
const torchBytes = new Uint8Array(readFileSync(new URL('./fixtures/torch_nn.safetensors', import.meta.url)));

const readmeModel = (g: Generator) => new nn.Sequential(
  new nn.Embedding(27, 10, { generator: g }), new nn.Flatten(),
  new nn.Linear(30, 64, { bias: false, generator: g }), new nn.BatchNorm1d(64), new nn.Tanh(),
  new nn.Linear(64, 27, { generator: g }),
);

test('state dict: save then load gives every tensor back, bit for bit, with its dtype, shape and metadata', () => {
  const a = readmeModel(new Generator().manualSeed(1));
  const sd = { ...a.stateDict(), idx: tensor([[1, 2], [3, 4]], { dtype: 'int32' }) };
  const bytes = saveSafetensors(sd, { note: 'hello' });
  const back = loadSafetensors(bytes);
  assert.equal(Object.keys(back).sort(), Object.keys(sd).sort());
  for (const [k, t] of Object.entries(sd)) {
    assert.is(back[k].dtype, t.dtype, k);
    assert.equal(back[k].shape, t.shape, k);
    assert.equal(Array.from(back[k].toArray()), Array.from(t.toArray()), k);
  }
  assert.equal(safetensorsMetadata(bytes), { note: 'hello' });
  const b = readmeModel(new Generator().manualSeed(2));
  const { idx: _, ...weights } = back;
  b.loadStateDict(weights);
  assert.equal(Array.from(b.stateDict()['2.weight'].toArray()), Array.from(a.stateDict()['2.weight'].toArray()));
});

test('state dict: a PyTorch nn model saved with tools/torch_state_dict.py loads and gives its logits', () => {
  const m = readmeModel(new Generator().manualSeed(3));
  const sd = loadSafetensors(torchBytes);
  for (const [k, t] of Object.entries(m.stateDict())) {
    assert.equal(t.shape, fixture.keys[k], k); // torch's keys and shapes
  }
  m.loadStateDict(sd);
  m.eval();
  const logits = noGrad(() => m.forward(tensor(fixture.x, { dtype: 'int32' })).tolist()) as number[][];
  let maxdiff = 0;
  logits.forEach((row, i) => row.forEach((v, j) => { maxdiff = Math.max(maxdiff, Math.abs(v - fixture.logits[i][j])); }));
  assert.ok(maxdiff < 1e-5, `maxdiff ${maxdiff}`);
});

test('state dict: dtypes wasmgrad does not hold are refused, not converted', () => {
  const bytes = encodeSafetensors({ w: { dtype: 'F64', shape: [2], data: new Float64Array([1, 2]) } });
  assert.throws(() => loadSafetensors(bytes), (e: Error) => e instanceof SafetensorsError && /'w' is F64; wasmgrad holds float32 and int32 only/.test(e.message));
  assert.throws(() => loadSafetensors(new Uint8Array([1, 2, 3])), (e: Error) => e instanceof SafetensorsError);
});

test.run();
