"""SOAP's first steps from the authors' reference implementation.

Writes soap-tensors.json beside this file (the matrix case of soap_values.py aside: tensors of
rank 3, merged axes, an axis over max_precond_dim, normalized updates, no bias correction). Run once with Debian's PyTorch (python3-torch 1.13,
/usr/bin/python3), giving the folder of the authors' soap.py, which this script imports unchanged:

    git -C SOAP show a1e553530fde97d0e6b307d7c82ac6d38b072340:soap.py > /tmp/authors/soap.py
    /usr/bin/python3 soap_tensors.py /tmp/authors

(nikhilvyas/SOAP on GitHub, at that commit.) Everything is float64. The reference casts its
factor matrices to float32 before `eigh` and `qr` (`m.data.float()`); this script makes
`Tensor.float` return the tensor itself while it runs, so those decompositions run in float64 too
and the values are exact to float64 rather than to float32.

The problem: parameters named in each case (matrices, a rank-3 tensor, a vector); at step t the loss
f_t = sum(0.5 * c * x**2 + 0.25 * x**4 + d_t * x) over every entry x, c = 1, 2, 3, ... in order (the
parameters in the order listed, each row-major), d_t[i] = 0.5 sin(1.3 t + 0.7 i), so the gradient
is c*x + x**3 + d_t: it changes between the first two steps, as a stochastic one does (SOAP's first
step does not move the parameters).
"""
import json
import math
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
sys.path.insert(0, sys.argv[1])
torch.Tensor.float = lambda self: self  # float64 decompositions (see above)

from soap import SOAP  # noqa: E402


def start(shape, seed):
    n = math.prod(shape)
    # Deterministic, irregular starting values in (-1.5, 1.5).
    return [round(1.5 * math.sin(seed * 7.1 + i * 2.3 + 0.4 * i * i), 6) for i in range(n)]


def run(case):
    params = [torch.tensor(p['start'], requires_grad=True).reshape(p['shape']).detach().requires_grad_(True) for p in case['params']]
    opt = SOAP(params, **case['options'])
    rows = []
    for t in range(case['steps']):
        offset = 0
        loss = 0
        for p in params:
            idx = torch.arange(offset, offset + p.numel(), dtype=torch.float64).reshape(p.shape)
            c = idx + 1
            d = 0.5 * torch.sin(1.3 * t + 0.7 * idx)
            offset += p.numel()
            loss = loss + (0.5 * c * p**2 + 0.25 * p**4 + d * p).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        rows.append([p.detach().reshape(-1).tolist() for p in params])
    return rows


def params(shapes):
    return [{'shape': s, 'start': start(s, k + 1)} for k, s in enumerate(shapes)]


CASES = [
    {
        'name': 'soap rank-3 tensor lr=0.05 weightDecay=0 preconditionFrequency=2',
        'params': params([[4, 3], [2, 3, 2], [3]]),
        'options': {'lr': 0.05, 'weight_decay': 0.0, 'precondition_frequency': 2},
        'steps': 6,
    },
    {
        'name': 'soap mergeDims maxPreconditionDim=4 shampooBeta=0.8 normalizeGrads correctBias=false',
        'params': params([[4, 3], [2, 2, 3], [5, 2], [3]]),
        'options': {
            'lr': 0.05,
            'betas': (0.9, 0.99),
            'shampoo_beta': 0.8,
            'eps': 1e-6,
            'weight_decay': 0.0,
            'precondition_frequency': 3,
            'max_precond_dim': 4,
            'merge_dims': True,
            'normalize_grads': True,
            'correct_bias': False,
        },
        'steps': 7,
    },
    {
        'name': 'soap rank-3 tensor lr=0.05 weightDecay=0.01 preconditionFrequency=2',
        'params': params([[4, 3], [2, 3, 2], [3]]),
        'options': {'lr': 0.05, 'weight_decay': 0.01, 'precondition_frequency': 2},
        'steps': 6,
    },
]

out = {'source': 'nikhilvyas/SOAP a1e553530fde97d0e6b307d7c82ac6d38b072340 soap.py', 'cases': []}
for case in CASES:
    rows = run(case)
    opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in case['options'].items()}
    out['cases'].append({**case, 'options': opts, 'rows': rows})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'soap-tensors.json'), 'w') as f:
    json.dump(out, f, indent=1)
print('wrote soap-tensors.json')
