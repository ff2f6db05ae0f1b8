"""The notebook's batch-norm training loop (In[28], In[29]) in PyTorch: a peer for `npm run bench:e2e`.

    /usr/bin/python3 bench/peers/torch_loop.py names.txt [steps=20000]

One thread, eager CPU, exactly the notebook's code (seed 42, batch 32, lr 0.1 then 0.01 from
steps/2, as `wasmgrad train --steps N` does). Times the loop only, and prints one JSON line:
{"usPerStep", "loss" (mean of the last 1000 steps), "steps", "maxRSS" (KB), "torch"}.
Leaves out: the notebook's printing and plotting.
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from notebook_data import load_words, vocab, splits, init_params  # noqa: E402

torch.set_num_threads(1)
path = sys.argv[1] if len(sys.argv) > 1 else 'names.txt'
max_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20000

words = load_words(path)
stoi, _ = vocab(words)
vocab_size = len(stoi)
block_size = 3
X_train, Y_train = splits(words, stoi, 42, block_size)['train']

n_embed, n_hidden = 10, 200
g, P = init_params(42, vocab_size, block_size, n_embed, n_hidden)  # In[28]
C, W1, b1, W2, b2, bngain, bnbias = (P[k] for k in ('C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias'))
bnmean_running, bnstd_running = P['bnmean_running'], P['bnstd_running']
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
for p in parameters:
    p.requires_grad = True

batch_size = 32
lossi = []
t0 = time.perf_counter()
for i in range(max_steps):
    ix = torch.randint(0, X_train.shape[0], (batch_size,), generator=g)
    Xb, Yb = X_train[ix], Y_train[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    h_pre_act = embcat @ W1 + b1
    bnmeani = h_pre_act.mean(0, keepdim=True)
    bnstdi = h_pre_act.std(0, keepdim=True)
    h_pre_act = bngain * (h_pre_act - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(h_pre_act)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < max_steps // 2 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    lossi.append(loss.log10().item())
seconds = time.perf_counter() - t0

tail = [10 ** l for l in lossi[-1000:]]
print(json.dumps({'usPerStep': seconds * 1e6 / max_steps, 'loss': sum(tail) / len(tail), 'steps': max_steps,
                  'maxRSS': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'torch': torch.__version__}))
