// The single owner of wasm linear memory: typed-array views, the persistent allocator
// (first fit over a free list, 16-byte aligned) and bump arenas carved from it.
// Leaves out: which tensor lives where (src/scope.ts decides) and anything about ops.

const ALIGN = 16;
const PAGE = 65536;

let memory: WebAssembly.Memory | null = null;
let buffer: ArrayBuffer | null = null;
let f32View = new Float32Array(0);
let i32View = new Int32Array(0);
let u8View = new Uint8Array(0);

/** Free blocks sorted by address, as [ptr, bytes] pairs; blocks in use by their size. */
const freeList: [number, number][] = [];
const used = new Map<number, number>();
let top = 0; // end of the managed heap (== memory size once attached)

export function attachMemory(mem: WebAssembly.Memory, heapBase: number): void {
  memory = mem;
  const start = Math.ceil(heapBase / ALIGN) * ALIGN;
  top = mem.buffer.byteLength;
  freeList.length = 0;
  used.clear();
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
  }
}

function mem(): WebAssembly.Memory {
  if (!memory) throw new Error('wasmgrad: tensors need `await init()` first');
  return memory;
}

/** Float32 view of all of memory; index with ptr >> 2. Re-made if memory grew. */
export function f32(): Float32Array { if (memory!.buffer !== buffer) refresh(); return f32View; }
/** Int32 view of all of memory; index with ptr >> 2. */
export function i32(): Int32Array { if (memory!.buffer !== buffer) refresh(); return i32View; }
/** Byte view of all of memory. */
export function u8(): Uint8Array { if (memory!.buffer !== buffer) refresh(); return u8View; }

export function memoryBytes(): number { return mem().buffer.byteLength; }

const roundUp = (n: number) => Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);

/** Allocates `bytes` (16-byte aligned) that stay until free(). Grows memory when full. */
export function alloc(bytes: number): number {
  const size = roundUp(bytes);
  for (let i = 0; i < freeList.length; i++) {
    const [ptr, avail] = freeList[i];
    if (avail < size) continue;
    if (avail === size) freeList.splice(i, 1);
    else freeList[i] = [ptr + size, avail - size];
    used.set(ptr, size);
    return ptr;
  }
  grow(size);
  return alloc(bytes);
}

function grow(size: number): void {
  const m = mem();
  const last = freeList[freeList.length - 1];
  const tailFree = last && last[0] + last[1] === top ? last[1] : 0;
  const need = size - tailFree;
  // Grow by at least a quarter of the current size so repeated growth stays rare.
  const pages = Math.max(Math.ceil(need / PAGE), Math.ceil(top / PAGE / 4));
  try {
    m.grow(pages);
  } catch {
    throw new Error(`wasmgrad: out of wasm memory asking for ${size} bytes with ${top} in use; evaluate in smaller chunks`);
  }
  const added = pages * PAGE;
  if (tailFree) last[1] += added;
  else freeList.push([top, added]);
  top += added;
  refresh();
}

/** Returns a block from alloc() to the free list, merging it with its neighbours. */
export function free(ptr: number): void {
  const size = used.get(ptr);
  if (size === undefined) throw new Error(`wasmgrad: internal error: free(${ptr}) of a block not in use`);
  used.delete(ptr);
  let lo = 0, hi = freeList.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (freeList[mid][0] < ptr) lo = mid + 1; else hi = mid; }
  freeList.splice(lo, 0, [ptr, size]);
  const next = freeList[lo + 1];
  if (next && ptr + size === next[0]) { freeList[lo][1] += next[1]; freeList.splice(lo + 1, 1); }
  const prev = freeList[lo - 1];
  if (prev && prev[0] + prev[1] === ptr) { prev[1] += freeList[lo][1]; freeList.splice(lo, 1); }
}

/** Bytes handed out by alloc() and not yet freed. */
export function bytesInUse(): number {
  let n = 0;
  for (const s of used.values()) n += s;
  return n;
}

export interface ArenaMark { chunk: number; offset: number; used: number }

/**
 * A bump allocator over chunks taken from alloc(). mark()/reset() release everything
 * allocated since the mark at once; after a full reset the chunks are merged into one,
 * so a loop that allocates the same each time settles on one chunk and stops growing.
 */
export class Arena {
  private chunks: { ptr: number; size: number }[] = [];
  private chunk = 0;
  private offset = 0;
  /** Bytes allocated since the last full reset. */
  used = 0;
  /** The most bytes ever in use at once. */
  highWater = 0;

  alloc(bytes: number): number {
    const size = roundUp(bytes);
    while (this.chunk < this.chunks.length) {
      const c = this.chunks[this.chunk];
      if (this.offset + size <= c.size) {
        const ptr = c.ptr + this.offset;
        this.offset += size;
        this.used += size;
        if (this.used > this.highWater) this.highWater = this.used;
        return ptr;
      }
      this.chunk++;
      this.offset = 0;
    }
    const capacity = this.chunks.reduce((s, c) => s + c.size, 0);
    const chunkSize = Math.max(size, capacity, 64 * 1024);
    this.chunks.push({ ptr: alloc(chunkSize), size: chunkSize });
    return this.alloc(bytes);
  }

  mark(): ArenaMark { return { chunk: this.chunk, offset: this.offset, used: this.used }; }

  reset(m: ArenaMark): void {
    this.chunk = m.chunk;
    this.offset = m.offset;
    this.used = m.used;
  }

  /**
   * Releases everything; merges the chunks into one chunk of at least `reserve` bytes and the
   * high-water mark, so the next use allocates nothing from the heap.
   */
  resetAll(reserve = 0): void {
    const want = roundUp(Math.max(this.highWater, reserve));
    const capacity = this.chunks.reduce((s, c) => s + c.size, 0);
    if (this.chunks.length > 1 || capacity < want) {
      for (const c of this.chunks) free(c.ptr);
      this.chunks = [{ ptr: alloc(want), size: want }];
    }
    this.chunk = 0;
    this.offset = 0;
    this.used = 0;
  }
}
