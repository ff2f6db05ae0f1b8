"""The reference notebook's data pipeline (cells In [2]-[5]) and parameters (In [6] / In [28]),
shared by the Python scripts:
tools/fixtures/makemore.py, tools/torch_load.py, bench/peers/torch_loop.py and torch_eval.py.

Blank lines are dropped, as wasmgrad's parseNames does (names.txt has none).
"""
import random

import torch


def load_words(path):
    return [w for w in open(path, 'r', encoding='utf-8').read().splitlines() if w.strip()]


def vocab(words):
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]  # crop and append
    return torch.tensor(X), torch.tensor(Y)


def splits(all_words, stoi, seed, block_size):
    words = list(all_words)
    random.seed(seed)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    return {
        'train': build_dataset(words[:n1], stoi, block_size),
        'val': build_dataset(words[n1:n2], stoi, block_size),
        'test': build_dataset(words[n2:], stoi, block_size),
    }


def init_params(seed, V, block_size, n_embed, n_hidden):
    """Returns (g, params). g is left where the notebook leaves it, for randint or sampling."""
    g = torch.Generator().manual_seed(seed)
    C = torch.randn((V, n_embed), generator=g)
    W1 = torch.randn((n_embed * block_size, n_hidden), generator=g) * (5 / 3) / (n_embed * block_size) ** 0.5
    b1 = torch.randn(n_hidden, generator=g) * 0.01
    W2 = torch.randn((n_hidden, V), generator=g) * 0.01
    b2 = torch.randn(V, generator=g) * 0
    bngain = torch.ones((1, n_hidden))
    bnbias = torch.zeros((1, n_hidden))
    # NOTE: the running std starts at zero, as in the notebook (not at one).
    bnmean_running = torch.zeros(1, n_hidden)
    bnstd_running = torch.zeros(1, n_hidden)
    p = dict(C=C, W1=W1, b1=b1, W2=W2, b2=b2, bngain=bngain, bnbias=bnbias,
             bnmean_running=bnmean_running, bnstd_running=bnstd_running)
    return g, p
