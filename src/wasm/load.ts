// Finds the wasm bytes, detects what the runtime supports, instantiates once.
// Leaves out: memory layout (heap.ts owns it) and anything op-specific.
import { instantiate as asInstantiate } from '@assemblyscript/loader';
import type { Kernels } from './abi.ts';
import { attachMemory, memoryBytes } from './heap.ts';

export type Build = 'simd' | 'relaxed' | 'scalar' | 'debug';
const BUILDS: readonly Build[] = ['simd', 'relaxed', 'scalar', 'debug'];

export interface InitOptions {
  /** Force a build instead of the best one the runtime supports. Also: WASMGRAD_BUILD=scalar. */
  build?: Build;
  /** The wasm module's bytes, or where to fetch them (overrides the default location). */
  wasm?: BufferSource | URL | string;
}

export interface InitInfo {
  /** The build that runs. */
  build: Build;
  /** Whether the runtime validates WebAssembly SIMD (v128). */
  simd: boolean;
  /** Whether the runtime validates relaxed SIMD. */
  relaxedSimd: boolean;
  /** Size of the wasm memory right after init, in bytes. */
  memoryBytes: number;
}

// Tiny modules that use one v128 instruction (i8x16.popcnt) and one relaxed one
// (f32x4.relaxed_madd): the runtime supports a feature iff it validates them.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const V128_ZERO = [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 253, 133, 2, 11]);

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';

let kernelsRef: Kernels | null = null;
let info: InitInfo | null = null;
let pending: Promise<InitInfo> | null = null;

/** Node 20 validates relaxed SIMD only behind a V8 flag, which may be set before compiling. */
async function enableRelaxedSimdFlag(): Promise<void> {
  if (!isNode || WebAssembly.validate(RELAXED_PROBE)) return;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not Node after all, or flags are locked: the fallback below handles it.
  }
}

function env(name: string): string | undefined {
  if (typeof process !== 'undefined' && process.env) return process.env[name] || undefined;
  const deno = (globalThis as { Deno?: { env: { get(k: string): string | undefined } } }).Deno;
  try { return deno?.env.get(name); } catch { return undefined; }
}

async function readBytes(build: Build, source: InitOptions['wasm']): Promise<BufferSource> {
  if (source && typeof source !== 'string' && !(source instanceof URL)) return source;
  // WASMGRAD_WASM_DIR points at another folder of builds (used to test one kernel in isolation).
  const dir = env('WASMGRAD_WASM_DIR');
  const url = source ? new URL(String(source), import.meta.url)
    : dir ? new URL(`${build}.wasm`, new URL(dir.endsWith('/') ? dir : dir + '/', `file://${process.cwd()}/`))
    : new URL(`../../build/${build}.wasm`, import.meta.url);
  if (url.protocol === 'file:' && isNode) {
    const { readFile } = await import('node:fs/promises');
    try {
      return await readFile(url);
    } catch (e) {
      throw new Error(`wasmgrad: cannot read ${url.pathname}: ${(e as Error).message}. Run \`npm run build\` first, or pass init({ wasm: bytes })`);
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
  const bytes = await readBytes(build, opts.wasm);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const { exports } = await asInstantiate<Record<string, unknown>>(bytes, { env: { memory } });
  const heapBase = Number((exports.HEAP_BASE as WebAssembly.Global).value) >>> 0;
  attachMemory(memory, heapBase);
  kernelsRef = exports as unknown as Kernels;
  info = { build, simd, relaxedSimd, memoryBytes: memoryBytes() };
  return info;
}

/** The kernels of the loaded build. */
export function kernels(): Kernels {
  if (!kernelsRef) throw new Error('wasmgrad: tensors need `await init()` first');
  return kernelsRef;
}

/** What init() reported, or null before it. */
export function initInfo(): InitInfo | null {
  return info;
}
