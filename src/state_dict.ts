// A state dict (name -> Tensor, as nn.Module.stateDict() gives) to and from safetensors bytes:
// the file format PyTorch, Hugging Face and wasmgrad checkpoints share. Bytes in, bytes out, so
// it runs anywhere; writing the file is the caller's. float32 and int32 only, as wasmgrad's
// tensors: a file with other dtypes is refused, never converted behind the caller's back.
import { tensor } from './creation.ts';
import type { Tensor } from './tensor.ts';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor } from './safetensors.ts';

/**
 * Serialises tensors to safetensors bytes (with optional string metadata), as
 * `safetensors.torch.save` does.
 * @example
 *   const bytes = saveSafetensors(model.stateDict(), { step: '1000' });
 *   await fs.writeFile('model.safetensors', bytes);   // Node; a browser might offer a download
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const out: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    out[name] = { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: [...t.shape], data: t.toArray() };
  }
  return encodeSafetensors(out, metadata);
}

/**
 * Reads safetensors bytes into tensors (kept in persistent memory), as `safetensors.torch.load`;
 * throws SafetensorsError for malformed bytes or a dtype other than F32 and I32.
 * @example
 *   model.loadStateDict(loadSafetensors(await fs.readFile('model.safetensors')));
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const { tensors } = decodeSafetensors(bytes);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'F32' && t.dtype !== 'I32') {
      throw new SafetensorsError(`tensor '${name}' is ${t.dtype}; wasmgrad holds float32 and int32 only: convert it before saving (in PyTorch, .float() or .int())`);
    }
    out[name] = tensor(t.data as Float32Array | Int32Array, { dtype: t.dtype === 'I32' ? 'int32' : 'float32', shape: t.shape }).keep();
  }
  return out;
}

/** The string metadata of safetensors bytes (`__metadata__`), e.g. what saveSafetensors was given. */
export function safetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return decodeSafetensors(bytes).metadata;
}
