#!/usr/bin/python3
"""Derives the erf coefficients of assembly/vmath.ts: a degree-20 polynomial h in
s = x^2/8 - 1 with erf(x) ~ x * h(s) on |x| <= 4 (beyond 4, float32 erf is +-1), fitted by least
squares on Chebyshev nodes against Python's math.erf and converted to monomials in s.
Prints the AssemblyScript constants and the fit's max absolute error on a dense grid.

    /usr/bin/python3 tools/erf_fit.py
"""
import math

import numpy as np
from numpy.polynomial import chebyshev as C

DEG, R = 20, 4.0
erf = np.vectorize(math.erf)
u = (np.cos(np.linspace(0, np.pi, 6000)) + 1) / 2 * R * R
x = np.sqrt(u)
y = np.where(x > 0, erf(x) / np.where(x > 0, x, 1), 2 / math.sqrt(math.pi))
coef = C.cheb2poly(C.chebfit(u / (R * R) * 2 - 1, y, DEG))

xt = np.linspace(0, R, 400001)
s = xt * xt / 8 - 1
h = np.zeros_like(s)
for c in coef[::-1]:
    h = h * s + c
print(f'// max abs error of x * h(s) on [0, 4]: {np.max(np.abs(xt * h - erf(xt))):.2e}')
print('const ERF = memory.data<f64>([')
for i in range(0, len(coef), 3):
    print('  ' + ', '.join(repr(float(c)) for c in coef[i:i + 3]) + ',')
print(']);')
