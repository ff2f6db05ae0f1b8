// How a compiled program runs on nt threads (assembly/program_threads.ts): for each command,
// whether it splits (each thread a share of its units, the shares starting at multiples of 4, so
// every unit goes through the same instructions as in one call) or runs on thread 0, and where
// the threads must meet at a barrier first. Each kernel declares its units and the memory a share
// reads and writes (its directives, compiled into _directives.ts by tools/gen-program-threads.mjs).
// A barrier goes before a command when one of its threads would read what another thread wrote
// since the last barrier, or write what another read or wrote since then. Shares follow rowAt, or
// a neighbouring command's bounds when that spares a barrier. A kernel without directives runs on
// thread 0 as if it read and wrote all memory (barriers before and after it, where needed).
// One more rule keeps a failing run's lasting effects those of the single-threaded run, which
// stops right after a kernel that records a bad index: a command that writes memory the step did
// not make (parameters, optimizer state, running statistics, data) is never run by one thread
// after a kernel that may fail ran on another, without a barrier (which stops the run) between.
// (Memory the step made, its gradients included, may hold partial values after such an error.)
// Leaves out: reordering commands.
import { alloc, f64, i32 } from '../wasm/heap.ts';
import type { DIRECTIVES as Directives } from './_directives.ts';

// The kernels' directives are loaded by startThreads() (loadDirectives): only threaded runs need
// them, so a bundle can keep them in a chunk of their own (the page's, about 17 KB).
let DIRECTIVES: typeof Directives = {};
/** Loads the kernels' thread directives; planThreads needs them. */
export async function loadDirectives(): Promise<void> {
  if (Object.keys(DIRECTIVES).length === 0) DIRECTIVES = (await import('./_directives.ts')).DIRECTIVES;
}

/** A byte region: base + i*stride + [c0, c1) for i < rows. */
interface Region { base: number; rows: number; stride: number; c0: number; c1: number }
/** What one thread does in one command(s): memory it reads and writes, whether it may fail, whether it writes lasting memory. */
interface Effect { reads: Region[]; writes: Region[]; fails: boolean; lasting: boolean }

/** A command as the plan needs it. */
export interface PlanCommand {
  /** Byte address of the command in memory. */
  at: number;
  name: string;
  /** Its number of arguments. */
  nargs: number;
  /** The copy into an input buffer: its source (bound at every call) is not part of the program. */
  input?: boolean;
  /** The copy out of an output: its destination (a fresh tensor at every call) is not part of the program. */
  output?: boolean;
}

/** A program's plan for nt threads, in wasm memory, as program_run_threads reads it. */
export interface ThreadPlan {
  ptr: number;
  threads: number;
  /** Barriers the plan places inside a run (the start and end barriers are extra). */
  barriers: number;
  /** Commands split across the threads, and commands on thread 0 alone. */
  split: number;
  serial: number;
  /** Byte ranges [lo, hi) the program's split or declared commands may write, sorted and merged (for the arguments' check). */
  written: [number, number][];
}

const BARRIER = 1, SPLIT = 2;
/** All of memory: what a kernel without directives may touch. */
const EVERYTHING: Region = { base: 0, rows: 1, stride: 0, c0: 0, c1: 2 ** 32 };

/** First unit of thread tid's share of M units: the multiple of 4 nearest M*tid/nt. */
export function rowAt(M: number, tid: number, nt: number): number {
  if (tid >= nt) return M;
  const r = Math.floor((M * tid) / nt) + 2;
  return Math.min(M, r - (r % 4));
}

function overlaps(a: Region, b: Region): boolean {
  const aLo = a.base + a.c0, aHi = a.base + (a.rows - 1) * a.stride + a.c1;
  const bLo = b.base + b.c0, bHi = b.base + (b.rows - 1) * b.stride + b.c1;
  if (aHi <= bLo || bHi <= aLo) return false;
  if (a.rows === 1 && b.rows === 1) return true;
  if (a.rows === 1) return meetsRows(aLo, aHi, b);
  if (b.rows === 1) return meetsRows(bLo, bHi, a);
  // two matrices with the same row stride, rows lined up: rows and columns must both meet
  const s = a.stride;
  if (b.stride === s && a.c1 <= s && b.c1 <= s && (b.base - a.base) % s === 0) {
    const k = (b.base - a.base) / s;
    return k < a.rows && -k < b.rows && a.c0 < b.c1 && b.c0 < a.c1;
  }
  return true; // (other shapes: assumed to meet)
}

