"""The reference notebook's data pipeline (cells In [2]-[5]), shared by the Python scripts:
tools/fixtures/makemore.py, tools/torch_load.py and bench/peers/torch_loop.py.

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
