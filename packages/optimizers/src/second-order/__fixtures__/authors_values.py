"""Reference values for the second-order methods, from the authors' own code and PyTorch.

Writes authors-values.json beside this file. Run once with Debian's PyTorch (python3-torch 1.13,
/usr/bin/python3), giving the authors' files, which this script imports unchanged:

    git -C Sophia show a7e157229b71d58cf995d32854f1be15c265b350:sophia.py > /tmp/authors/sophia.py
    git -C adahessian show 85ebc00ce873c8497a64ca80bbfa5d996109efea:image_classification/optim_adahessian.py \
        > /tmp/authors/optim_adahessian.py
    git -C sam show 3c3afdbd71cff2462ec91c734b3d1170bd0f3707:sam.py > /tmp/authors/sam.py
    /usr/bin/python3 authors_values.py /tmp/authors

(Liuhong99/Sophia, amirgholami/adahessian and davda54/sam on GitHub, at those commits.) L-BFGS and
ReduceLROnPlateau come from torch itself (torch.optim.LBFGS with line_search_fn='strong_wolfe',
torch.optim.lr_scheduler.ReduceLROnPlateau). Everything is float64.

The problem of Sophia, AdaHessian and SAM: parameters w (2x3) and v (2), the loss
f = sum(0.5 * c * x**2 + 0.25 * x**4) over every entry x, c = 1, 2, 3, ... in order (w row-major, then v),
so the gradient is c*x + x**3 and the Hessian diagonal c + 3*x**2 (the Hessian estimate given).
"""
import json
import math
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
sys.path.insert(0, sys.argv[1])

W0 = [[0.8, -1.2, 0.3], [1.5, -0.4, 0.05]]
V0 = [-0.9, 0.6]


def fresh():
    w = torch.tensor(W0, requires_grad=True)
    v = torch.tensor(V0, requires_grad=True)
    return w, v


def curv(n, offset):
    return torch.arange(offset + 1, offset + n + 1, dtype=torch.float64)


def loss(w, v):
    cw = curv(6, 0).reshape(2, 3)
    cv = curv(2, 6)
    return (0.5 * cw * w**2 + 0.25 * w**4).sum() + (0.5 * cv * v**2 + 0.25 * v**4).sum()


def hess_diag(w, v):
    with torch.no_grad():
        return curv(6, 0).reshape(2, 3) + 3 * w**2, curv(2, 6) + 3 * v**2


def set_grads(w, v):
    w.grad = None
    v.grad = None
    loss(w, v).backward()


def snap(w, v):
    return {'w': w.detach().flatten().tolist(), 'v': v.detach().tolist()}


out = {}

# Sophia: SophiaG with rho = 0.04 and bs = 25 (so rho*bs = 1, our gamma), weight decay 0.1, lr 0.05.
# The Hessian EMA is refreshed before steps 0, 2, 4 (our updateEvery: 2) through update_hessian, which
# adds p.grad**2: p.grad is set to the square root of the Hessian diagonal for that call.
from sophia import SophiaG  # noqa: E402

w, v = fresh()
opt = SophiaG([w, v], lr=0.05, betas=(0.965, 0.99), rho=0.04, weight_decay=0.1)
steps = []
for t in range(6):
    if t % 2 == 0:
        hw, hv = hess_diag(w, v)
        w.grad, v.grad = hw.sqrt(), hv.sqrt()
        opt.update_hessian()
    set_grads(w, v)
    opt.step(bs=25)
    steps.append(snap(w, v))
out['sophia'] = {
    'source': 'Liuhong99/Sophia a7e157229b71d58cf995d32854f1be15c265b350 sophia.py (SophiaG)',
    'steps': steps,
    'mu': {'w': opt.state[w]['exp_avg'].flatten().tolist(), 'v': opt.state[v]['exp_avg'].tolist()},
    'h': {'w': opt.state[w]['hessian'].flatten().tolist(), 'v': opt.state[v]['hessian'].tolist()},
}

