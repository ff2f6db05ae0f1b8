#!/usr/bin/env python3
"""Move an nn model's state dict between PyTorch and wasmgrad, through a safetensors file.

wasmgrad's nn modules use PyTorch's state-dict keys ('2.weight', '3.running_mean', ...) with two
differences, which these functions undo: wasmgrad's Linear stores its weight (fan_in, fan_out),
the transpose of torch.nn.Linear's, and its integer tensors (BatchNorm1d's num_batches_tracked)
are int32, where PyTorch's are int64.

    import torch_state_dict as sd                      # run from tools/, or put tools/ on sys.path
    sd.save_for_wasmgrad(model, "model.safetensors")   # then loadSafetensors + loadStateDict in JS
    sd.load_from_wasmgrad(model, "model.safetensors")  # a file from saveSafetensors(model.stateDict())

Needs only torch and numpy (the `safetensors` package is used when installed).
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn

_DTYPES = {"F32": (np.float32, torch.float32), "I32": (np.int32, torch.int32)}


def _linear_weights(model):
    return {f"{name}.weight" if name else "weight" for name, m in model.named_modules() if isinstance(m, nn.Linear)}


def save_for_wasmgrad(model, path, metadata=None):
    """Writes model.state_dict() as wasmgrad's nn modules hold it (float32, Linear weights transposed)."""
    linear = _linear_weights(model)
    tensors = {}
    for key, t in model.state_dict().items():
        t = t.detach().to(torch.float32 if t.is_floating_point() else torch.int32)
        tensors[key] = (t.t() if key in linear else t).contiguous()
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        data = tensors[key].numpy().tobytes()
        dtype = "F32" if tensors[key].dtype == torch.float32 else "I32"
        header[key] = {"dtype": dtype, "shape": list(tensors[key].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """The tensors of a safetensors file (F32 and I32), as torch tensors."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for key, info in header.items():
        begin, end = info["data_offsets"]
        np_dtype, _ = _DTYPES[info["dtype"]]
        arr = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=np_dtype).reshape(info["shape"])
        out[key] = torch.from_numpy(arr.copy())
    return out


def load_from_wasmgrad(model, path):
    """Loads a wasmgrad state dict file into a PyTorch model of the same architecture."""
    linear = _linear_weights(model)
    mine = model.state_dict()
    state = {}
    for key, t in read_safetensors(path).items():
        t = t.t().contiguous() if key in linear else t
        state[key] = t.to(mine[key].dtype) if key in mine else t
    model.load_state_dict(state, strict=True)
    return model
