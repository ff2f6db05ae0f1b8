"""bench/models.mjs's deep and adamw models in PyTorch: a peer for `npm run bench:e2e`.

    /usr/bin/python3 bench/peers/torch_models.py names.txt deep|adamw [steps=2000]

One thread, eager CPU, the notebook's data (seed 42's train split), batches of 32, the same
layers and optimizer as the wasmgrad child. Times the loop only, after 20 warm-up steps, and
prints one JSON line: {"usPerStep", "loss" (mean of the last 1000 steps), "steps", "maxRSS" (KB)}.
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from notebook_data import load_words, vocab, splits  # noqa: E402

torch.set_num_threads(1)
path, model = sys.argv[1], sys.argv[2]
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
words = load_words(path)
stoi, _ = vocab(words)
X, Y = splits(words, stoi, 42, 3)['train']
g = torch.Generator().manual_seed(42)
torch.manual_seed(42)

if model == 'deep':
    layers = [nn.Embedding(27, 10), nn.Flatten()]
    fan = 30
    for _ in range(4):
        layers += [nn.Linear(fan, 100, bias=False), nn.BatchNorm1d(100), nn.Tanh()]
        fan = 100
    net = nn.Sequential(*layers, nn.Linear(100, 27))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
elif model == 'adamw':
    net = nn.Sequential(nn.Embedding(27, 10), nn.Flatten(), nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 27))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
else:
    sys.exit(f"unknown model '{model}': deep, adamw")


def step():
    ix = torch.randint(0, X.shape[0], (32,), generator=g)
    loss = F.cross_entropy(net(X[ix]), Y[ix])
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(20):
    step()
losses = []
t0 = time.perf_counter()
for _ in range(steps):
    losses.append(step())
us = (time.perf_counter() - t0) * 1e6 / steps
tail = losses[-min(1000, steps):]
print(json.dumps({"usPerStep": us, "loss": sum(tail) / len(tail), "steps": steps,
                  "maxRSS": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
