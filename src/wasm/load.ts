// Finds the wasm bytes, detects what the runtime supports, instantiates once. Portable: the
// bytes sit next to the code (`new URL('../../build/<build>.wasm', import.meta.url)`), read with
// fs in Node, Deno.readFile in Deno and fetch elsewhere; init({ wasm }) overrides the location.
// Node built-ins are reached only behind runtime checks, so bundlers and browsers never see them.
// Leaves out: memory layout (heap.ts owns it) and anything op-specific.
import { instantiate as asInstantiate } from '@assemblyscript/loader';
import type { Kernels } from './abi.ts';
import { attachMemory, memoryBytes } from './heap.ts';

export type Build = 'simd' | 'relaxed' | 'scalar' | 'debug';
const BUILDS: readonly Build[] = ['simd', 'relaxed', 'scalar', 'debug'];

export interface InitOptions {
  /** Force a build instead of the best one the runtime supports. Also: WASMGRAD_BUILD=scalar. */
  build?: Build;
  /**
   * The wasm module's bytes, or where to fetch them (overrides the default location), or a
   * function of the chosen build that returns either: bundled pages copy build/*.wasm beside
   * their script and pass `(build) => new URL(`./${build}.wasm`, import.meta.url)`.
   */
  wasm?: WasmSource | ((build: Build, file: string) => WasmSource | Promise<WasmSource>);
  /**
   * Threads for compiled steps (default 1; also WASMGRAD_THREADS=2). Above 1, loads the build's
   * shared-memory variant (build/<build>-threads.wasm) on a shared WebAssembly.Memory; then
   * startThreads() starts the helpers (Node worker_threads, or Web Workers, started from a Web
   * Worker in a browser) and compile()d functions run on that many threads, with the same numbers
   * as one thread. Needs SharedArrayBuffer (in browsers: a cross-origin-isolated page).
   */
  threads?: number;
}

/** Bytes, or a URL (relative strings resolve against this module) to read them from. */
export type WasmSource = BufferSource | URL | string;

export interface InitInfo {
  /** The build that runs. */
  build: Build;
  /** Whether the runtime validates WebAssembly SIMD (v128). */
  simd: boolean;
  /** Whether the runtime validates relaxed SIMD. */
  relaxedSimd: boolean;
  /** Size of the wasm memory right after init, in bytes. */
  memoryBytes: number;
  /** Threads compiled steps may use once startThreads() ran (1 unless init({ threads }) asked for more). */
  threads: number;
  /** Whether the memory is a shared one (the -threads builds, threads > 1). */
  sharedMemory: boolean;
}

/** What the threaded training step needs to start its helpers on the same module and memory. */
export interface ThreadsContext { module: WebAssembly.Module; memory: WebAssembly.Memory; threads: number; file: string }

// Tiny modules that use one v128 instruction (i8x16.popcnt) and one relaxed one
// (f32x4.relaxed_madd): the runtime supports a feature iff it validates them.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const V128_ZERO = [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 253, 133, 2, 11]);

interface DenoLike {
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  cwd(): string;
  env: { get(name: string): string | undefined };
  permissions: { querySync?(d: { name: string; variable?: string; path?: string }): { state: string } };
}
interface ProcessLike {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  cwd?(): string;
  getBuiltinModule?(name: string): unknown;
}
const deno = (globalThis as { Deno?: DenoLike }).Deno;
// NOTE: Deno 2 also has a `process` with versions.node, so Deno is ruled out first.
const nodeProcess = deno ? undefined : (globalThis as { process?: ProcessLike }).process;
const isNode = !!nodeProcess?.versions?.node;

let kernelsRef: Kernels | null = null;
let info: InitInfo | null = null;
let pending: Promise<InitInfo> | null = null;
let threadsRef: ThreadsContext | null = null;

/**
 * A Node built-in, loaded so that bundlers do not try to resolve it: getBuiltinModule where
 * Node has it (20.16+), else an import of a specifier they cannot see.
 */
async function nodeBuiltin<T>(name: string): Promise<T> {
  const m = nodeProcess?.getBuiltinModule?.(name);
  if (m) return m as T;
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as T;
}

