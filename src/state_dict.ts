// A state dict (name -> Tensor, as nn.Module.stateDict() gives) to and from safetensors bytes
// (the format PyTorch, Hugging Face and wasmgrad checkpoints share) and torch.save's own zip
// format. Bytes in, bytes out, so it runs anywhere; writing the file is the caller's. float32
// tensors are written as float32; int32 ones (BatchNorm1d's num_batches_tracked) as int64,
// PyTorch's dtype for them, and integers are read back as int32 when they fit. safetensors of
// other dtypes are refused; torch files' float64/float16/bfloat16 are converted to float32, as
// torch.load then .float() would (float64 with a note, since it loses precision).
import { Tensor } from './tensor.ts';
import { tensor } from './creation.ts';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor } from './safetensors.ts';
import { decodeTorch, encodeTorch, TorchFileError, TorchTensor, type TorchObject, type TorchReadOptions, type TorchTensorInput } from './torch_file.ts';

/**
 * Serialises tensors (e.g. `model.stateDict()`) to safetensors bytes, with optional string
 * metadata, as `safetensors.torch.save` does.
 * @example
 *   writeFileSync('model.safetensors', saveSafetensors(model.stateDict(), { step: '1000' }));
 *   // PyTorch: model.load_state_dict(safetensors.torch.load_file('model.safetensors'))
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const out: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new SafetensorsError(`tensor '${name}': expected a Tensor, got ${typeof t}`);
    const data = t.toArray();
    out[name] = t.dtype === 'int32'
      ? { dtype: 'I64', shape: [...t.shape], data: BigInt64Array.from(data as Int32Array, (v) => BigInt(v)) }
      : { dtype: 'F32', shape: [...t.shape], data };
  }
  return encodeSafetensors(out, metadata);
}

/**
 * Reads safetensors bytes into tensors (kept in persistent memory), as `safetensors.torch.load`:
 * F32 as float32, I32 and I64 (within int32's range) as int32. Other dtypes are refused with a
 * message naming the tensor.
 * @example
 *   model.loadStateDict(loadSafetensors(readFileSync('model.safetensors')));
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const { tensors } = decodeSafetensors(bytes);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const shape = t.shape;
    if (t.dtype === 'F32') out[name] = tensor(t.data as Float32Array, { shape }).keep();
    else if (t.dtype === 'I32') out[name] = tensor(t.data as Int32Array, { shape, dtype: 'int32' }).keep();
    else if (t.dtype === 'I64') {
      const d = t.data as BigInt64Array;
      const i = d.findIndex((v) => v < -2147483648n || v > 2147483647n);
      if (i >= 0) throw new SafetensorsError(`tensor '${name}': I64 value ${d[i]} at ${i} does not fit int32, wasmgrad's integer dtype`);
      out[name] = tensor(Int32Array.from(d, (v) => Number(v)), { shape, dtype: 'int32' }).keep();
    } else throw new SafetensorsError(`tensor '${name}' is ${t.dtype}; wasmgrad holds float32 and int32 only: convert it before saving (in PyTorch, .float() or .int())`);
  }
  return out;
}

/** The string metadata of safetensors bytes (`__metadata__`), e.g. what saveSafetensors was given. */
export function safetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return decodeSafetensors(bytes).metadata;
}

/** What loadTorchObject returns: dicts as objects (int keys as strings), tuples and lists as arrays. */
export type TorchValue = Tensor | number | bigint | string | boolean | null | TorchValue[] | { [key: string]: TorchValue };

/**
 * Reads `torch.save(model.state_dict(), path)` bytes as `torch.load(path, weights_only=True)`:
 * float64/16 and bfloat16 become float32 (float64 with an `onNote`), integers int32 (checked).
 * Any other global is refused; problems throw TorchFileError naming the file (`name`).
 * @example
 *   model.loadStateDict(loadTorch(readFileSync('model.pt'), { name: 'model.pt', onNote: console.warn }));
 */
export function loadTorch(bytes: Uint8Array, opts: TorchReadOptions = {}): Record<string, Tensor> {
  const v = loadTorchObject(bytes, opts);
  const name = opts.name ?? 'torch file';
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) {
    throw new TorchFileError(`${name}: holds ${Array.isArray(v) ? 'a list' : v instanceof Tensor ? 'one tensor' : typeof v}, not a state dict (name -> tensor); read it with loadTorchObject`);
  }
  for (const [k, t] of Object.entries(v)) {
    if (!(t instanceof Tensor)) throw new TorchFileError(`${name}: entry '${k}' is ${t === null ? 'None' : Array.isArray(t) ? 'a list' : typeof t}, not a tensor, so this is not a model's state dict (an optimizer's?); read it with loadTorchObject`);
  }
  return v as Record<string, Tensor>;
}

/**
 * Reads nested torch.save files (an optimizer's state dict: dicts, lists, numbers) as loadTorch.
 * @example
 *   const opt = loadTorchObject(readFileSync('optim.pt')) as { state: Record<string, Record<string, Tensor>> };
 *   opt.state['0'].exp_avg.shape;
 */
export function loadTorchObject(bytes: Uint8Array, opts: TorchReadOptions = {}): TorchValue {
  const made = new Map<TorchTensor, Tensor>();
  const wrap = (v: TorchObject): TorchValue => {
    if (v instanceof TorchTensor) {
      let t = made.get(v);
      if (!t) {
        t = tensor(v.data, { shape: v.shape, dtype: v.data instanceof Int32Array ? 'int32' : 'float32' }).keep();
        made.set(v, t);
      }
      return t;
    }
    if (Array.isArray(v)) return v.map(wrap);
    if (v !== null && typeof v === 'object') {
      const o: { [key: string]: TorchValue } = {};
      for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: wrap(v[k]), enumerable: true, writable: true, configurable: true });
      return o;
    }
    return v;
  };
  return wrap(decodeTorch(bytes, opts));
}

/**
 * A state dict as `torch.save` writes it (float32; int32 as int64). `archive`: the zip's folder,
 * which torch.save names after the file ('model' for model.pt; default 'archive').
 * @example
 *   writeFileSync('model.pt', saveTorch(model.stateDict(), { archive: 'model' }));
 *   // PyTorch: model.load_state_dict(torch.load('model.pt', weights_only=True))
 */
export function saveTorch(stateDict: Record<string, Tensor>, opts: { archive?: string } = {}): Uint8Array {
  if (stateDict === null || typeof stateDict !== 'object') throw new TorchFileError(`saveTorch: expected an object of tensors (a state dict), got ${stateDict === null ? 'null' : typeof stateDict}`);
  const out: Record<string, TorchTensorInput> = {};
  const seen = new Map<Tensor, TorchTensorInput>();
  for (const [name, t] of Object.entries(stateDict)) {
    if (!(t instanceof Tensor)) throw new TorchFileError(`saveTorch: entry '${name}' is ${t === null ? 'null' : typeof t}, not a Tensor`);
    let input = seen.get(t);
    if (!input) {
      input = { shape: [...t.shape], data: t.toArray() as Float32Array | Int32Array };
      seen.set(t, input);
    }
    out[name] = input;
  }
  return encodeTorch(out, opts.archive);
}
