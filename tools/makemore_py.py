#!/usr/bin/python3
"""Runs karpathy/makemore's makemore.py unmodified, as `python makemore.py ARGS`, when tensorboard
is not installed (makemore.py imports SummaryWriter from it; a no-op one stands in).

    /usr/bin/python3 tools/makemore_py.py path/to/makemore.py -i names.txt -o out --resume ...
"""
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from makemore_torch import stub_tensorboard  # noqa: E402

if len(sys.argv) < 2:
    sys.exit(__doc__)
stub_tensorboard()
path = sys.argv[1]
sys.argv = [path] + sys.argv[2:]
runpy.run_path(path, run_name='__main__')
