"""Reference trajectories for the catalogue's later methods (MARS, NorMuon, Mechanic), for
optimizers/authors-values.test.ts, on the same case as generate.py (W1 [3, 2], W2 [2, 3], b [2],
float64, 5 steps, the gradient of grad() below, which the test writes out again). Run with Debian's
PyTorch (apt-get install python3-torch):

    REFS=/path/to/refs /usr/bin/python3 generate_catalogue.py > catalogue-values.json

where REFS holds clones of the authors' repositories (the fixture records each commit):
AGI-Arena/MARS, zichongli5/NorMuon, optimizedlearning/mechanic.
"""
import json
import math
import os
import subprocess
import sys

import torch

OUT, sys.stdout = sys.stdout, sys.stderr

REFS = os.environ.get("REFS", os.path.join(os.path.dirname(__file__), "refs"))
REPOS = {
    "MARS": ("AGI-Arena/MARS", "MARS/optimizers/mars.py"),
    "NorMuon": ("zichongli5/NorMuon", "normuon.py"),
    "mechanic": ("optimizedlearning/mechanic", "src/mechanic_pytorch/mechanic.py"),
}
sys.path[:0] = [os.path.join(REFS, "MARS", "MARS", "optimizers"), os.path.join(REFS, "NorMuon"),
                os.path.join(REFS, "mechanic", "src")]

torch.set_default_dtype(torch.float64)
# Newton-Schulz casts to bfloat16 in the authors' code; for float64 reference values it runs in
# float64 here (a patch, not an edit of their files).
torch.Tensor.bfloat16 = lambda self: self
# mars.py decorates its Newton-Schulz with torch.compile (PyTorch 2); torch 1.13 has none.
if not hasattr(torch, "compile"):
    torch.compile = lambda f=None, *a, **k: f if callable(f) else (lambda g: g)

from mars import MARS  # noqa: E402
from normuon import SingleDeviceNorMuonWithAuxAdam  # noqa: E402
from mechanic_pytorch import mechanize  # noqa: E402

P0 = {
    "W1": [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]],
    "W2": [[0.3, -0.2, 0.7], [-0.4, 0.9, 0.05]],
    "b": [0.1, -0.2],
}
STEPS = 5


def grad(name, p, t):
    """The gradient of a quadratic with curvatures 1, 1.5, 2 (cycling) at p, plus a deterministic perturbation."""
    seed = {"W1": 1.0, "W2": 2.0, "b": 3.0}[name]
    flat = p.detach().flatten()
    g = [(1 + 0.5 * (i % 3)) * flat[i].item() + 0.05 * math.cos(seed + 0.7 * i + 1.3 * t) for i in range(flat.numel())]
    return torch.tensor(g).reshape(p.shape)


def run(make, state_keys, after=None):
    params = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in P0.items()}
    opt = make(params)
    traj = []
    for t in range(STEPS):
        for k, p in params.items():
            p.grad = grad(k, p, t)
        opt.step()
        traj.append({k: p.detach().flatten().tolist() for k, p in params.items()})
    state = {}
    for k, p in params.items():
        st = opt.state[p]
        state[k] = {s: st[s].flatten().tolist() for s in state_keys if s in st and torch.is_tensor(st[s])}
    extra = after(opt, params) if after else {}
    return {"trajectory": traj, "state": state, **extra}


def mechanic_scalars(opt, params):
    m = opt.state["_mechanic"]
    return {"vectors": {k: m[k].flatten().tolist() for k in ["s", "max_product", "sum_squared_products", "reward"]}}


CASES = {
    "mars weightDecay=0.1 adamLr=0.01 adamWeightDecay=0.05": run(
        lambda p: MARS(list(p.values()), lr=0.05, betas=(0.95, 0.99), eps=1e-8, weight_decay=0.1, gamma=0.025,
                       mars_type="mars-adamw", optimize_1d=False, lr_1d=0.01, betas_1d=(0.9, 0.95), weight_decay_1d=0.05),
        ["exp_avg", "exp_avg_sq", "last_grad"],
    ),
    "mars lion gamma=0.05 all parameters": run(
        lambda p: MARS(list(p.values()), lr=0.01, betas=(0.9, 0.99), weight_decay=0.1, gamma=0.05,
                       mars_type="mars-lion", optimize_1d=True),
        ["exp_avg", "last_grad"],
    ),
    "normuon weightDecay=0.1 adamLr=0.01": run(
        lambda p: SingleDeviceNorMuonWithAuxAdam([
            dict(params=[p["W1"], p["W2"]], lr=0.05, momentum=0.95, beta2=0.9, weight_decay=0.1, use_muon=True),
            dict(params=[p["b"]], lr=0.01, betas=(0.9, 0.95), eps=1e-10, weight_decay=0.1, use_muon=False),
        ]),
        ["momentum_buffer", "second_momentum_buffer", "exp_avg", "exp_avg_sq"],
    ),
    "mechanize(sgd) sInit=1e-2": run(
        lambda p: mechanize(torch.optim.SGD, s_init=1e-2)(list(p.values()), lr=0.1),
        [],
        after=mechanic_scalars,
    ),
    "mechanize(adam) sDecay=0.1": run(
        lambda p: mechanize(torch.optim.Adam, s_decay=0.1, s_init=1e-3, betas=(0.9, 0.99, 0.999))(list(p.values()), lr=0.01),
        ["exp_avg", "exp_avg_sq"],
        after=mechanic_scalars,
    ),
}


def commit(d):
    try:
        return subprocess.check_output(["git", "-C", os.path.join(REFS, d), "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


out = {
    "source": f"the authors' reference implementations, run with torch {torch.__version__} in float64",
    "repositories": {d: {"repo": r, "files": f, "commit": commit(d)} for d, (r, f) in REPOS.items()},
    "p0": P0,
    "steps": STEPS,
    "cases": CASES,
}
print(json.dumps(out, indent=1), file=OUT)