/** Whether [lo, hi) meets a row of r: i*stride + c0 < hi - base and i*stride + c1 > lo - base. */
function meetsRows(lo: number, hi: number, r: Region): boolean {
  if (!(r.stride > 0)) return true;
  const x = lo - r.base, y = hi - r.base;
  const first = Math.max(0, Math.floor((x - r.c1) / r.stride) + 1);
  const last = Math.min(r.rows - 1, Math.ceil((y - r.c0) / r.stride) - 1);
  return first <= last;
}

const anyMeet = (xs: Region[], ys: Region[]) => xs.some((x) => ys.some((y) => overlaps(x, y)));

/** Whether e (on one thread) conflicts with what another thread did: written-then-touched, read-then-written, or may-fail-then-lasting. */
function conflicts(e: Effect, other: Effect): boolean {
  return (e.lasting && other.fails) ||
    anyMeet(e.writes, other.writes) || anyMeet(e.writes, other.reads) || anyMeet(e.reads, other.writes);
}

const none = (): Effect => ({ reads: [], writes: [], fails: false, lasting: false });

/**
 * Plans a program (commands at their addresses in the block at cmdPtr) for nt threads. `made` lists
 * the blocks [ptr, bytes) the step made (its buffers, gradients and command block): writes
 * anywhere else are lasting.
 */
