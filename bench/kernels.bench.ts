// npm run bench: every kernel at the workload's shapes (B=32, K=30, H=200, V=27), each checked
// against its float64 reference first. Prints build, runtime, time per call and GFLOP/s.
import os from 'node:os';
import { Bench } from 'tinybench';
import { init, kernels } from '../src/wasm/load.ts';
import type { Case, Register } from './harness.ts';

const info = await init();
const k = kernels();
const files = ['matmul', 'elementwise', 'unary', 'reduce', 'tanh', 'softmax', 'cross_entropy', 'batchnorm', 'embedding', 'sgd'];
const cases: Case[] = [];
for (const f of files) {
  try {
    const mod = (await import(`./${f}.bench.ts`)) as { register: Register };
    mod.register((c) => cases.push(c), k);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
}
const bench = new Bench({ time: Number(process.env.BENCH_MS ?? 300) });
for (const c of cases) bench.add(c.name, c.fn);
await bench.run();
console.log(`wasmgrad kernels: build=${info.build} runtime=node ${process.versions.node} (V8 ${process.versions.v8}) cpu=${os.cpus()[0]?.model} date=${new Date().toISOString().slice(0, 10)}`);
const rows = bench.tasks.map((t, i) => {
  const r = t.result as { latency?: { p50?: number; mean?: number } } | undefined;
  const ms = r?.latency?.p50 ?? r?.latency?.mean ?? NaN;
  const us = ms * 1000;
  return { kernel: t.name, 'µs/call (median)': us.toFixed(3), 'GFLOP/s': cases[i].flops ? (cases[i].flops / (us * 1e3)).toFixed(1) : '' };
});
console.table(rows);
