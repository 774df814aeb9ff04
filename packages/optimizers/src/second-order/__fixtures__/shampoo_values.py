"""Shampoo's first steps from the paper's algorithm box, in numpy with exact inverse roots (eigh).

Gupta, Koren and Singer 2018, "Shampoo: Preconditioned Stochastic Tensor Optimization", Algorithm 1
(matrices: L += G G^T, R += G^T G, W -= lr L^(-1/4) G R^(-1/4); L0 = eps I, R0 = eps I) and the
order-1 case of Algorithm 2 for vectors (H += g g^T, w -= lr H^(-1/2) g), with blocks of side 2
(each block its own statistics). Writes shampoo-values.json beside this file:
    /usr/bin/python3 shampoo_values.py
The problem: w (3x2), v (3); f = sum(0.5 c x^2 + 0.25 x^4), c = 1, 2, ... over w row-major then v.
"""
import json
import os

import numpy as np

W0 = np.array([[0.8, -1.2], [0.3, 1.5], [-0.4, 0.05]])
V0 = np.array([-0.9, 0.6, 0.2])
CW = np.arange(1, 7, dtype=float).reshape(3, 2)
CV = np.arange(7, 10, dtype=float)
LR, EPS, SIDE, STEPS = 0.1, 0.1, 2, 4


def root(a, p):
    e, q = np.linalg.eigh(a)
    return (q * e ** (-1.0 / p)) @ q.T


def ranges(n):
    return [(i, min(SIDE, n - i)) for i in range(0, n, SIDE)]


w, v = W0.copy(), V0.copy()
Lw = {(i, j): (EPS * np.eye(rl), EPS * np.eye(cl)) for i, rl in ranges(3) for j, cl in ranges(2)}
Hv = {i: EPS * np.eye(n) for i, n in ranges(3)}
steps = []
for t in range(STEPS):
    gw = CW * w + w**3
    gv = CV * v + v**3
    uw = np.zeros_like(w)
    for (i, j), (L, R) in Lw.items():
        rl, cl = L.shape[0], R.shape[0]
        G = gw[i:i + rl, j:j + cl]
        L = L + G @ G.T
        R = R + G.T @ G
        Lw[(i, j)] = (L, R)
        uw[i:i + rl, j:j + cl] = root(L, 4) @ G @ root(R, 4)
    uv = np.zeros_like(v)
    for i, H in Hv.items():
        n = H.shape[0]
        g = gv[i:i + n]
        H = H + np.outer(g, g)
        Hv[i] = H
        uv[i:i + n] = root(H, 2) @ g
    w = w - LR * uw
    v = v - LR * uv
    steps.append({'w': w.flatten().tolist(), 'v': v.tolist()})

out = {'source': 'Gupta, Koren and Singer 2018, Algorithms 1 and 2 (paper), numpy eigh roots', 'lr': LR, 'eps': EPS, 'blockSize': SIDE, 'steps': steps}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'shampoo-values.json'), 'w') as f:
    json.dump(out, f, indent=1)
print('wrote shampoo-values.json')
