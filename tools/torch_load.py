#!/usr/bin/env python3
"""Load a wasmgrad makemore checkpoint into PyTorch and print its losses.

    /usr/bin/python3 tools/torch_load.py model.safetensors [names.txt] [--split val]

Reads the safetensors file (torch_state_dict.read_safetensors), rebuilds the notebook's MLP from
the metadata (vocabulary, block size, sizes, seed) and evaluates it exactly as the notebook's split_loss does, with the running batch-norm
statistics. The numbers should equal `wasmgrad eval --load FILE` within 1e-5.
"""
import json
import sys

import torch
import torch.nn.functional as F

from notebook_data import load_words, splits as notebook_splits
from torch_state_dict import read_safetensors as load_safetensors


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    split = sys.argv[sys.argv.index("--split") + 1] if "--split" in sys.argv else "all"
    if split != "all":
        args = [a for a in args if a != split]
    if not args:
        sys.exit(__doc__)
    path = args[0]
    names = args[1] if len(args) > 1 else "names.txt"
    t, meta = load_safetensors(path)
    itos = json.loads(meta["vocab"])
    block_size = int(meta["block_size"])
    seed = int(meta["seed"])

    # The notebook's data pipeline (tools/notebook_data.py), with the checkpoint's vocabulary.
    stoi = {s: i for i, s in enumerate(itos)}
    splits = notebook_splits(load_words(names), stoi, seed, block_size)

    # The notebook's model, from the checkpoint's tensors (names as in the notebook).
    C, W1, b1, W2, b2 = (t[k] for k in ("C", "W1", "b1", "W2", "b2"))
    batchnorm = meta.get("batchnorm") == "true"

    @torch.no_grad()
    def split_loss(name):
        x, y = splits[name]
        emb = C[x]
        h_pre_act = emb.view(emb.shape[0], -1) @ W1 + b1
        if batchnorm:
            h_pre_act = t["bngain"] * (h_pre_act - t["bnmean_running"]) / t["bnstd_running"] + t["bnbias"]
        h = torch.tanh(h_pre_act)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, y).item()

    result = {s: split_loss(s) for s in ("train", "val", "test") if split in ("all", s)}
    for s, loss in result.items():
        print(s, loss)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
