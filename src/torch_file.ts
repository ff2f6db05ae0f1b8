// PyTorch's own checkpoint files (torch.save's zip format, the default since 1.6), both ways:
// <archive>/data.pkl (a protocol-2 pickle), <archive>/data/<key> (each storage's raw little-endian
// bytes) and <archive>/version. Reading accepts what torch.load(weights_only=True) accepts and
// state dicts hold (OrderedDict, tensors, parameters, torch.Size, containers, numbers, strings)
// and refuses every other global by name; writing gives the bytes torch.save gives for a flat
// state dict. Works on Uint8Array only (no Tensors, no files, no Node APIs): state_dict.ts
// makes Tensors. Leaves out the legacy (pre-1.6) format, sparse/quantized/complex tensors and
// big-endian files: each is refused with a message saying so.
// ref: torch/serialization.py (_save, _load), torch/_utils.py, torch/_weights_only_unpickler.py
import { readZip, writeZip, ZipError, type ZipEntry } from './zip.ts';
import { unpickle, PickleWriter, PickleError, PyDict, PyGlobal, PyTuple, OP, type PyValue } from './pickle.ts';

/** Every problem with a torch file's bytes (or with tensors handed to the writer) throws this. */
export class TorchFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TorchFileError';
  }
}

// Element types of a torch file's tensors that are read, by their storage class.
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGES: Record<string, { dtype: TorchDtype; size: number }> = {
  FloatStorage: { dtype: 'float32', size: 4 }, DoubleStorage: { dtype: 'float64', size: 8 },
  HalfStorage: { dtype: 'float16', size: 2 }, BFloat16Storage: { dtype: 'bfloat16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 }, IntStorage: { dtype: 'int32', size: 4 }, ShortStorage: { dtype: 'int16', size: 2 },
  CharStorage: { dtype: 'int8', size: 1 }, ByteStorage: { dtype: 'uint8', size: 1 }, BoolStorage: { dtype: 'bool', size: 1 },
};
const ALLOWED = new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter', 'torch.Size', 'torch.nn.parameter.Parameter']);

// A tensor read from a torch file: its values converted to float32 or int32, row-major.
export class TorchTensor {
  constructor(
    // the dtype in the file (float64, bfloat16... are converted to float32; integers to int32)
    readonly fileDtype: TorchDtype,
    readonly shape: number[],
    readonly data: Float32Array | Int32Array,
    readonly requiresGrad: boolean,
  ) {}
}

// What a torch file holds, as read: Python dicts become objects (int keys as strings), tuples and lists arrays.
export type TorchObject = TorchTensor | number | bigint | string | boolean | null | TorchObject[] | { [key: string]: TorchObject };

export interface TorchReadOptions {
  /** The file's name, the first word of every error message (default 'torch file'). */
  name?: string;
  /** The most tensor elements read in all, checked before allocating (default: 64 per byte of the file + 2^20, at most 2^28). */
  maxElements?: number;
  /** Called with what was converted on the way (float64 to float32), for the caller to print. */
  onNote?: (message: string) => void;
}

class StorageRef {
  readonly pyObject = 'storage';
  constructor(readonly type: string, readonly key: string, readonly location: string, readonly numel: number) {}
}
class TensorRef {
  readonly pyObject = 'tensor';
  constructor(readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[], readonly requiresGrad: boolean) {}
}

const MAX_DEPTH = 100;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Text from a file, safe to print on one line: control characters escaped, at most `max` characters. */
function clean(s: string, max = 80): string {
  const t = s.length > max ? `${s.slice(0, max - 3)}...` : s;
  return t.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function show(v: unknown): string {
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof PyDict) return v.ordered ? 'an OrderedDict' : 'a dict';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof PyGlobal) return `the global ${clean(String(v))}`;
  if (v instanceof StorageRef) return 'a storage';
  if (v instanceof TensorRef) return 'a tensor';
  if (typeof v === 'string') return `"${clean(v.replace(/["\\]/g, '\\$&'), 60)}"`;
  return typeof v === 'bigint' ? `${v}` : String(v);
}

