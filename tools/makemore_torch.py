#!/usr/bin/env python3
"""`wasmgrad makemore` models in PyTorch, with makemore.py's own classes.

    /usr/bin/python3 tools/makemore_torch.py eval --makemore path/to/makemore.py -o out [-i names.txt]
    /usr/bin/python3 tools/makemore_torch.py convert out/model.pt out/model.safetensors

eval: loads out/model.safetensors (written by `wasmgrad makemore`) into makemore.py's model class
of its type (load_state_dict, strict), remakes the train/test split as makemore.py does (its
create_datasets under torch.manual_seed(seed)), and repeats the evaluation the model was saved
after: the test set in the same shuffled order (its RandomSampler seed is in the file), batches of
100, the mean of 11 batch losses. Prints PyTorch's test loss beside the one wasmgrad saved; they
agree to float32 accuracy (exit status 1 if they differ by more than 1e-5).

convert: a makemore.py model.pt (its state_dict) as model.safetensors, which `wasmgrad makemore
--sample-only` or `--resume` reads (pass the flags it was trained with).

makemore.py is karpathy/makemore's (commit 988aa59); tensorboard need not be installed.
"""
import argparse
import json
import os
import sys
import types

import torch

from torch_state_dict import read_safetensors as load_safetensors
from torch_state_dict import write_safetensors


def stub_tensorboard():
    """makemore.py imports SummaryWriter from tensorboard, which need not be installed: a no-op one."""
    tb = types.ModuleType('torch.utils.tensorboard')

    class SummaryWriter:
        def __init__(self, *a, **k): pass
        def add_scalar(self, *a, **k): pass
        def flush(self): pass
    tb.SummaryWriter = SummaryWriter
    sys.modules['torch.utils.tensorboard'] = tb


def import_makemore(path):
    """makemore.py as a module (its __main__ block does not run)."""
    stub_tensorboard()
    import importlib.util
    spec = importlib.util.spec_from_file_location('makemore', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_model(mm, kind, config):
    if kind == 'rnn' or kind == 'gru':
        return mm.RNN(config, cell_type=kind)
    return {'transformer': mm.Transformer, 'bigram': mm.Bigram, 'mlp': mm.MLP, 'bow': mm.BoW}[kind](config)


def cmd_eval(args):
    path = os.path.join(args.work_dir, 'model.safetensors')
    tensors, meta = load_safetensors(path)
    if meta.get('format') != 'wasmgrad-makemore-zoo':
        sys.exit(f'{path} is not a model written by `wasmgrad makemore` (no format in its metadata)')
    settings = json.loads(meta['settings'])
    mm = import_makemore(args.makemore)
    torch.manual_seed(settings['seed'])
    with open(os.devnull, 'w') as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            train_dataset, test_dataset = mm.create_datasets(args.input_file)
        finally:
            sys.stdout = stdout
    if ''.join(train_dataset.chars) != ''.join(json.loads(meta['chars'])):
        sys.exit(f'{args.input_file} has another vocabulary than the model; pass the file it was trained on with -i')
    config = mm.ModelConfig(vocab_size=train_dataset.get_vocab_size(), block_size=train_dataset.get_output_length(),
                            n_layer=settings['nLayer'], n_head=settings['nHead'], n_embd=settings['nEmbd'], n_embd2=settings['nEmbd2'])
    with open(os.devnull, 'w') as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            model = build_model(mm, settings['type'], config)
        finally:
            sys.stdout = stdout
    model.load_state_dict(tensors, strict=True)
    print(f"loaded {path} into makemore.py's {type(model).__name__} ({sum(p.numel() for p in model.parameters())} parameters, step {meta['step']})")
    if not meta.get('test_eval_seed'):
        sys.exit('the file records no evaluation (it was not saved at one), so there is no test loss to compare')
    # makemore.py's evaluate(model, test_dataset, batch_size=100, max_batches=10), its batch order
    # drawn by the RandomSampler seed that wasmgrad's run drew from the default generator.
    g = torch.Generator()
    g.manual_seed(int(meta['test_eval_seed']))
    sampler = torch.utils.data.RandomSampler(test_dataset, generator=g)
    loader = torch.utils.data.DataLoader(test_dataset, sampler=sampler, batch_size=100, num_workers=0)
    model.eval()
    losses = []
    with torch.inference_mode():
        for i, (X, Y) in enumerate(loader):
            losses.append(model(X, Y)[1].item())
            if i >= 10:
                break
    torch_loss = torch.tensor(losses).mean().item()
    saved = json.loads(meta['test_loss'])
    print(f'test loss, PyTorch with makemore.py\'s model: {torch_loss}')
    print(f'test loss, saved by wasmgrad:             {saved}')
    print(f'difference: {abs(torch_loss - saved):.2e}')
    return 0 if abs(torch_loss - saved) <= 1e-5 else 1


def cmd_convert(args):
    state = torch.load(args.model_pt, map_location='cpu')
    write_safetensors(args.out, state, {'converted_from': os.path.basename(args.model_pt)})
    print(f'wrote {args.out} ({len(state)} tensors)')
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    e = sub.add_parser('eval', help="a wasmgrad makemore model's test loss with makemore.py's classes")
    e.add_argument('--makemore', required=True, help="karpathy/makemore's makemore.py")
    e.add_argument('--work-dir', '-o', default='out')
    e.add_argument('--input-file', '-i', default='names.txt')
    c = sub.add_parser('convert', help="makemore.py's model.pt as model.safetensors")
    c.add_argument('model_pt')
    c.add_argument('out')
    args = ap.parse_args()
    sys.exit(cmd_eval(args) if args.cmd == 'eval' else cmd_convert(args))


if __name__ == '__main__':
    main()
