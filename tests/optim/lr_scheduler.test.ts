// lr schedulers against PyTorch 1.13: the rate of each group at construction and after every
// step() (tests/fixtures/nn_optim.json). The formulas are PyTorch's, operation for operation, so
// the rates are the same float64 values, except that JS's Math.cos (fdlibm) and glibc's cos can
// differ by 1 ulp: cosine rates agree within 1e-15 relative, the others exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, optim, tensor } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8')).schedulers;
const S = optim.lrScheduler;

const makers: Record<string, (o: optim.SGD) => optim.lrScheduler.LRScheduler> = {
  'StepLR': (o) => new S.StepLR(o, { stepSize: 3, gamma: 0.5 }),
  'StepLR default gamma': (o) => new S.StepLR(o, { stepSize: 1 }),
  'LambdaLR': (o) => new S.LambdaLR(o, { lrLambda: (e) => 1 / (1 + 0.5 * e) }),
  'CosineAnnealingLR': (o) => new S.CosineAnnealingLR(o, { tMax: 5, etaMin: 0.001 }),
  'CosineAnnealingLR 100': (o) => new S.CosineAnnealingLR(o, { tMax: 100 }),
};

/** Exact, or within 1e-15 relative for the cosine schedules (see above). */
function same(got: number[], want: number[], cosine: boolean, what: string): void {
  got.forEach((g, i) => {
    const ok = cosine ? Math.abs(g - want[i]) <= 1e-15 * Math.abs(want[i]) : g === want[i];
    assert.ok(ok, `${what}: group ${i} rate ${g}, PyTorch ${want[i]}`);
  });
}

for (const c of fx as { name: string; lrs: number[][] }[]) {
  test(`lrScheduler: ${c.name} gives PyTorch's rates at every step, for two groups`, () => {
    const cosine = c.name.startsWith('Cosine');
    const opt = new optim.SGD([{ params: [tensor([0], { requiresGrad: true })] }, { params: [tensor([0], { requiresGrad: true })], lr: 0.03 }], { lr: 0.1 });
    const s = makers[c.name](opt);
    same(opt.paramGroups.map((g) => g.lr), c.lrs[0], cosine, 'after construction');
    for (let i = 1; i < c.lrs.length; i++) {
      opt.step();
      s.step();
      same(opt.paramGroups.map((g) => g.lr), c.lrs[i], cosine, `after step ${i}`);
      assert.equal(s.getLastLr(), opt.paramGroups.map((g) => g.lr));
    }
  });
}

test('lrScheduler: bad options and resuming without initialLr are clear errors', () => {
  const opt = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
  assert.throws(() => new S.StepLR(opt, { stepSize: 0 }), /StepLR: stepSize must be a positive integer, got 0/);
  assert.throws(() => new S.CosineAnnealingLR(opt, { tMax: 10, eta_min: 0 } as never), /CosineAnnealingLR: unknown option 'eta_min'/);
  assert.throws(() => new S.LambdaLR(opt, { lrLambda: [(e: number) => e, (e: number) => e] }), /expected 1 lrLambda functions/);
  const fresh = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
  assert.throws(() => new S.StepLR(fresh, { stepSize: 2, lastEpoch: 5 }), /initialLr is not set, which resuming with lastEpoch 5 needs/);
});

test('lrScheduler: resuming at lastEpoch continues the schedule (closed form on the first step, as PyTorch)', () => {
  const p = tensor([0], { requiresGrad: true });
  const a = new optim.SGD([p], { lr: 0.1 });
  const sa = new S.CosineAnnealingLR(a, { tMax: 10 });
  for (let i = 0; i < 4; i++) sa.step();
  const b = new optim.SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
  b.paramGroups[0].initialLr = 0.1;
  const sb = new S.CosineAnnealingLR(b, { tMax: 10, lastEpoch: 3 });
  assert.ok(Math.abs(b.lr - a.lr) < 1e-15, `${b.lr} vs ${a.lr}`);
  sa.step(); sb.step();
  assert.ok(Math.abs(b.lr - a.lr) < 1e-15, `${b.lr} vs ${a.lr}`);
});

test.run();