// Reads torch.save bytes (zip format) into plain values and TorchTensors, checking everything
// before it is used: the archive, the pickle (only state-dict globals), each tensor's storage,
// dtype, shape, strides and offset against its bytes, and the total size against maxElements.
// Throws TorchFileError, and nothing else, on any malformed or refused input.
// For example:
//   const sd = decodeTorch(bytes, { name: 'model.pt' }) as Record<string, TorchTensor>;
//   sd['wte.weight'].shape; // [27, 64]
export function decodeTorch(bytes: Uint8Array, opts: TorchReadOptions = {}): TorchObject {
  const name = opts.name ?? 'torch file';
  // NOTE: a hostile file's keys can make a path thousands of characters long: messages stay short.
  const bad = (why: string) => new TorchFileError(`${name}: ${why.length > 500 ? `${why.slice(0, 240)}...${why.slice(-240)}` : why}`);
  if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') throw bad(`expected a Uint8Array of file bytes, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw bad("is in PyTorch's legacy (pre-1.6, non-zip) format, which is not read; re-save it with PyTorch 1.6 or later: torch.save(torch.load(f), f)");
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b || bytes[2] !== 0x03 || bytes[3] !== 0x04) {
    throw bad('is not a torch.save file (it does not start with a zip signature, PK\\x03\\x04)');
  }
  let entries: ZipEntry[];
  try {
    entries = readZip(bytes);
  } catch (e) {
    if (e instanceof ZipError) throw bad(clean(e.message, 400));
    throw e;
  }
  if (!entries.length) throw bad('is an empty zip archive, not a torch.save file');
  const slash = entries[0].name.indexOf('/');
  if (slash <= 0) throw bad(`its first zip entry ${show(entries[0].name)} is not in a folder; torch.save writes <archive>/data.pkl first`);
  const prefix = entries[0].name.slice(0, slash + 1);
  const records = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (!e.name.startsWith(prefix)) throw bad(`zip entry ${show(e.name)} is outside the archive folder ${show(prefix)}; this is not a torch.save file or it is damaged`);
    records.set(e.name.slice(prefix.length), e.data);
  }
  const pkl = records.get('data.pkl');
  if (!pkl) throw bad(`has no ${clean(prefix)}data.pkl; this zip archive is not a torch.save file (TorchScript archives, torch.jit.save, are not read)`);
  const versionBytes = records.get('version') ?? records.get('.data/version');
  if (!versionBytes) throw bad(`has no ${clean(prefix)}version record; this zip archive is not a torch.save file or it is damaged`);
  const version = new TextDecoder().decode(versionBytes.subarray(0, 32)).trim();
  if (!/^[1-9]\d*$/.test(version)) throw bad(`its version record is ${show(version)}, not a number; the file is damaged`);
  if (Number(version) > 3) throw bad(`has file format version ${version}, newer than the versions read (1 to 3); re-save it with an older PyTorch or torch.save(..., _use_new_zipfile_serialization=True)`);
  const order = records.get('byteorder');
  if (order && new TextDecoder().decode(order) !== 'little') throw bad('was saved on a big-endian machine (byteorder record), which is not read; re-save it on a little-endian one');

  // Storages: each key's record read once, whatever its dtype, checked against its numel.
  const storages = new Map<string, StorageRef>();
  const hooks = {
    global(module: string, nm: string): PyValue {
      const full = clean(`${module}.${nm}`);
      if (ALLOWED.has(full)) return new PyGlobal(module, nm);
      if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGES, nm)) return new PyGlobal(module, nm);
      // The rest of weights_only's set: complex/quantized storages, sparse/meta/subclass tensors.
      if (/^torch\.(\w*Storage|_utils\._rebuild_\w+|Tensor|serialization\._get_layout)$/.test(full)) {
        throw bad(`holds ${full}, not a dense float or integer tensor, which is all wasmgrad holds; save dense real tensors (.to_dense(), .dequantize(), .real)`);
      }
      throw bad(`refuses to load the global ${full} (only tensors, numbers and containers are read)`);
    },
    reduce(func: PyValue, args: PyTuple): PyValue {
      if (!(func instanceof PyGlobal)) throw bad(`data.pkl calls ${show(func)}, which is not a function; the file is damaged`);
      const a = args.items;
      switch (String(func)) {
        case 'collections.OrderedDict':
          if (a.length === 0) return new PyDict(true);
          throw bad('data.pkl builds an OrderedDict from arguments, which torch.save never writes; the file is damaged');
        case 'torch.Size':
          if (a.length === 1 && a[0] instanceof PyTuple) return a[0];
          throw bad('data.pkl builds a torch.Size from something other than one tuple; the file is damaged');
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2': {
          const v2 = String(func).endsWith('v2');
          if (v2 ? a.length < 6 || a.length > 7 : a.length !== 4) throw bad(`data.pkl calls ${func} with ${a.length} arguments; the file is damaged`);
          const [storage, offset, size, stride] = a;
          if (!(storage instanceof StorageRef)) throw bad(`data.pkl rebuilds a tensor from ${show(storage)}, not a storage; the file is damaged`);
          const requiresGrad = v2 ? a[4] : false;
          if (typeof requiresGrad !== 'boolean') throw bad(`a tensor's requires_grad is ${show(requiresGrad)}, not True or False; the file is damaged`);
          if (v2 && !(a[5] instanceof PyDict && a[5].entries.size === 0)) throw bad('a tensor has backward hooks, which are not read (save tensors without hooks)');
          return new TensorRef(storage, count(offset, 'storage offset'), counts(size, 'size'), counts(stride, 'stride'), requiresGrad);
        }
        case 'torch._utils._rebuild_parameter': {
          if (a.length !== 3 || !(a[0] instanceof TensorRef) || typeof a[1] !== 'boolean') throw bad('data.pkl rebuilds a parameter from something other than (tensor, requires_grad, hooks); the file is damaged');
          if (!(a[2] instanceof PyDict && a[2].entries.size === 0)) throw bad('a parameter has backward hooks, which are not read (save tensors without hooks)');
          const t = a[0];
          return new TensorRef(t.storage, t.offset, t.size, t.stride, a[1]);
        }
        default:
          throw bad(`data.pkl calls ${clean(String(func))}, which only names a type here; the file is damaged`);
      }
    },
    persistentLoad(pid: PyValue): PyValue {
      const p = pid instanceof PyTuple ? pid.items : null;
      if (!p || p.length !== 5 || p[0] !== 'storage') throw bad(`data.pkl asks for the persistent object ${show(pid)}; only ('storage', type, key, location, numel) is read`);
      const [, type, key, location, numel] = p;
      if (!(type instanceof PyGlobal) || type.module !== 'torch' || !Object.prototype.hasOwnProperty.call(STORAGES, type.name)) throw bad(`a storage's type is ${show(type)}, not a torch storage class; the file is damaged`);
      if (typeof key !== 'string' || typeof location !== 'string') throw bad('a storage has no string key and location; the file is damaged');
      const n = count(numel, 'storage size');
      const ref = new StorageRef(type.name, key, location, n);
      const prev = storages.get(key);
      if (prev && (prev.type !== ref.type || prev.numel !== ref.numel)) throw bad(`storage ${show(key)} is named twice, as ${prev.numel} of ${prev.type} and ${n} of ${ref.type}; the file is damaged`);
      if (!prev) {
        const rec = records.get(`data/${key}`);
        if (!rec) throw bad(`has no record ${clean(`${prefix}data/${key}`)} for a storage data.pkl names; the file is truncated or damaged`);
        const want = n * STORAGES[type.name].size;
        if (rec.length !== want) throw bad(`storage ${show(key)} should hold ${n} of ${STORAGES[type.name].dtype} (${want} bytes) but its record has ${rec.length} bytes; the file is damaged`);
        storages.set(key, ref);
      }
      return prev ?? ref;
    },
    newObj(cls: PyValue, args: PyTuple): PyValue {
      if (!(cls instanceof PyGlobal) || String(cls) !== 'torch.nn.parameter.Parameter') throw bad(`data.pkl makes a new ${show(cls)}; only torch.nn.Parameter is made`);
      const [data, requiresGrad = true] = args.items;
      if (!(data instanceof TensorRef) || typeof requiresGrad !== 'boolean' || args.items.length > 2) throw bad('data.pkl makes a Parameter from something other than (tensor, requires_grad); the file is damaged');
      return new TensorRef(data.storage, data.offset, data.size, data.stride, requiresGrad);
    },
    build(inst: PyValue, state: PyValue): PyValue {
      // An OrderedDict's attributes: a state dict's _metadata (module versions). Kept, not returned.
      if (inst instanceof PyDict && inst.ordered && state instanceof PyDict) { inst.state = state; return inst; }
      if (inst instanceof TensorRef && state instanceof PyDict && state.entries.size === 0) return inst;
      throw bad(`data.pkl sets the state of ${show(inst)}; only an OrderedDict's attributes are read`);
    },
  };
  function count(v: PyValue, what: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`a tensor's ${what} is ${show(v)}, not a whole number >= 0; the file is damaged`);
    return v;
  }
  function counts(v: PyValue, what: string): number[] {
    if (!(v instanceof PyTuple)) throw bad(`a tensor's ${what} is ${show(v)}, not a tuple; the file is damaged`);
    return v.items.map((x) => count(x, what));
  }

  let root: PyValue;
  try {
    root = unpickle(pkl, hooks);
  } catch (e) {
    if (e instanceof PickleError) throw bad(clean(e.message, 400));
    throw e;
  }

  // The values, depth-first: each tensor made once (shared tensors stay shared), cycles refused.
  // NOTE: stride 0 (an expand) lets a few bytes stand for any number of elements: by default a
  // file gets at most 64 elements per byte of its own (plus 2^20), and never over 2^28.
  const maxElements = opts.maxElements ?? Math.min(2 ** 28, 2 ** 20 + 64 * bytes.length);
  let budget = maxElements;
  const made = new Map<object, TorchObject>();
  const open = new Set<object>();
  const converted: string[] = [];
  const convert = (v: PyValue, path: string, depth: number): TorchObject => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) throw bad(`nests containers over ${MAX_DEPTH} deep (at ${path}); a state dict is never that deep`);
    const done = made.get(v);
    if (done !== undefined) return done;
    if (open.has(v)) throw bad(`holds a container that contains itself (at ${path}); a state dict never does`);
    if (v instanceof TensorRef) {
      const t = materialize(v, path);
      made.set(v, t);
      return t;
    }
    if (v instanceof StorageRef) throw bad(`holds a bare storage at ${path}; only tensors are read`);
    if (v instanceof PyGlobal) throw bad(`holds the type ${v} itself at ${path}, not data`);
    open.add(v);
    let out: TorchObject;
    if (v instanceof PyDict) {
      const o: { [key: string]: TorchObject } = {};
      for (const [k, x] of v.entries) {
        if (typeof k !== 'string' && !(typeof k === 'number' && Number.isSafeInteger(k))) throw bad(`has a dict key ${show(k)} at ${path}; only string and integer keys are read`);
        const key = String(k);
        if (Object.prototype.hasOwnProperty.call(o, key)) throw bad(`has the dict key ${show(key)} twice at ${path} (as an integer and as a string)`);
        Object.defineProperty(o, key, { value: convert(x, `${path}[${show(key)}]`, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      out = o;
    } else {
      const items = v instanceof PyTuple ? v.items : (v as PyValue[]);
      out = items.map((x, i) => convert(x, `${path}[${i}]`, depth + 1));
    }
    open.delete(v);
    made.set(v, out);
    return out;
  };
  const materialize = (t: TensorRef, path: string): TorchTensor => {
    const where = `tensor ${path}`;
    const s = t.storage;
    const info = STORAGES[s.type];
    if (t.size.length !== t.stride.length) throw bad(`${where} has ${t.size.length} sizes but ${t.stride.length} strides; the file is damaged`);
    const empty = t.size.includes(0);
    let numel = empty ? 0 : 1, last = t.offset;
    for (let i = 0; i < t.size.length && !empty; i++) {
      numel *= t.size[i];
      if (numel > budget) throw bad(`${where} of size [${t.size}] is over the ${maxElements} elements read in all for a file of ${bytes.length} bytes (maxElements); is this the right file?`);
      last += (t.size[i] - 1) * t.stride[i];
    }
    if (numel > 0 && last >= s.numel) {
      throw bad(`${where} of size [${t.size}], strides [${t.stride}] and offset ${t.offset} reaches element ${last} of a storage of ${s.numel}; the file is damaged`);
    }
    budget -= numel;
    const raw = records.get(`data/${s.key}`)!;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const isFloat = ['float32', 'float64', 'float16', 'bfloat16'].includes(info.dtype);
    const out = isFloat ? new Float32Array(numel) : new Int32Array(numel);
    const read = reader(info.dtype, dv, where);
    // Row-major walk over the view, with an odometer over its index.
    const nd = t.size.length, idx = new Array<number>(nd).fill(0);
    let at = t.offset;
    for (let i = 0; i < numel; i++) {
      out[i] = read(at);
      for (let d = nd - 1; d >= 0; d--) {
        if (++idx[d] < t.size[d]) { at += t.stride[d]; break; }
        at -= (t.size[d] - 1) * t.stride[d];
        idx[d] = 0;
      }
    }
    if (info.dtype === 'float64') converted.push(path);
    return new TorchTensor(info.dtype, [...t.size], out, t.requiresGrad);
  };
  const reader = (dtype: TorchDtype, dv: DataView, where: string): ((i: number) => number) => {
    switch (dtype) {
      case 'float32': return (i) => dv.getFloat32(i * 4, true);
      case 'float64': return (i) => dv.getFloat64(i * 8, true);
      case 'bfloat16': return (i) => bf16(dv.getUint16(i * 2, true));
      case 'float16': return (i) => f16(dv.getUint16(i * 2, true));
      case 'int32': return (i) => dv.getInt32(i * 4, true);
      case 'int16': return (i) => dv.getInt16(i * 2, true);
      case 'int8': return (i) => dv.getInt8(i);
      case 'uint8': return (i) => dv.getUint8(i);
      case 'bool': return (i) => (dv.getUint8(i) ? 1 : 0);
      case 'int64': return (i) => {
        const v = dv.getBigInt64(i * 8, true);
        if (v < -2147483648n || v > 2147483647n) throw bad(`${where} holds the int64 value ${v}, which does not fit int32, wasmgrad's integer dtype`);
        return Number(v);
      };
    }
  };
  if (!LITTLE_ENDIAN) throw bad('cannot be read on a big-endian machine');
  const result = convert(root, 'data.pkl', 0);
  if (converted.length && opts.onNote) {
    opts.onNote(`${name}: converted ${converted.length} float64 tensor${converted.length > 1 ? 's' : ''} (${converted.slice(0, 3).join(', ')}${converted.length > 3 ? ', ...' : ''}) to float32, wasmgrad's float dtype`);
  }
  return result;
}

const F32 = new Float32Array(1), U32 = new Uint32Array(F32.buffer);
function bf16(h: number): number {
  U32[0] = h << 16;
  return F32[0];
}
function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// A tensor for encodeTorch: float32 values are written as float32, int32 ones as int64 (PyTorch's integer buffers).
export interface TorchTensorInput { shape: readonly number[]; data: Float32Array | Int32Array }

// torch.save bytes of a flat state dict (name -> tensor), laid out byte for byte as PyTorch 1.13's
// torch.save(OrderedDict(...)) writes them: an OrderedDict of _rebuild_tensor_v2 calls, each
// tensor contiguous in its own storage (the same object given twice shares one), records sorted
// by key, then `version`. `archive` is the zip's folder: torch.save names it after the file
// ('model' for model.pt). torch.load(f, weights_only=True) reads it back.
// For example:
//   const bytes = encodeTorch({ w: { shape: [2], data: new Float32Array([1, 2]) } }, 'model');
export function encodeTorch(tensors: Record<string, TorchTensorInput>, archive = 'archive'): Uint8Array {
  if (!/^[^/\\]+$/.test(archive)) throw new TorchFileError(`encodeTorch: archive name ${show(archive)} must be a non-empty name without slashes`);
  const w = new PickleWriter();
  const shared = new Map<string, number>(); // globals and constant strings -> memo index
  const memoized = (key: string, write: () => void) => {
    const i = shared.get(key);
    if (i !== undefined) { w.get(i); return; }
    write();
    shared.set(key, w.put());
  };
  const tuple = (xs: readonly number[]) => {
    if (xs.length === 0) { w.op(OP.EMPTY_TUPLE); return; }
    if (xs.length > 3) w.op(OP.MARK);
    for (const x of xs) w.int(x);
    w.op(xs.length > 3 ? OP.TUPLE : [0, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][xs.length]);
    w.put();
  };
  w.op(OP.PROTO, 2);
  memoized('collections.OrderedDict', () => w.global('collections', 'OrderedDict'));
  w.op(OP.EMPTY_TUPLE, OP.REDUCE);
  w.put();
  const storages: Uint8Array[] = [];
  const seen = new Map<TorchTensorInput, number>(); // tensor -> memo index of its REDUCE result
  const names = Object.keys(tensors);
  // pickle's _batch_setitems: MARK ... SETITEMS per 1000 items, a lone item as SETITEM.
  for (let b = 0; b < names.length; b += 1000) {
    const batch = names.slice(b, b + 1000);
    if (batch.length > 1) w.op(OP.MARK);
    for (const name of batch) {
      const t = tensors[name];
      if (t === null || typeof t !== 'object') throw new TorchFileError(`encodeTorch: tensor ${show(name)} is ${show(t)}, not { shape, data }`);
      w.str(name);
      w.put();
      const again = seen.get(t);
      if (again !== undefined) { w.get(again); continue; }
      const isInt = t.data instanceof Int32Array;
      if (!isInt && !(t.data instanceof Float32Array)) throw new TorchFileError(`encodeTorch: tensor ${show(name)} needs a Float32Array or Int32Array, got ${Object.prototype.toString.call(t.data).slice(8, -1)}`);
      if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new TorchFileError(`encodeTorch: tensor ${show(name)}'s shape ${show(t.shape)} must be a list of whole numbers >= 0`);
      const numel = t.shape.reduce((a, d) => a * d, 1);
      if (numel !== t.data.length) throw new TorchFileError(`encodeTorch: tensor ${show(name)} has shape [${t.shape}] (${numel} elements) but ${t.data.length} values`);
      const key = String(storages.length);
      if (isInt) {
        const b64 = new BigInt64Array(numel);
        for (let i = 0; i < numel; i++) b64[i] = BigInt(t.data[i]);
        storages.push(new Uint8Array(b64.buffer));
      } else {
        storages.push(new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength) as ArrayBuffer));
      }
      memoized('torch._utils._rebuild_tensor_v2', () => w.global('torch._utils', '_rebuild_tensor_v2'));
      w.op(OP.MARK, OP.MARK);
      memoized("'storage'", () => w.str('storage'));
      const type = isInt ? 'LongStorage' : 'FloatStorage';
      memoized(`torch.${type}`, () => w.global('torch', type));
      w.str(key);
      w.put();
      memoized("'cpu'", () => w.str('cpu'));
      w.int(numel);
      w.op(OP.TUPLE);
      w.put();
      w.op(OP.BINPERSID);
      w.int(0);
      tuple(t.shape);
      const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, d) => a * d, 1));
      tuple(stride);
      w.op(OP.NEWFALSE);
      memoized('collections.OrderedDict', () => w.global('collections', 'OrderedDict'));
      w.op(OP.EMPTY_TUPLE, OP.REDUCE);
      w.put();
      w.op(OP.TUPLE);
      w.put();
      w.op(OP.REDUCE);
      seen.set(t, w.put());
    }
    if (batch.length > 1) w.op(OP.SETITEMS);
    else w.op(OP.SETITEM);
  }
  w.op(OP.STOP);
  const keys = storages.map((_, i) => String(i)).sort();
  return writeZip([
    { name: `${archive}/data.pkl`, data: w.bytes() },
    ...keys.map((k) => ({ name: `${archive}/data/${k}`, data: storages[Number(k)] })),
    { name: `${archive}/version`, data: new TextEncoder().encode('3\n') },
  ]);
}

// torch.save's archive folder for a file path: its base name up to the last '.' ('model' for out/model.pt; 'archive' if that is empty).
export function torchArchiveName(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot >= 0 ? base.slice(0, dot) : base;
  return stem || 'archive';
}
