#!/usr/bin/python3
"""Loads a state dict written by wasmgrad (tools/twin/save.ts) into the same model written in
PyTorch, with load_state_dict(strict=True) and no transposes, and compares the outputs.

    node --import tsx tools/twin/save.ts /tmp/twin && /usr/bin/python3 tools/twin/check.py /tmp/twin

Prints the state dict's keys as both sides list them, the largest output difference, and exits
non-zero if the keys differ, loading fails or the outputs differ by more than 1e-5.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from torch_state_dict import read_safetensors as load_safetensors  # noqa: E402  (the repo's reader; the safetensors package if installed)

VOCAB, CONTEXT, CLASSES = 20, 4, 5


class TwinNet(nn.Module):
    """tools/twin/model.ts, line for line."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.body = nn.Sequential(
            nn.Linear(8 * CONTEXT, 32), nn.LayerNorm(32), nn.GELU(approximate='tanh'), nn.Dropout(0.1),
            nn.Linear(32, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.GELU(),
        )
        self.heads = nn.ModuleDict({'main': nn.Linear(16, CLASSES), 'aux': nn.Linear(16, 1, bias=False)})

    def forward(self, idx):
        h = self.body(self.emb(idx).flatten(1))
        return self.heads['main'](h) * nn.Sigmoid()(self.heads['aux'](h))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    with open(os.path.join(d, 'io.json')) as f:
        io = json.load(f)
    state, _ = load_safetensors(os.path.join(d, 'model.safetensors'))
    model = TwinNet()
    ours, theirs = io['keys'], list(model.state_dict().keys())
    print('state dict keys (wasmgrad):', ' '.join(ours))
    if ours != theirs:
        sys.exit(f'keys differ from PyTorch\'s: {theirs}')
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.tensor(io['x'], dtype=torch.long).reshape(io['shape'])
    with torch.no_grad():
        y = model(x).reshape(-1)
    want = torch.tensor(io['y'])
    diff = (y - want).abs().max().item()
    print(f'loaded {len(state)} tensors with load_state_dict(strict=True); outputs {tuple(y.shape)}, max |torch - wasmgrad| = {diff:.3g}')
    if not diff <= 1e-5:
        sys.exit('outputs differ')


if __name__ == '__main__':
    main()
