// Child process of footprint.test.ts, on a -threads build (WASMGRAD_THREADS=2; no helpers are
// started): walks the recorded program of each test model command by command, and for every
// split command checks the kernel's thread directives against what its shares really do:
//  - the shares of three partitions (2 and 3 threads' rowAt, and random cuts at multiples of 4),
//    run one after another, leave memory exactly as the whole command does (bit for bit);
//  - a share changes no byte outside the regions it declares it writes;
//  - a share gives the same result when every byte outside the regions it declares it reads or
//    writes holds garbage (so it reads nothing else that matters).
// Each share runs alone through program_run_threads on a one-thread plan. Prints one JSON line:
// per model, the commands and shares checked, and the first problems found.
import { init, randint, compile } from '../../src/index.ts';
import { kernels } from '../../src/wasm/load.ts';
import { alloc, f64, i32, u8 } from '../../src/wasm/heap.ts';
import { takeStatus } from '../../src/wasm/status.ts';
import { lastProgram } from '../../src/compile/threaded.ts';
import { rowAt, type PlanCommand } from '../../src/compile/thread_plan.ts';
import { DIRECTIVES } from '../../src/compile/_directives.ts';
import { MODELS } from '../helpers/models.ts';

interface K { program_run(p: number, n: number): number; program_run_threads(p: number, n: number, plan: number, ctl: number, nt: number): number; HEAP_BASE: WebAssembly.Global }
type Region = [number, number, number, number, number]; // base, rows, stride, c0, c1 (bytes)

await init();
const k = kernels() as unknown as K;
const heapBase = Number(k.HEAP_BASE.value) >>> 0;
const ctl = alloc(1024), plan = alloc(64);
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** Units [u0, u1) of command c, alone, on a one-thread plan. */
function runShare(c: PlanCommand, u0: number, u1: number): void {
  i32().fill(0, ctl >>> 2, (ctl + 1024) >>> 2);
  const p = plan >>> 2, v = i32();
  v[p] = 0; v[p + 1] = 2; v[p + 2] = u0; v[p + 3] = u1;
  k.program_run_threads(c.at, 1, plan, ctl, 1);
}

function regions(c: PlanCommand, x: Float64Array, u0: number, u1: number, kinds: number[]): Region[] {
  const out: Region[] = [];
  DIRECTIVES[c.name].footprint(x, u0, u1, (kind, base, rows, stride, c0, c1) => { if (kinds.includes(kind) && rows > 0 && c1 > c0) out.push([base, rows, stride, c0, c1]); });
  return out;
}

/** A byte mask of the regions. */
function mask(rs: Region[], size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (const [base, rows, stride, c0, c1] of rs) for (let r = 0; r < rows; r++) m.fill(1, base + r * stride + c0, base + r * stride + c1);
  return m;
}

function check(name: string) {
  const m = MODELS[name]();
  const step = compile(m.step, { threads: 'never' });
  step(randint(0, m.n, [32], { generator: m.g }));
  const ix = randint(0, m.n, [32], { generator: m.g });
  const out = step(ix); // binds ix (kept alive here) as the program's input
  const { commands } = lastProgram()!;
  const problems: string[] = [];
  let checked = 0, shares = 0;
  const mem = () => u8();
  // the memory the program uses: below the end of its last command or region (64 KiB more, to
  // catch a stray write just past them)
  let end = Math.max(ctl + 1024, plan + 64);
  for (const c of commands) {
    const x = f64().slice((c.at >>> 3) + 1, (c.at >>> 3) + 1 + c.nargs);
    end = Math.max(end, c.at + 8 * (c.nargs + 1));
    if (DIRECTIVES[c.name]) {
      const u = DIRECTIVES[c.name].units?.(x) ?? 0;
      for (const [base, rows, stride, , c1] of regions(c, x, 0, u, [0, 1])) end = Math.max(end, base + (rows - 1) * stride + c1);
    }
  }
  end = Math.min(mem().length, (Math.ceil(end / 4) + 16384) * 4);
  // bytes the runs may change besides the kernels' outputs: the control block and plan here
  const own = mask([[ctl, 1, 0, 0, 1024], [plan, 1, 0, 0, 64]], end);
  const differ = (a: Uint8Array, b: Uint8Array, allowed: Uint8Array | null): number => {
    const wa = new Int32Array(a.buffer, 0, end >>> 2), wb = new Int32Array(b.buffer, 0, end >>> 2);
    for (let w = heapBase >>> 2; w < wa.length; w++) {
      if (wa[w] === wb[w]) continue;
      for (let i = 4 * w; i < 4 * w + 4; i++) if (a[i] !== b[i] && !own[i] && !(allowed && allowed[i])) return i;
    }
    return -1;
  };
  commands.forEach((c, i) => {
    const d = DIRECTIVES[c.name];
    const x = f64().slice((c.at >>> 3) + 1, (c.at >>> 3) + 1 + c.nargs);
    const units = d?.units ? d.units(x) : 0;
    if (c.input || c.output || units < 2) { k.program_run(c.at, 1); return; }
    const where = `${name} command ${i} ${c.name}(${Array.from(x).join(', ')})`;
    const before = mem().slice(0, end);
    k.program_run(c.at, 1);
    const whole = mem().slice(0, end);
    const cuts = Array.from({ length: 3 }, () => 4 * Math.floor((random() * units) / 4)).filter((v) => v > 0 && v < units);
    const partitions = [[0, rowAt(units, 1, 2), units], [0, rowAt(units, 1, 3), rowAt(units, 2, 3), units], [0, ...new Set(cuts.sort((a, b) => a - b)), units]];
    for (const b of partitions) {
      mem().set(before);
      for (let t = 0; t + 1 < b.length; t++) {
        const [u0, u1] = [b[t], b[t + 1]];
        if (u1 <= u0) continue;
        shares++;
        const pre = mem().slice(0, end);
        runShare(c, u0, u1);
        const at = differ(pre, mem(), mask(regions(c, x, u0, u1, [1]), pre.length));
        if (at >= 0) problems.push(`${where}: units [${u0}, ${u1}) wrote byte ${at}, outside the regions it declares`);
      }
      const at = differ(whole, mem(), null);
      if (at >= 0) problems.push(`${where}: the shares [${b.join(', ')}] differ from the whole command at byte ${at}`);
      const s = takeStatus();
      if (s) problems.push(`${where}: a share reported status ${s.join(' ')}`);
    }
    // garbage everywhere a middle share does not declare it reads or writes
    const u0 = rowAt(units, 1, 2), u1 = units;
    mem().set(before);
    const keep = mask([...regions(c, x, u0, u1, [0, 1]), [c.at, 1, 0, 0, 8 * (c.nargs + 1)]], before.length);
    const v = mem();
    for (let j = heapBase; j < end; j++) if (!keep[j] && !own[j]) v[j] = (j * 37 + 0x7f) & 0xff;
    runShare(c, u0, u1);
    const wrote = mask(regions(c, x, u0, u1, [1]), before.length);
    for (let j = heapBase; j < end; j++) {
      if (wrote[j] && mem()[j] !== whole[j]) { problems.push(`${where}: units [${u0}, ${u1}) read memory it does not declare (its output differs at byte ${j} with garbage there)`); break; }
    }
    takeStatus();
    mem().set(whole);
    checked++;
  });
  return { commands: commands.length, checked, shares, problems: problems.slice(0, 10), loss: out.item() };
}

const result: Record<string, unknown> = {};
for (const name of Object.keys(MODELS)) result[name] = check(name);
console.log(JSON.stringify(result));
