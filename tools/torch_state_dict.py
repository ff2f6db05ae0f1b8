#!/usr/bin/env python3
"""Move an nn model's state dict between PyTorch and wasmgrad, through a safetensors file.

wasmgrad's nn modules hold PyTorch's state dicts: the same keys ('2.weight', '3.running_mean',
...), the same shapes (nn.Linear's weight is (out, in)), integer buffers written as I64. With the
`safetensors` package, safetensors.torch.save_file / load_file and load_state_dict are all you
need; these two functions do the same with torch and numpy only.

    import torch_state_dict as sd                      # run from tools/, or put tools/ on sys.path
    sd.save_for_wasmgrad(model, "model.safetensors")   # then loadSafetensors + loadStateDict in JS
    sd.load_from_wasmgrad(model, "model.safetensors")  # a file from saveSafetensors(model.stateDict())

Needs only torch and numpy.
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "U8": np.uint8}


def save_for_wasmgrad(model, path, metadata=None):
    """Writes model.state_dict() as safetensors (float32, integers as int64), as save_file does."""
    tensors = {}
    for key, t in model.state_dict().items():
        tensors[key] = t.detach().to(torch.float32 if t.is_floating_point() else torch.int64).contiguous()
    write_safetensors(path, {key: tensors[key] for key in sorted(tensors)}, metadata)


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 and int64 tensors as a safetensors file, in the dict's order (8-byte header length, JSON header, data)."""
    header, blobs, offset = {}, [], 0
    for key, t in tensors.items():
        t = t.detach().to(torch.float32 if t.is_floating_point() else torch.int64).contiguous()
        data = t.numpy().tobytes()
        dtype = "F32" if t.dtype == torch.float32 else "I64"
        header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """A safetensors file's tensors (F32, F64, I32, I64, U8) as torch tensors, and its metadata:
    with the `safetensors` package when it is installed, else with struct/json/numpy."""
    try:
        from safetensors.torch import load_file, safe_open  # optional
        with safe_open(path, framework="pt") as f:
            meta = f.metadata() or {}
        return load_file(path), meta
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for key, info in header.items():
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[key] = torch.from_numpy(arr.copy())
    return out, meta


def load_from_wasmgrad(model, path):
    """Loads a wasmgrad state dict file into a PyTorch model of the same architecture."""
    mine = model.state_dict()
    state = {}
    for key, t in read_safetensors(path)[0].items():
        state[key] = t.to(mine[key].dtype) if key in mine else t
    model.load_state_dict(state, strict=True)
    return model
