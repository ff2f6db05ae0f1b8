// Child process of threads.test.ts (and, under Deno, of tools/test-deno.js): init() picks the
// build and thread count once per process (WASMGRAD_BUILD, WASMGRAD_THREADS), so each setting
// runs here. Prints one JSON line (tests/helpers/thread_runs.ts says what is in it).
// argv: steps, then 'models' (the three models) or 'failure' (a failing helper, then a bad index).
import { init, initInfo } from '../../src/index.ts';
import { runModels, failures } from '../helpers/thread_runs.ts';

const args: string[] = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const steps = Number(args[0]), what = args[1] ?? 'models';
await init();
const out = what === 'failure' ? { ...(await failures()), info: initInfo() } : await runModels(steps);
console.log(JSON.stringify(out));
