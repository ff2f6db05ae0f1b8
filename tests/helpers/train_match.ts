// Trains two copies of one model from the same seed with src/makemore/train.ts, one through its
// compiled step and one eagerly, and checks that every loss, parameter, running statistic and
// last gradient agrees bit for bit, and that the generator is left in the same state.
import * as assert from 'uvu/assert';
import { Generator, type Tensor } from '../../src/index.ts';
import { MLP, type ModelConfig } from '../../src/makemore/model.ts';
import { train } from '../../src/makemore/train.ts';

export async function assertCompiledMatchesEager(config: ModelConfig, X: Tensor, Y: Tensor, opts: { steps: number; batchSize: number; seed: number }): Promise<void> {
  const run = async (eager: boolean) => {
    const g = new Generator().manualSeed(opts.seed);
    const m = new MLP(config, g);
    const r = await train(m, X, Y, g, {
      steps: opts.steps, batchSize: opts.batchSize, logEvery: 1, eager,
      schedule: { lr: 0.1, decayAt: opts.steps >> 1, lrAfter: 0.01 },
    });
    return { m, r, next: g.random() };
  };
  const compiled = await run(false), eager = await run(true);
  assert.is(compiled.r.log.length, opts.steps);
  for (let i = 0; i < opts.steps; i++) {
    if (!Object.is(compiled.r.log[i][1], eager.r.log[i][1])) assert.unreachable(`step ${i}: compiled loss ${compiled.r.log[i][1]} vs eager ${eager.r.log[i][1]}`);
  }
  const a = compiled.m.namedTensors(), b = eager.m.namedTensors();
  for (const name of Object.keys(b)) {
    const x = new Uint32Array(a[name].toArray().buffer), y = new Uint32Array(b[name].toArray().buffer);
    const bad = x.findIndex((v, i) => v !== y[i]);
    if (bad >= 0) assert.unreachable(`${name}[${bad}] differs after ${opts.steps} steps: ${a[name].toArray()[bad]} vs ${b[name].toArray()[bad]}`);
  }
  const ga = compiled.m.parameters(), gb = eager.m.parameters();
  gb.forEach((p, i) => {
    assert.ok(ga[i].grad && p.grad, `parameter ${i} has a gradient after both`);
    assert.equal(Array.from(ga[i].grad!.toArray()), Array.from(p.grad!.toArray()), `parameter ${i}'s gradient of the last step`);
  });
  assert.is(compiled.next, eager.next, 'the generator is left in the same state');
}
