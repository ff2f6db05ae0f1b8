// The single owner of wasm linear memory: typed-array views and the allocator (a free list
// with coalescing, 16-byte aligned, plus exact-size quick lists so a loop that frees and
// allocates the same sizes every step reuses blocks in O(1)).
// Leaves out: which tensor lives where and for how long (src/memory.ts decides).
//
// NOTE: addresses go up to 4 GiB (the wasm32 maximum), above int32: index views with
// `ptr >>> 2`, never `ptr >> 2`, which turns negative past 2 GiB.

const ALIGN = 16;
const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB

let memory: WebAssembly.Memory | null = null;
let buffer: ArrayBufferLike | null = null;
// (typed over ArrayBuffer: with threads the memory is a SharedArrayBuffer, which these views treat alike)
let f32View = new Float32Array(0);
let i32View = new Int32Array(0);
let u8View = new Uint8Array(0);
let f64View = new Float64Array(0);

/** Free blocks sorted by address, as [ptr, bytes] pairs (coalesced). */
const freeList: [number, number][] = [];
/** Recently freed blocks by exact size, not yet merged into freeList. */
const quick = new Map<number, number[]>();
let quickBytes = 0;
/** Blocks in use: address -> size. */
const used = new Map<number, number>();
let usedBytes = 0;
let usedHighWater = 0;
let top = 0; // end of the managed heap (== memory size once attached)

/** Thrown when wasm memory cannot hold an allocation (the 4 GiB limit, or the runtime refused to grow). */
export class WasmOutOfMemoryError extends Error {
  constructor(bytes: number) {
    super(`wasmgrad: out of wasm memory: needed ${fmtBytes(bytes)} more with ${fmtBytes(usedBytes)} in use ` +
      `(wasm memory stops at 4 GiB); use smaller batches or evaluate in chunks, and run evaluation inside noGrad() so its tensors are freed`);
    this.name = 'WasmOutOfMemoryError';
  }
}

function fmtBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;
}

export function attachMemory(mem: WebAssembly.Memory, heapBase: number): void {
  memory = mem;
  const start = Math.ceil(heapBase / ALIGN) * ALIGN;
  top = mem.buffer.byteLength;
  freeList.length = 0;
  quick.clear();
  quickBytes = 0;
  used.clear();
  usedBytes = 0;
  freeList.push([start, top - start]);
  refresh();
}

function refresh(): void {
  const buf = memory!.buffer as ArrayBuffer;
  if (buf !== buffer) {
    buffer = buf;
    f32View = new Float32Array(buf);
    i32View = new Int32Array(buf);
    u8View = new Uint8Array(buf);
    f64View = new Float64Array(buf);
  }
}

function mem(): WebAssembly.Memory {
  if (!memory) throw new Error('wasmgrad: tensors need `await init()` first');
  return memory;
}

// Views of all of memory, re-made when memory grew (growing detaches the old buffer).
/** Float32 view of all of memory; index with `ptr >>> 2`. */
export function f32(): Float32Array { if (mem().buffer !== buffer) refresh(); return f32View; }
/** Int32 view of all of memory; index with `ptr >>> 2`. */
export function i32(): Int32Array { if (mem().buffer !== buffer) refresh(); return i32View; }
/** Byte view of all of memory. */
export function u8(): Uint8Array { if (mem().buffer !== buffer) refresh(); return u8View; }
/** Float64 view of all of memory; index with `ptr >>> 3` (8-byte aligned addresses). */
export function f64(): Float64Array { if (mem().buffer !== buffer) refresh(); return f64View; }

export function memoryBytes(): number { return mem().buffer.byteLength; }

const roundUp = (n: number) => Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);

/** Allocates `bytes` (16-byte aligned) that stay until free(). Grows memory when full. */
export function alloc(bytes: number): number {
  if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new Error(`wasmgrad: internal error: alloc(${bytes})`);
  const size = roundUp(bytes);
  if (size > MAX_PAGES * PAGE) throw new WasmOutOfMemoryError(size);
  const q = quick.get(size);
  if (q && q.length) {
    const ptr = q.pop()!;
    quickBytes -= size;
    return take(ptr, size);
  }
  let ptr = fromFreeList(size);
  if (ptr < 0 && quickBytes > 0) { flushQuick(); ptr = fromFreeList(size); }
  if (ptr < 0) { grow(size); ptr = fromFreeList(size); }
  return take(ptr, size);
}

function take(ptr: number, size: number): number {
  used.set(ptr, size);
  usedBytes += size;
  if (usedBytes > usedHighWater) usedHighWater = usedBytes;
  return ptr;
}

function fromFreeList(size: number): number {
  for (let i = 0; i < freeList.length; i++) {
    const [ptr, avail] = freeList[i];
    if (avail < size) continue;
    if (avail === size) freeList.splice(i, 1);
    else freeList[i] = [ptr + size, avail - size];
    return ptr;
  }
  return -1;
}

function grow(size: number): void {
  const m = mem();
  const last = freeList[freeList.length - 1];
  const tailFree = last && last[0] + last[1] === top ? last[1] : 0;
  const need = size - tailFree;
  const current = top / PAGE;
  const minPages = Math.ceil(need / PAGE);
  if (current + minPages > MAX_PAGES) throw new WasmOutOfMemoryError(need);
  // Grow by at least a quarter of the current size so repeated growth stays rare.
  const pages = Math.min(Math.max(minPages, Math.ceil(current / 4)), MAX_PAGES - current);
  try {
    m.grow(pages);
  } catch {
    try { m.grow(minPages); } catch { throw new WasmOutOfMemoryError(need); }
    return addPages(minPages, last, tailFree);
  }
  addPages(pages, last, tailFree);
}

function addPages(pages: number, last: [number, number] | undefined, tailFree: number): void {
  const added = pages * PAGE;
  if (tailFree) last![1] += added;
  else freeList.push([top, added]);
  top += added;
  refresh();
}

/** Returns a block from alloc() to the allocator. */
export function free(ptr: number): void {
  const size = used.get(ptr);
  if (size === undefined) throw new Error(`wasmgrad: internal error: free(${ptr}) of a block not in use`);
  used.delete(ptr);
  usedBytes -= size;
  let q = quick.get(size);
  if (!q) quick.set(size, (q = []));
  q.push(ptr);
  quickBytes += size;
  // Keep the quick lists small next to what is in use, so sizes that stop recurring return to the free list.
  if (quickBytes > 16 * 2 ** 20 && quickBytes > usedBytes) flushQuick();
}

/** Merges every quick-list block back into the coalesced free list. */
function flushQuick(): void {
  for (const [size, ptrs] of quick) for (const ptr of ptrs) insertFree(ptr, size);
  quick.clear();
  quickBytes = 0;
}

function insertFree(ptr: number, size: number): void {
  let lo = 0, hi = freeList.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (freeList[mid][0] < ptr) lo = mid + 1; else hi = mid; }
  freeList.splice(lo, 0, [ptr, size]);
  const next = freeList[lo + 1];
  if (next && ptr + size === next[0]) { freeList[lo][1] += next[1]; freeList.splice(lo + 1, 1); }
  const prev = freeList[lo - 1];
  if (prev && prev[0] + prev[1] === ptr) { prev[1] += freeList[lo][1]; freeList.splice(lo, 1); }
}

/** Bytes handed out by alloc() and not yet freed. */
export function bytesInUse(): number { return usedBytes; }
/** The most bytes ever handed out at once. */
export function bytesHighWater(): number { return usedHighWater; }

/** The size alloc() gave the block at `ptr` (for tests and checks). */
export function blockSize(ptr: number): number | undefined { return used.get(ptr); }
