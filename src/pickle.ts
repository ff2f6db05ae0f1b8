// A restricted unpickler and a small pickle writer, for torch.save's data.pkl (protocol 2).
// The reader runs the opcodes torch.save writes (and torch.load(weights_only=True) reads) on a
// stack machine that never recurses, and builds plain values; globals, REDUCE, NEWOBJ, BUILD and
// persistent ids go to the caller's hooks, which decide what is allowed. Unknown opcodes and
// anything malformed throw PickleError. Leaves out protocols 4-5 framing, bytes objects, sets and
// every opcode torch.save does not write.
// ref: CPython Lib/pickle.py, Lib/pickletools.py; torch/_weights_only_unpickler.py (1.13)

/** A problem with the pickle bytes; `message` names it (the caller adds the file's name). */
export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** A Python tuple (JS arrays are lists). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export type PyKey = string | number | bigint | boolean | null;

/** A Python dict (or OrderedDict), in insertion order. `state` is what a BUILD gave it (attributes). */
export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
  state: PyValue | undefined;
  constructor(readonly ordered: boolean) {}
}

/** A global (module.name) that the hooks allowed, as the unpickler holds it before any call. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string { return `${this.module}.${this.name}`; }
}

/** Python ints are numbers while safe integers, else bigints; floats are numbers. */
export type PyValue = null | boolean | number | bigint | string | PyValue[] | PyTuple | PyDict | PyGlobal | { readonly pyObject: string };

export interface UnpickleHooks {
  /** The value GLOBAL pushes for module.name, or a throw refusing it. */
  global(module: string, name: string): PyValue;
  /** func(*args) for REDUCE, where func came from global(). */
  reduce(func: PyValue, args: PyTuple): PyValue;
  /** What BINPERSID's id stands for (a storage). */
  persistentLoad(pid: PyValue): PyValue;
  /** cls.__new__(cls, *args) for NEWOBJ. */
  newObj(cls: PyValue, args: PyTuple): PyValue;
  /** inst.__setstate__(state) for BUILD; returns the object that replaces inst. */
  build(inst: PyValue, state: PyValue): PyValue;
}

/** The largest memo index accepted: a memo is a plain array, and torch.save numbers it from 0. */
const MAX_MEMO = 1 << 24;

const isKey = (v: PyValue): v is PyKey => v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v);