# AdaHessian: the authors' Adahessian with get_trace replaced by the exact Hessian diagonal (their
# Hutchinson probe |Hz| is random; squared, it enters as D**2 just as this does). Hessian power 0.5,
# weight decay 0.01, lr 0.1, five steps.
from optim_adahessian import Adahessian  # noqa: E402

w, v = fresh()
opt = Adahessian([w, v], lr=0.1, weight_decay=0.01, hessian_power=0.5)
opt.get_trace = lambda params, grads: list(hess_diag(w, v))
steps = []
for t in range(5):
    set_grads(w, v)
    opt.step()
    steps.append(snap(w, v))
out['adahessian'] = {
    'source': 'amirgholami/adahessian 85ebc00ce873c8497a64ca80bbfa5d996109efea image_classification/optim_adahessian.py (Adahessian)',
    'steps': steps,
}

# SAM: the authors' SAM around torch.optim.SGD(lr=0.1, momentum=0.9), rho 0.05; plain and adaptive;
# four steps of first_step / gradient at the perturbed point / second_step.
from sam import SAM  # noqa: E402

for adaptive in (False, True):
    w, v = fresh()
    opt = SAM([w, v], torch.optim.SGD, rho=0.05, adaptive=adaptive, lr=0.1, momentum=0.9)
    steps = []
    for t in range(4):
        set_grads(w, v)
        opt.first_step(zero_grad=True)
        set_grads(w, v)
        opt.second_step(zero_grad=True)
        steps.append(snap(w, v))
    out['sam adaptive' if adaptive else 'sam'] = {
        'source': 'davda54/sam 3c3afdbd71cff2462ec91c734b3d1170bd0f3707 sam.py (SAM with torch.optim.SGD momentum 0.9)',
        'steps': steps,
    }

# L-BFGS: torch.optim.LBFGS(lr=1, max_iter=1, history_size=3, line_search_fn='strong_wolfe') on the
# extended Rosenbrock function of x = (a, b), a and b two vectors of 2, from (-1.2, 1, -1.2, 1); one
# iteration per step(), ten steps.
a = torch.tensor([-1.2, 1.0], requires_grad=True)
b = torch.tensor([-1.2, 1.0], requires_grad=True)


def rosen(a, b):
    x = torch.cat([a, b])
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


opt = torch.optim.LBFGS([a, b], lr=1, max_iter=1, history_size=3, line_search_fn='strong_wolfe')


def closure():
    opt.zero_grad()
    f = rosen(a, b)
    f.backward()
    return f


steps = []
evals = []
for t in range(10):
    before = opt.state[opt._params[0]].get('func_evals', 0)
    opt.step(closure)
    evals.append(opt.state[opt._params[0]]['func_evals'] - before)
    steps.append({'a': a.detach().tolist(), 'b': b.detach().tolist()})
out['lbfgs'] = {
    'source': 'torch 1.13 torch/optim/lbfgs.py (LBFGS, strong_wolfe, max_iter=1, history_size=3)',
    'steps': steps,
    'evaluations': evals,
}

# ReduceLROnPlateau on a fixed metric sequence: the learning rate after each report, from lr 1.
metrics = [5, 4, 4.2, 3.9, 3.95, 3.9, 3.91, 3.5, 3.5, 3.5, 3.5, 3.49, 3.6, 3.7, 3.8, 3.0, 3.0, 3.0, 3.0, 3.0]
for name, kwargs in [
    ('min rel', dict(mode='min', factor=0.5, patience=2, threshold=0.02, threshold_mode='rel', cooldown=1, min_lr=0.1)),
    ('max abs', dict(mode='max', factor=0.3, patience=1, threshold=0.05, threshold_mode='abs', cooldown=0, min_lr=0.0)),
]:
    p = torch.zeros(1, requires_grad=True)
    sgd = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(sgd, **kwargs)
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(sgd.param_groups[0]['lr'])
    out['plateau ' + name] = {'source': 'torch 1.13 torch/optim/lr_scheduler.py (ReduceLROnPlateau)', 'options': kwargs, 'metrics': metrics, 'lr': lrs}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'authors-values.json'), 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', ', '.join(out))