export function planThreads(cmdPtr: number, commands: PlanCommand[], made: [number, number][], nt: number): ThreadPlan {
  const words = nt + 3;
  const ptr = alloc(Math.max(1, commands.length) * words * 4);
  const lasting = (r: Region) => {
    const lo = r.base + r.c0, hi = r.base + (r.rows - 1) * r.stride + r.c1;
    return !made.some(([p, n]) => lo >= p && hi <= p + n);
  };
  const written: [number, number][] = [];

  /** The footprint of units [u0, u1) of command c (of its arguments x). */
  const footprint = (c: PlanCommand, x: Float64Array, u0: number, u1: number): Effect => {
    const d = DIRECTIVES[c.name];
    const e = none();
    e.fails = !!d.fails;
    d.footprint(x, u0, u1, (kind, base, rows, stride, c0, c1) => {
      if (rows <= 0 || c1 <= c0) return;
      const r: Region = rows > 1 && c0 === 0 && c1 === stride ? { base, rows: 1, stride: 0, c0: 0, c1: rows * stride } : { base, rows, stride, c0, c1 };
      if (kind === 0 && !c.input) e.reads.push(r);
      if (kind === 1 && !c.output) e.writes.push(r);
    });
    e.lasting = e.writes.some(lasting);
    return e;
  };

  const args = (c: PlanCommand) => f64().slice((c.at >>> 3) + 1, (c.at >>> 3) + 1 + c.nargs);
  const unitsOf = (c: PlanCommand | undefined, x?: Float64Array) => {
    const d = c && DIRECTIVES[c.name];
    return d?.units ? Math.max(0, d.units(x ?? args(c!))) : 0;
  };
  const shareBounds = (units: number) => Array.from({ length: nt + 1 }, (_, t) => rowAt(units, t, nt));
  /** The effects of command c (arguments x) on each thread when split at bounds b, or null if its shares would race. */
  const splitAt = (c: PlanCommand, x: Float64Array, b: number[]): Effect[] | null => {
    const shares = b.slice(0, nt).map((u0, t) => (b[t + 1] > u0 ? footprint(c, x, u0, b[t + 1]) : null));
    if (shares.filter(Boolean).length < 2) return null;
    const racy = shares.some((p, t) => p && shares.some((q, s) => s !== t && q && anyMeet(p.writes, [...q.reads, ...q.writes])));
    return racy ? null : shares.map((e) => e ?? none());
  };
  const clashes = (effects: Effect[]) => effects.some((e, t) => done.some((d, s) => s !== t && conflicts(e, d)));

  const done: Effect[] = Array.from({ length: nt }, none);
  let recent: number[][] = []; // the bounds of split commands since the last barrier, latest first
  let barriers = 0, split = 0, serial = 0;
  const plan = i32();
  commands.forEach((c, i) => {
    const at = (ptr >>> 2) + i * words;
    const d = DIRECTIVES[c.name];
    const x = args(c);
    const units = unitsOf(c, x);
    let effects: Effect[] = Array.from({ length: nt }, none);
    let bounds: number[] = Array.from({ length: nt + 1 }, () => 0);
    let flags = 0;
    if (!d) {
      // (not in `written`: fenced by barriers on both sides, it never runs beside the input copies)
      effects[0] = { reads: [EVERYTHING], writes: [EVERYTHING], fails: true, lasting: true };
      serial++;
    } else {
      // Split at rowAt, or at another command's bounds scaled to these units when that spares a
      // barrier: one since the last barrier (its data stays with the thread that made it), else
      // the next command's (which then needs none). Any bounds at multiples of 4 give the same bits.
      const next = commands[i + 1] && DIRECTIVES[commands[i + 1].name]?.units ? shareBounds(unitsOf(commands[i + 1])) : null;
      const candidates = [shareBounds(units), ...recent.map((b) => scaled(b, units)), next && scaled(next, units)]
        .filter((b): b is number[] => !!b);
      let chosen: { b: number[]; e: Effect[] } | null = null, fallback: { b: number[]; e: Effect[] } | null = null;
      for (const b of units > 0 ? candidates : []) {
        const e = splitAt(c, x, b);
        if (!e) continue;
        if (!clashes(e)) { chosen = { b, e }; break; }
        if (!fallback || b === candidates[candidates.length - 1]) fallback = { b, e };
      }
      chosen ??= fallback;
      if (chosen) {
        flags |= SPLIT;
        bounds = chosen.b;
        effects = chosen.e;
        split++;
      } else {
        effects[0] = footprint(c, x, 0, units);
        serial++;
      }
      for (const e of effects) for (const r of e.writes) written.push([r.base + r.c0, r.base + (r.rows - 1) * r.stride + r.c1]);
    }
    if (clashes(effects)) {
      flags |= BARRIER;
      barriers++;
      for (let t = 0; t < nt; t++) done[t] = none();
      recent = [];
    }
    effects.forEach((e, t) => {
      const dt = done[t];
      dt.reads.push(...e.reads); dt.writes.push(...e.writes);
      dt.fails ||= e.fails; dt.lasting ||= e.lasting;
    });
    if (flags & SPLIT) recent.unshift(bounds);
    plan[at] = c.at - cmdPtr;
    plan[at + 1] = flags;
    bounds.forEach((v, t) => { plan[at + 2 + t] = v; });
  });
  return { ptr, threads: nt, barriers, split, serial, written: merge(written) };
}

/** Share bounds b (over b's last units) scaled to `units`, if that gives whole units at multiples of 4. */
function scaled(b: number[], units: number): number[] | null {
  const from = b[b.length - 1];
  if (!from || !units || from === units) return from === units ? b : null;
  const out = units % from === 0 ? b.map((v) => (v * units) / from) : from % units === 0 && b.every((v) => v % (from / units) === 0) ? b.map((v) => v / (from / units)) : null;
  return out && out.every((v) => v === units || v % 4 === 0) ? out : null;
}

function merge(xs: [number, number][]): [number, number][] {
  xs.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of xs) {
    const last = out[out.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Whether [lo, hi) meets one of the sorted, merged ranges. */
export function meetsAny(ranges: [number, number][], lo: number, hi: number): boolean {
  let a = 0, b = ranges.length;
  while (a < b) { const m = (a + b) >>> 1; if (ranges[m][1] <= lo) a = m + 1; else b = m; }
  return a < ranges.length && ranges[a][0] < hi;
}
