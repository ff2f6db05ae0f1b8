// Random graphs against a float64 reference: shared subgraphs, views, broadcasting, several
// losses, backward() in random order, some twice with retainGraph. Every leaf gradient must
// equal the float64 derivative (central differences of the same expression in float64).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { init, tensor, type Tensor } from '../../src/index.ts';

await init();
const R = 2, C = 3, N = R * C;
type V = Float64Array;

// Each op: on wasmgrad tensors of shape [2, 3], on float64 arrays of the same layout, and
// whether it saves values for backward (so a backward without retainGraph frees it, as PyTorch).
const unary: [string, (x: Tensor) => Tensor, (x: V) => V, boolean][] = [
  ['tanh', (x) => x.tanh(), (x) => x.map(Math.tanh), true],
  ['scale', (x) => x.mul(0.7), (x) => x.map((v) => 0.7 * v), false],
  ['square', (x) => x.mul(x), (x) => x.map((v) => v * v), true],
  ['exp', (x) => x.mul(0.5).exp(), (x) => x.map((v) => Math.exp(0.5 * v)), true],
  ['transpose twice', (x) => x.T.contiguous().T, (x) => x.slice(), false],
  ['reshape', (x) => x.reshape(3, 2).reshape(2, 3), (x) => x.slice(), false],
  ['col mean', (x) => x.mean(0, true).expand(2, 3), (x) => x.map((_, i) => (x[i % C] + x[C + (i % C)]) / 2), false],
  ['row sum + x', (x) => x.sum(1, true).add(x), (x) => x.map((v, i) => v + x[Math.floor(i / C) * C] + x[Math.floor(i / C) * C + 1] + x[Math.floor(i / C) * C + 2]), false],
  ['transposed view', (x) => x.T.mul(2).T, (x) => x.map((v) => 2 * v), false],
  ['narrow + cat-like', (x) => x.narrow(1, 0, 2).sum(1, true).sub(x), (x) => x.map((v, i) => x[Math.floor(i / C) * C] + x[Math.floor(i / C) * C + 1] - v), false],
];
const binary: [string, (a: Tensor, b: Tensor) => Tensor, (a: V, b: V) => V, boolean][] = [
  ['add', (a, b) => a.add(b), (a, b) => a.map((v, i) => v + b[i]), false],
  ['sub', (a, b) => a.sub(b), (a, b) => a.map((v, i) => v - b[i]), false],
  ['mul', (a, b) => a.mul(b), (a, b) => a.map((v, i) => v * b[i]), true],
  ['div', (a, b) => a.div(b.mul(b).add(1)), (a, b) => a.map((v, i) => v / (b[i] * b[i] + 1)), true],
  ['row bcast', (a, b) => a.mul(b.select(0, 1)), (a, b) => a.map((v, i) => v * b[C + (i % C)]), true],
];

/** Node index -> [input node indices, saves values]; leaves are 0 and 1. */
function structure(plan: Plan): [number[], boolean][] {
  const s: [number[], boolean][] = [[[], false], [[], false]];
  for (const [kind, which, i, j] of plan.ops) {
    const n = s.length;
    const a = i % n, b = j % n;
    s.push(kind === 0 ? [[a], unary[which % unary.length][3]] : [[a, b], binary[which % binary.length][3]]);
  }
  return s;
}

interface Plan { ops: [number, number, number, number][]; losses: [number, number][]; order: number[]; retain: boolean[] }

function build(plan: Plan, leaves: Tensor[]) {
  const nodes = [...leaves];
  for (const [kind, which, i, j] of plan.ops) {
    const a = nodes[i % nodes.length], b = nodes[j % nodes.length];
    nodes.push(kind === 0 ? unary[which % unary.length][1](a) : binary[which % binary.length][1](a, b));
  }
  return plan.losses.map(([n, w]) => nodes[n % nodes.length].mul(tensor(Array.from({ length: N }, (_, k) => ((w + k) % 5) - 2), { shape: [R, C] })).sum());
}

function reference(plan: Plan, leaves: V[]): number[] {
  const nodes = [...leaves];
  for (const [kind, which, i, j] of plan.ops) {
    const a = nodes[i % nodes.length], b = nodes[j % nodes.length];
    nodes.push(kind === 0 ? unary[which % unary.length][2](a) : binary[which % binary.length][2](a, b));
  }
  return plan.losses.map(([n, w]) => nodes[n % nodes.length].reduce((s, v, k) => s + v * (((w + k) % 5) - 2), 0));
}

const planArb = fc.record({
  ops: fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.nat(20), fc.nat(30), fc.nat(30)), { minLength: 1, maxLength: 12 }),
  losses: fc.array(fc.tuple(fc.nat(30), fc.nat(10)), { minLength: 1, maxLength: 4 }),
  order: fc.array(fc.nat(10), { minLength: 1, maxLength: 6 }),
  retain: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
});
const valuesArb = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2 * N, maxLength: 2 * N });

test('autograd: random graphs, losses backpropagated in random order, match float64 derivatives', () => {
  fc.assert(fc.property(planArb, valuesArb, (plan, vals) => {
    const init64 = [Float64Array.from(vals.slice(0, N), Math.fround), Float64Array.from(vals.slice(N), Math.fround)];
    const leaves = init64.map((v) => { const t = tensor(v, { shape: [R, C] }); t.requiresGrad = true; return t; });
    const losses = build(plan, leaves);
    // Backward of losses in the plan's order, retained or not. As in PyTorch, reaching a node
    // whose saved values an earlier backward freed must throw (and add nothing).
    const st = structure(plan);
    const freed = new Set<number>(), lossFreed = new Set<number>();
    const counts = losses.map(() => 0);
    plan.order.forEach((o, step) => {
      const l = o % losses.length;
      const retain = plan.retain[step % plan.retain.length];
      const reach = new Set<number>(), todo = [plan.losses[l][0] % st.length];
      while (todo.length) { const n = todo.pop()!; if (reach.has(n)) continue; reach.add(n); todo.push(...st[n][0]); }
      const stale = lossFreed.has(l) || [...reach].some((n) => freed.has(n));
      const reachesLeaf = reach.has(0) || reach.has(1);
      if (!reachesLeaf) return; // a loss that needs no grad (cannot happen: every node descends from a leaf)
      if (stale) {
        assert.throws(() => losses[l].backward({ retainGraph: retain }), /second time/, `backward ${step} of loss ${l} must throw`);
        return;
      }
      losses[l].backward({ retainGraph: retain });
      counts[l]++;
      if (!retain) { lossFreed.add(l); for (const n of reach) if (st[n][1]) freed.add(n); }
    });
    // Expected: sum over the backward calls of d loss / d leaf, by central differences in float64.
    for (let leaf = 0; leaf < 2; leaf++) {
      const got = leaves[leaf].grad ? Array.from(leaves[leaf].grad!.toArray()) : new Array(N).fill(0);
      for (let k = 0; k < N; k++) {
        const h = 1e-5;
        const plus = init64.map((v) => v.slice()), minus = init64.map((v) => v.slice());
        plus[leaf][k] += h; minus[leaf][k] -= h;
        const fp = reference(plan, plus), fm = reference(plan, minus);
        const want = counts.reduce((s, c, l) => s + c * (fp[l] - fm[l]) / (2 * h), 0);
        if (!(Math.abs(got[k] - want) <= 2e-3 * Math.max(1, Math.abs(want)))) {
          assert.unreachable(`leaf ${leaf}[${k}]: got ${got[k]}, float64 ${want} (plan ${JSON.stringify(plan)})`);
        }
      }
    }
  }), { numRuns: 300, seed: 20261129 });
});

test.run();
