"""Generates qhoptim-values.json: the parameters after each step of the authors' QHAdam.

Source: facebookresearch/qhoptim at commit e81dea3f2765780cf4fbb90b87b22ba7604b8625,
qhoptim/pyt/qhadam.py (class QHAdam), run in float64 under PyTorch 1.13.

Usage (from this folder, with a checkout of qhoptim):
    git clone https://github.com/facebookresearch/qhoptim /tmp/qhoptim
    git -C /tmp/qhoptim checkout e81dea3f2765780cf4fbb90b87b22ba7604b8625
    PYTHONPATH=/tmp/qhoptim python3 qhoptim_values.py > qhoptim-values.json
"""
import json
import warnings

import torch
from qhoptim.pyt import QHAdam

warnings.filterwarnings("ignore")  # qhoptim calls the old add_(scalar, tensor) signature

# Fixed gradients per step (no randomness): a vector and a 2x2 matrix.
GRADS = [
    {"w": [0.5, -1.0, 2.0], "k": [[0.1, -0.2], [0.3, 0.4]]},
    {"w": [0.4, -0.5, 2.5], "k": [[-0.1, 0.2], [0.5, -0.4]]},
    {"w": [-0.3, 0.2, 1.0], "k": [[0.0, 0.7], [-0.3, 0.2]]},
    {"w": [1.0, 1.0, 1.0], "k": [[1.0, -1.0], [0.25, 0.5]]},
    {"w": [-2.0, 0.1, -0.7], "k": [[0.3, 0.3], [-0.6, 0.05]]},
]
START = {"w": [1.0, 2.0, -3.0], "k": [[0.5, -0.5], [1.5, 0.0]]}

CASES = [
    # the authors' recommended starting point (README): nus (0.7, 1.0), betas (0.995, 0.999)
    {"name": "recommended", "lr": 1e-3, "betas": [0.995, 0.999], "nus": [0.7, 1.0], "eps": 1e-8},
    # both immediate discounts below 1, a short momentum and a large rate
    {"name": "both-nus", "lr": 0.05, "betas": [0.9, 0.99], "nus": [0.6, 0.5], "eps": 1e-6},
    # nus (1, 1): plain Adam
    {"name": "adam", "lr": 0.01, "betas": [0.9, 0.999], "nus": [1.0, 1.0], "eps": 1e-8},
]

out = {"source": "facebookresearch/qhoptim e81dea3f2765780cf4fbb90b87b22ba7604b8625 qhoptim/pyt/qhadam.py",
       "torch": torch.__version__, "start": START, "grads": GRADS, "cases": []}
for case in CASES:
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in START.items()}
    opt = QHAdam(list(params.values()), lr=case["lr"], betas=tuple(case["betas"]), nus=tuple(case["nus"]), eps=case["eps"])
    steps = []
    for g in GRADS:
        for k, p in params.items():
            p.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
        steps.append({k: p.detach().tolist() for k, p in params.items()})
    out["cases"].append({**case, "steps": steps})
print(json.dumps(out, indent=1))
