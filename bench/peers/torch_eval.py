"""The notebook's split_loss('train') (In[33]) in PyTorch: the peer for `npm run bench:eval`.

    /usr/bin/python3 bench/peers/torch_eval.py names.txt [runs=7] [threads=default]

Builds the batch-norm MLP as In[28] does (torch.Generator().manual_seed(42), the seed every
parameter cell of the notebook uses), sets its running statistics to In[31]'s mean and std of
the pre-activations over the whole training split (at init they are zeros and the batch norm
would divide by zero), then times split_loss('train') as the notebook writes it: one shot over
all 182,625 rows, under torch.no_grad, with the running statistics, including the notebook's
repeated `h = torch.tanh(h_pre_act)` line. The one change: it returns `loss.item()` instead of
printing it. One untimed call first, then `runs` timed calls; prints one JSON line:
{"msPerEval" (median), "runs" (ms each), "loss", "threads", "torch"}.
threads: torch's default (leave out, or `default`) or a number for torch.set_num_threads.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from notebook_data import load_words, vocab, splits, init_params  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else 'names.txt'
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
if len(sys.argv) > 3 and sys.argv[3] != 'default':
    torch.set_num_threads(int(sys.argv[3]))

words = load_words(path)
stoi, _ = vocab(words)
vocab_size = len(stoi)
block_size = 3
data = splits(words, stoi, 42, block_size)
X_train, Y_train = data['train']
X_dev, Y_dev = data['val']
X_test, Y_test = data['test']

# In[28]
n_embed, n_hidden = 10, 200
g, P = init_params(42, vocab_size, block_size, n_embed, n_hidden)
C, W1, b1, W2, b2, bngain, bnbias = (P[k] for k in ('C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias'))
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
for p in parameters:
    p.requires_grad = True

# In[31], stored as the running statistics
with torch.no_grad():
    emb = C[X_train]
    embcat = emb.view(emb.shape[0], -1)
    h_pre_act = embcat @ W1 + b1
    bnmean_running = h_pre_act.mean(0, keepdim=True)
    bnstd_running = h_pre_act.std(0, keepdim=True)
del emb, embcat, h_pre_act


# In[33], returning the loss instead of printing it
@torch.no_grad()  # disable grad tracking
def split_loss(split):
    x, y = {
        'train': (X_train, Y_train),
        'val': (X_dev, Y_dev),
        'test': (X_test, Y_test)
    }[split]

    emb = C[x]  # (N, block_size, n_embed)
    embcat = emb.view(emb.shape[0], -1)  # concat into (N, block_size*n_embed)
    h_pre_act = embcat @ W1 + b1
    # batchnorm layer
    h_pre_act = bngain * (h_pre_act - bnmean_running) / bnstd_running + bnbias
    h = torch.tanh(h_pre_act)
    h = torch.tanh(h_pre_act)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    return loss.item()


split_loss('train')
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    loss = split_loss('train')
    times.append((time.perf_counter() - t0) * 1000)

print(json.dumps({'msPerEval': statistics.median(times), 'runs': [round(t, 1) for t in times], 'loss': loss,
                  'threads': torch.get_num_threads(), 'torch': torch.__version__}))
