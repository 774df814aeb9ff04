"""SOAP's first steps from the authors' reference implementation.

nikhilvyas/SOAP a1e5535 (`soap.py`, class SOAP), imported from a checkout of that repository (not
copied here). Writes soap-values.json beside this file:
    git clone https://github.com/nikhilvyas/SOAP /tmp/soapref   # or any checkout of a1e5535
    /usr/bin/python3 soap_values.py /tmp/soapref
(Debian's python3-torch, PyTorch 1.13.) The parameters are float64, but the reference computes its
eigenbases (eigh, QR) in float32 (`m.data.float()`), so the test allows float32-sized differences.

The problem: w (3x3), v (3); at step t, f_t = sum(0.5 c x^2 + 0.25 x^4 + d_t x), c = 1, 2, ... over w
row-major then v, d_t[i] = 0.5 sin(1.3 t + 0.7 i): a gradient that changes from step to step as a
stochastic one does. (With the same gradient at the first two steps, which a deterministic f gives
since SOAP's first step does not move, the projected gradient is exactly diagonal in the new basis
and the update depends on the rounding noise of its off-diagonal entries.)
"""
import json
import os
import sys

import torch

sys.path.insert(0, sys.argv[1])
from soap import SOAP  # noqa: E402

torch.set_default_dtype(torch.float64)
W0 = [[0.8, -1.2, 0.3], [1.5, -0.4, 0.05], [0.7, 0.9, -1.1]]
V0 = [-0.9, 0.6, 0.2]
CW = torch.arange(1, 10, dtype=torch.float64).reshape(3, 3)
CV = torch.arange(10, 13, dtype=torch.float64)
CASES = {
    # precondition_frequency 2 refreshes the bases (power step + QR, second moment reordered) at Adam steps 2, 4, 6
    'soap lr=0.05 weightDecay=0.01 preconditionFrequency=2': dict(lr=0.05, weight_decay=0.01, precondition_frequency=2),
    'soap lr=0.02 b1=0.9 b2=0.99 shampooBeta=0.8 weightDecay=0': dict(
        lr=0.02, betas=(0.9, 0.99), shampoo_beta=0.8, weight_decay=0.0, precondition_frequency=3
    ),
}
STEPS = 7

out = {'source': 'nikhilvyas/SOAP a1e5535 soap.py (class SOAP), PyTorch 1.13, float64 parameters', 'steps': STEPS, 'cases': {}}
for name, kw in CASES.items():
    w = torch.tensor(W0, requires_grad=True)
    v = torch.tensor(V0, requires_grad=True)
    opt = SOAP([w, v], **kw)
    rows = []
    for _ in range(STEPS):
        opt.zero_grad()
        t = len(rows)
        d = 0.5 * torch.sin(1.3 * t + 0.7 * torch.arange(12, dtype=torch.float64))
        f = (0.5 * CW * w**2 + 0.25 * w**4 + d[:9].reshape(3, 3) * w).sum() + (0.5 * CV * v**2 + 0.25 * v**4 + d[9:] * v).sum()
        f.backward()
        opt.step()
        rows.append({'w': w.detach().flatten().tolist(), 'v': v.detach().tolist()})
    out['cases'][name] = {'options': kw, 'steps': rows}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'soap-values.json'), 'w') as fh:
    json.dump(out, fh, indent=1)
    fh.write('\n')
