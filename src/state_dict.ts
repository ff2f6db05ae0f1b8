// A state dict (name -> Tensor, as nn.Module.stateDict() gives) to and from safetensors bytes:
// the file format PyTorch, Hugging Face and wasmgrad checkpoints share. Bytes in, bytes out, so
// it runs anywhere; writing the file is the caller's. float32 tensors are F32; int32 ones
// (BatchNorm1d's num_batches_tracked) are written as I64, PyTorch's dtype for them, and I32/I64
// are read back as int32 when they fit. Other dtypes are refused, never converted behind the
// caller's back.
import { Tensor } from './tensor.ts';
import { tensor } from './creation.ts';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor } from './safetensors.ts';

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
