// Printing against PyTorch 1.13 (tests/fixtures/ops_print.json, from tools/fixtures/ops_print.py):
// String(t), t.toString() and console.log(t) show what repr(t) shows in PyTorch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { init, tensor, setPrintOptions, type PrintOptions, type Tensor } from '../src/index.ts';
import { formatFixed, formatSci } from '../src/print.ts';
import { loadFixture, flat } from './helpers/fixtures.ts';

await init();
const fx = loadFixture('ops_print.json');

const toOurs = (o: Record<string, unknown> | null): PrintOptions => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o ?? {})) out[k === 'sci_mode' ? 'sciMode' : k] = v;
  return out as PrintOptions;
};

function make(c: { shape: number[]; dtype: 'float32' | 'int32'; data: never; requiresGrad: boolean }): Tensor {
  const data = flat(c.data);
  return tensor(c.dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data), { shape: c.shape, requiresGrad: c.requiresGrad });
}

test('print: String(t) is the text PyTorch prints, for every case of the fixture', () => {
  for (const c of fx.cases) {
    setPrintOptions({ profile: 'default' });
    if (c.opts) setPrintOptions(toOurs(c.opts));
    try {
      assert.fixture(String(make(c)), c.text, c.name);
    } finally {
      setPrintOptions({ profile: 'default' });
    }
  }
  assert.ok(fx.cases.length >= 60, `${fx.cases.length} cases`);
});

test('print: toString(), template strings and console.log (util.inspect) agree, nested objects too', () => {
  const t = tensor([[0.1, 0.2]], { requiresGrad: true });
  const want = 'tensor([[0.1000, 0.2000]], requiresGrad=true)';
  assert.is(t.toString(), want);
  assert.is(`${t}`, want);
  assert.is(inspect(t), want);
  assert.is(inspect({ w: t }), `{ w: ${want} }`);
});

test('print: a tensor made by an op shows its gradFn, as PyTorch shows grad_fn', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.is(String(x.mul(2)), 'tensor([2., 4.], gradFn=<MulBackward>)');
  assert.is(String(x.maskedFill(x.gt(1), 0)), 'tensor([1., 0.], gradFn=<MaskedFillBackward>)');
  assert.is(String(x.detach()), 'tensor([1., 2.])');
});

test('print: max over a dim prints its values and indices', () => {
  const r = tensor([[1, 5], [7, 0]]).max(1);
  assert.is(String(r), 'max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))');
  assert.is(inspect(r), String(r));
});

test('print: console.log of a reclaimed tensor says so instead of throwing', () => {
  const w = tensor([1, 2, 3], { requiresGrad: true });
  const step = () => w.mul(w).sum().backward();
  step();
  const old = w.mul(5);
  for (let i = 0; i < 4; i++) step();
  assert.throws(() => String(old), /reclaimed/);
  assert.match(inspect(old), /^\[Tensor \[3\]: .*reclaimed/);
});

test('print: decimal rounding is exact, half to even on exact ties, as Python format', () => {
  assert.is(formatFixed(0.125, 2), '0.12');
  assert.is(formatFixed(0.375, 2), '0.38');
  assert.is(formatFixed(-0.03125, 4), '-0.0312');
  assert.is(formatFixed(2.675, 2), '2.67'); // 2.675 is 2.67499999... in binary
  assert.is(formatFixed(-0, 4), '-0.0000');
  assert.is(formatFixed(-1e-9, 4), '-0.0000');
  assert.is(formatFixed(1e20, 1), '100000000000000000000.0');
  assert.is(formatSci(0, 4), '0.0000e+00');
  assert.is(formatSci(9.99985, 4), '9.9999e+00');
  assert.is(formatSci(9.99995, 4), '1.0000e+01'); // just above the tie in binary
  assert.is(formatSci(0.125, 1), '1.2e-01'); // exact ties: half to even
  assert.is(formatSci(0.375, 1), '3.8e-01');
  assert.is(formatSci(1.25e-5, 1), '1.3e-05'); // above the tie in binary
  assert.is(formatSci(3e-300, 2), '3.00e-300');
  assert.is(formatSci(-5e-324, 3), '-4.941e-324');
  assert.is(formatSci(123, 0), '1e+02');
});

test('print: setPrintOptions checks its options', () => {
  assert.throws(() => setPrintOptions({ precison: 2 } as never), /unknown option 'precison'/);
  assert.throws(() => setPrintOptions({ precision: -1 }), /precision must be a non-negative integer/);
  assert.throws(() => setPrintOptions({ profile: 'long' } as never), /profile must be 'default', 'short' or 'full'/);
  setPrintOptions({ profile: 'full' });
  assert.not.match(String(tensor(new Float32Array(1500))), /\.\.\./);
  setPrintOptions({ profile: 'default' });
  assert.match(String(tensor(new Float32Array(1500))), /\.\.\./);
});

test.run();
