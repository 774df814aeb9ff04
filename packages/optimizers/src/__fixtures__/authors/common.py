"""Helpers shared by generate.py and generate_catalogue.py: the case both run (W1 [3, 2], W2 [2, 3],
b [2], float64, 5 steps), its gradient, the loop that records a trajectory, the patches that let the
authors' files run unchanged on Debian's PyTorch 1.13, and the fixture's output.

Importing this module sets float64 as torch's default dtype and sends stdout to stderr (the
reference code prints notes, such as Prodigy's "Using decoupled weight decay"); `write` prints the
fixture to the real stdout.
"""
import json
import math
import os
import subprocess
import sys

import torch

OUT, sys.stdout = sys.stdout, sys.stderr

REFS = os.environ.get("REFS", os.path.join(os.path.dirname(__file__), "refs"))

torch.set_default_dtype(torch.float64)
# Newton-Schulz casts to bfloat16 in the authors' code (Muon, NorMuon, MARS); for float64 reference
# values it runs in float64 here: a patch, not an edit of their files.
torch.Tensor.bfloat16 = lambda self: self
# Some files decorate functions with torch.compile (PyTorch 2), used bare or with arguments; torch
# 1.13 has none.
if not hasattr(torch, "compile"):
    torch.compile = lambda f=None, *a, **k: f if callable(f) else (lambda g: g)

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


def run(make, state_keys, before=None, after=None):
    """STEPS steps of the optimizer `make(params)` from P0: the parameters after each, the state `state_keys` after the last."""
    params = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in P0.items()}
    opt = make(params)
    if before:
        before(opt)
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


def commit(d):
    """The commit of the clone REFS/d, or "unknown"."""
    try:
        return subprocess.check_output(["git", "-C", os.path.join(REFS, d), "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def write(repos, cases):
    """Prints the fixture: the source, each repository's files and commit, the case and the trajectories."""
    out = {
        "source": f"the authors' reference implementations, run with torch {torch.__version__} in float64",
        "repositories": {d: {"repo": r, "files": f, "commit": commit(d)} for d, (r, f) in repos.items()},
        "p0": P0,
        "steps": STEPS,
        "cases": cases,
    }
    print(json.dumps(out, indent=1), file=OUT)
