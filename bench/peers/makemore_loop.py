#!/usr/bin/env python3
"""One makemore.py timing for `npm run bench:e2e -- --makemore PATH`: TYPE's training steps at
makemore.py's default flags with its own classes, PyTorch on one thread, timed as makemore.py times
a step (batch, forward, zero_grad, backward, AdamW); the first min(10, steps // 2) steps are warm-up,
not timed (as bench/makemore_loop.mjs). Prints one JSON line.

    /usr/bin/python3 bench/peers/makemore_loop.py path/to/makemore.py names.txt transformer 200
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
from makemore_torch import import_makemore, build_model  # noqa: E402

torch.set_num_threads(1)
makemore_py, names, kind, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
mm = import_makemore(makemore_py)
torch.manual_seed(3407)
stdout, sys.stdout = sys.stdout, open(os.devnull, 'w')
train_dataset, test_dataset = mm.create_datasets(names)
config = mm.ModelConfig(vocab_size=train_dataset.get_vocab_size(), block_size=train_dataset.get_output_length(),
                        n_layer=4, n_head=4, n_embd=64, n_embd2=64)
model = build_model(mm, kind, config)
sys.stdout = stdout
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
batch_loader = mm.InfiniteDataLoader(train_dataset, batch_size=32, pin_memory=True, num_workers=0)
total, losses = 0.0, []
warmup = min(10, steps // 2)
for step in range(steps):
    t0 = time.time()
    X, Y = batch_loader.next()
    logits, loss = model(X, Y)
    model.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    t1 = time.time()
    if step >= warmup:
        total += t1 - t0
    losses.append(loss.item())
tail = losses[-10:]
print(json.dumps({'usPerStep': total * 1e6 / (steps - warmup), 'loss': sum(tail) / len(tail), 'steps': steps,
                  'maxRSS': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