/** Node 20 validates relaxed SIMD only behind a V8 flag, which may be set before compiling. */
async function enableRelaxedSimdFlag(): Promise<void> {
  if (!isNode || WebAssembly.validate(RELAXED_PROBE)) return;
  try {
    const v8 = await nodeBuiltin<{ setFlagsFromString(flag: string): void }>('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not Node after all, or flags are locked: the fallback below handles it.
  }
}

/** An environment variable, or undefined where there is none or reading it is not allowed
 *  (Deno without --allow-env: asked first, so it never prompts). */
function env(name: string): string | undefined {
  try {
    if (deno) {
      const state = deno.permissions.querySync?.({ name: 'env', variable: name }).state;
      return state === 'granted' ? deno.env.get(name) || undefined : undefined;
    }
    return nodeProcess?.env?.[name] || undefined;
  } catch {
    return undefined;
  }
}

function cwdUrl(): URL {
  const cwd = deno ? deno.cwd() : nodeProcess?.cwd?.() ?? '/';
  return new URL(`file://${cwd.endsWith('/') ? cwd : cwd + '/'}`);
}

async function readBytes(build: Build, option: InitOptions['wasm'], file: string = build): Promise<BufferSource> {
  const source = typeof option === 'function' ? await option(build, file) : option;
  if (source && typeof source !== 'string' && !(source instanceof URL)) return source;
  // WASMGRAD_WASM_DIR points at another folder of builds (used to test one kernel in isolation).
  const dir = source ? undefined : env('WASMGRAD_WASM_DIR');
  const url = source ? new URL(String(source), import.meta.url)
    : dir ? new URL(`${file}.wasm`, new URL(dir.endsWith('/') ? dir : dir + '/', cwdUrl()))
    : new URL(`../../build/${file}.wasm`, import.meta.url);
  if (url.protocol === 'file:' && (isNode || deno)) {
    try {
      if (deno) return await deno.readFile(url);
      const { readFile } = await nodeBuiltin<{ readFile(p: URL): Promise<Uint8Array<ArrayBuffer>> }>('node:fs/promises');
      return await readFile(url);
    } catch (e) {
      const hint = deno && /NotCapable|PermissionDenied|--allow-read/.test(String(e)) ? ' (run Deno with --allow-read)' : '';
      const fix = build === 'debug' && !source && !dir ? 'the debug build is not in the npm package: build it in a clone of the repository (`npm run build:wasm`)'
        : 'Run `npm run build` first, or pass init({ wasm: bytes })';
      throw new Error(`wasmgrad: cannot read ${decodeURIComponent(url.pathname)}: ${(e as Error).message}${hint}. ${fix}`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasmgrad: cannot fetch ${url.href} (HTTP ${res.status}); pass init({ wasm: url or bytes })`);
  return await res.arrayBuffer();
}

/**
 * Loads the kernels once and reports which build runs. Idempotent: later calls return the
 * first call's result (and throw if they ask for a different build).
 * @example
 *   const { build } = await init();            // 'relaxed', 'simd' or 'scalar'
 *   await init({ build: 'scalar' });          // force one
 */
export function init(opts: InitOptions = {}): Promise<InitInfo> {
  if (pending) {
    return pending.then((done) => {
      if (opts.build && opts.build !== done.build) {
        throw new Error(`wasmgrad: already initialised with the '${done.build}' build; init({ build: '${opts.build}' }) must be the first call`);
      }
      if (opts.threads !== undefined && opts.threads !== done.threads) {
        throw new Error(`wasmgrad: already initialised with ${done.threads} thread(s); init({ threads: ${opts.threads} }) must be the first call`);
      }
      return done;
    });
  }
  pending = doInit(opts).catch((e) => { pending = null; throw e; });
  return pending;
}

async function doInit(opts: InitOptions): Promise<InitInfo> {
  await enableRelaxedSimdFlag();
  const simd = WebAssembly.validate(SIMD_PROBE);
  const relaxedSimd = simd && WebAssembly.validate(RELAXED_PROBE);
  const asked = opts.build ?? env('WASMGRAD_BUILD');
  if (asked !== undefined && !BUILDS.includes(asked as Build)) {
    throw new Error(`wasmgrad: unknown build '${asked}'; use one of ${BUILDS.join(', ')}`);
  }
  const build: Build = (asked as Build | undefined) ?? (relaxedSimd ? 'relaxed' : simd ? 'simd' : 'scalar');
  if ((build === 'simd' || build === 'debug') && !simd) throw new Error(`wasmgrad: this runtime has no WebAssembly SIMD; use the 'scalar' build`);
  if (build === 'relaxed' && !relaxedSimd) throw new Error(`wasmgrad: this runtime has no relaxed SIMD; use the 'simd' build`);
  const threads = threadCount(opts.threads);
  if (threads > 1) return initThreads(build, simd, relaxedSimd, threads, opts);
  const bytes = await readBytes(build, opts.wasm);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const { exports } = await asInstantiate<Record<string, unknown>>(bytes, { env: { memory } });
  const heapBase = Number((exports.HEAP_BASE as WebAssembly.Global).value) >>> 0;
  attachMemory(memory, heapBase);
  kernelsRef = exports as unknown as Kernels;
  info = { build, simd, relaxedSimd, memoryBytes: memoryBytes(), threads: 1, sharedMemory: false };
  return info;
}

/** init({ threads }) or WASMGRAD_THREADS, checked: an integer from 1 to 64. */
function threadCount(asked: number | undefined): number {
  const raw = asked ?? env('WASMGRAD_THREADS');
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`wasmgrad: threads must be an integer from 1 to 64, got '${raw}'`);
  return n;
}

// The -threads variant of the build (asconfig.threads.json) on a shared memory.
async function initThreads(build: Build, simd: boolean, relaxedSimd: boolean, threads: number, opts: InitOptions): Promise<InitInfo> {
  if (build === 'debug') throw new Error(`wasmgrad: the 'debug' build has no threads variant; use simd, relaxed or scalar with threads`);
  let memory: WebAssembly.Memory;
  try {
    if (typeof SharedArrayBuffer === 'undefined') throw new Error('no SharedArrayBuffer');
    memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  } catch (e) {
    throw new Error(`wasmgrad: threads need shared WebAssembly memory, which this runtime does not give (${(e as Error).message}; browsers need cross-origin isolation); use threads: 1`);
  }
  const file = `${build}-threads`;
  const bytes = await readBytes(build, opts.wasm, file);
  const module = await WebAssembly.compile(bytes);
  const { exports } = await asInstantiate<Record<string, unknown>>(module, { env: { memory } });
  const heapBase = Number((exports.HEAP_BASE as WebAssembly.Global).value) >>> 0;
  attachMemory(memory, heapBase);
  kernelsRef = exports as unknown as Kernels;
  threadsRef = { module, memory, threads, file };
  info = { build, simd, relaxedSimd, memoryBytes: memoryBytes(), threads, sharedMemory: true };
  return info;
}

/** What ops call instead of the kernels while a compiled step captures or checks a call (src/capture.ts), or null. */
let standIns: Kernels | null = null;

/**
 * The kernels as ops call them: the loaded build's, or while a compiled step is captured or
 * checked, src/capture.ts's stand-ins for them (the one thing that module sets here).
 */
export function kernels(): Kernels {
  return standIns ?? wasmKernels();
}

/** The loaded build's kernels themselves. */
export function wasmKernels(): Kernels {
  if (!kernelsRef) throw new Error('wasmgrad: tensors need `await init()` first');
  return kernelsRef;
}

/** @internal For src/capture.ts only: the stand-ins ops call now (null: the kernels). */
export function useStandIns(k: Kernels | null): void { standIns = k; }

/** The module and shared memory of a threaded init, or null (single-threaded or before init). */
export function threadsContext(): ThreadsContext | null {
  return threadsRef;
}

/** What init() reported, or null before it. */
export function initInfo(): InitInfo | null {
  return info;
}