/** Runs the pickle in `bytes` and returns the value STOP finds, or throws PickleError (or what a hook throws). */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): PyValue {
  const n = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0, op = 0, opAt = 0;
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo: PyValue[] = [];
  const fail = (why: string): never => { throw new PickleError(`data.pkl byte ${opAt} (opcode 0x${op.toString(16).padStart(2, '0')}): ${why}`); };
  const need = (k: number) => { if (pos + k > n) fail(`needs ${k} more bytes but the pickle ends at byte ${n}: it is truncated`); };
  const pop = (): PyValue => (stack.length ? stack.pop()! : fail('the stack is empty: the pickle is damaged'));
  const top = (): PyValue => (stack.length ? stack[stack.length - 1] : fail('the stack is empty: the pickle is damaged'));
  const popMark = (): PyValue[] => {
    const items = stack;
    if (!marks.length) fail('no MARK to pop to: the pickle is damaged');
    stack = marks.pop()!;
    return items;
  };
  const line = (): string => {
    let end = pos;
    while (end < n && bytes[end] !== 0x0a) end++;
    if (end >= n) fail('a GLOBAL name has no end of line: the pickle is truncated');
    if (end - pos > 1000) fail('a GLOBAL name is over 1000 bytes long');
    let s: string;
    try { s = utf8.decode(bytes.subarray(pos, end)); } catch { return fail('a GLOBAL name is not UTF-8'); }
    pos = end + 1;
    return s;
  };
  const put = (i: number) => { if (i > MAX_MEMO) fail(`memo index ${i} is over ${MAX_MEMO}`); memo[i] = top(); };
  const get = (i: number) => { if (!(i in memo)) fail(`memo index ${i} was never stored: the pickle is damaged`); stack.push(memo[i]); };
  const setItem = (d: PyValue, k: PyValue, v: PyValue) => {
    if (!(d instanceof PyDict)) fail('SETITEM on something that is not a dict');
    if (!isKey(k)) fail('a dict key is not a string or number (tuples and other keys are not read)');
    (d as PyDict).entries.set(k as PyKey, v);
  };
  const list = (): PyValue[] => { const l = top(); if (!Array.isArray(l)) fail('APPEND on something that is not a list'); return l as PyValue[]; };

  for (;;) {
    if (pos >= n) fail('the pickle ends without STOP: it is truncated');
    opAt = pos;
    op = bytes[pos++];
    switch (op) {
      case 0x80: need(1); if (bytes[pos] > 5) fail(`protocol ${bytes[pos]} is newer than pickle knows`); pos++; break; // PROTO
      case 0x2e: { // STOP
        const v = pop();
        if (stack.length || marks.length) fail('STOP leaves values behind: the pickle is damaged');
        return v;
      }
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x63: { const module = line(); const name = line(); stack.push(hooks.global(module, name)); break; } // GLOBAL
      case 0x52: { const args = pop(); const func = pop(); if (!(args instanceof PyTuple)) fail('REDUCE arguments are not a tuple'); stack.push(hooks.reduce(func, args as PyTuple)); break; }
      case 0x81: { const args = pop(); const cls = pop(); if (!(args instanceof PyTuple)) fail('NEWOBJ arguments are not a tuple'); stack.push(hooks.newObj(cls, args as PyTuple)); break; }
      case 0x62: { const state = pop(); const inst = pop(); stack.push(hooks.build(inst, state)); break; } // BUILD
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x71: need(1); put(bytes[pos++]); break; // BINPUT
      case 0x72: need(4); put(dv.getUint32(pos, true)); pos += 4; break; // LONG_BINPUT
      case 0x68: need(1); get(bytes[pos++]); break; // BINGET
      case 0x6a: need(4); get(dv.getUint32(pos, true)); pos += 4; break; // LONG_BINGET
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: { const items = popMark(); stack.push(new PyTuple(items)); break; } // TUPLE (popMark first: it swaps `stack`)
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x61: { const v = pop(); list().push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const l = list(); for (const v of items) l.push(v); break; } // APPENDS
      case 0x7d: stack.push(new PyDict(false)); break; // EMPTY_DICT
      case 0x73: { const v = pop(); const k = pop(); setItem(top(), k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS has a key without a value: the pickle is damaged');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: need(4); stack.push(dv.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: need(1); stack.push(bytes[pos++]); break; // BININT1
      case 0x4d: need(2); stack.push(dv.getUint16(pos, true)); pos += 2; break; // BININT2
      case 0x8a: { // LONG1: little-endian two's complement of up to 255 bytes
        need(1);
        const k = bytes[pos++];
        need(k);
        let v = 0n;
        for (let i = k - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
        if (k && bytes[pos + k - 1] & 0x80) v -= 1n << BigInt(8 * k);
        pos += k;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x58: { // BINUNICODE
        need(4);
        const k = dv.getUint32(pos, true);
        pos += 4;
        need(k);
        // NOTE: Python writes lone surrogates with 'surrogatepass'; state dicts never hold them.
        try { stack.push(utf8.decode(bytes.subarray(pos, pos + k))); } catch { fail('a string is not valid UTF-8'); }
        pos += k;
        break;
      }
      case 0x55: { // SHORT_BINSTRING: Python 2 str, read as Latin-1 text (torch.load's encoding)
        need(1);
        const k = bytes[pos++];
        need(k);
        stack.push(String.fromCharCode(...bytes.subarray(pos, pos + k)));
        pos += k;
        break;
      }
      default:
        fail('not an opcode torch.save writes (pickle protocol 2): the file is damaged or not from torch.save');
    }
  }
}

/** Bytes of a pickle, written opcode by opcode (the caller decides the structure and the memo). */
export class PickleWriter {
  private buf = new Uint8Array(1024);
  private n = 0;
  private memoNext = 0;
  private readonly enc = new TextEncoder();

  private grow(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  op(...codes: number[]): this { this.grow(codes.length); for (const c of codes) this.buf[this.n++] = c; return this; }
  private u32(v: number): void { this.grow(4); new DataView(this.buf.buffer).setUint32(this.n, v, true); this.n += 4; }
  /** BINPUT/LONG_BINPUT of the top of the stack; returns its memo index. */
  put(): number {
    const i = this.memoNext++;
    if (i < 256) this.op(0x71, i); else { this.op(0x72); this.u32(i); }
    return i;
  }
  get(i: number): this { if (i < 256) this.op(0x68, i); else { this.op(0x6a); this.u32(i); } return this; }
  global(module: string, name: string): this { return this.op(0x63).raw(this.enc.encode(`${module}\n${name}\n`)); }
  str(s: string): this { const b = this.enc.encode(s); this.op(0x58); this.u32(b.length); return this.raw(b); }
  /** An int as Python's pickler writes it: BININT1, BININT2, BININT or LONG1. */
  int(v: number | bigint): this {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xff) return this.op(0x4b, v);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff) return this.op(0x4d, v & 0xff, v >> 8);
    if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
      this.op(0x4a); this.grow(4); new DataView(this.buf.buffer).setInt32(this.n, v, true); this.n += 4; return this;
    }
    let x = BigInt(v);
    const out: number[] = [];
    // encode_long: the shortest little-endian two's complement
    for (;;) {
      out.push(Number(x & 0xffn));
      x >>= 8n;
      if ((x === 0n && !(out[out.length - 1] & 0x80)) || (x === -1n && out[out.length - 1] & 0x80)) break;
    }
    return this.op(0x8a, out.length, ...out);
  }
  private raw(b: Uint8Array): this { this.grow(b.length); this.buf.set(b, this.n); this.n += b.length; return this; }
  bytes(): Uint8Array { return this.buf.slice(0, this.n); }
}

export const OP = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, REDUCE: 0x52, BUILD: 0x62, BINPERSID: 0x51, EMPTY_TUPLE: 0x29, TUPLE: 0x74,
  TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, EMPTY_DICT: 0x7d, SETITEM: 0x73, SETITEMS: 0x75, NEWFALSE: 0x89, NEWTRUE: 0x88, NONE: 0x4e,
} as const;
