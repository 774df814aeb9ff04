"""Reference trajectories for the catalogue's later methods (MARS, NorMuon, Mechanic), for
optimizers/authors-values.test.ts, on the same case as generate.py (W1 [3, 2], W2 [2, 3], b [2],
float64, 5 steps, the gradient of grad() in common.py, which the test writes out again). Run with Debian's
PyTorch (apt-get install python3-torch):

    REFS=/path/to/refs /usr/bin/python3 generate_catalogue.py > catalogue-values.json

where REFS holds clones of the authors' repositories (the fixture records each commit):
AGI-Arena/MARS, zichongli5/NorMuon, optimizedlearning/mechanic.
"""
import os
import sys

import torch

from common import REFS, run, write  # (float64, stdout to stderr, shared patches)

REPOS = {
    "MARS": ("AGI-Arena/MARS", "MARS/optimizers/mars.py"),
    "NorMuon": ("zichongli5/NorMuon", "normuon.py"),
    "mechanic": ("optimizedlearning/mechanic", "src/mechanic_pytorch/mechanic.py"),
}
sys.path[:0] = [os.path.join(REFS, "MARS", "MARS", "optimizers"), os.path.join(REFS, "NorMuon"),
                os.path.join(REFS, "mechanic", "src")]

from mars import MARS  # noqa: E402
from normuon import SingleDeviceNorMuonWithAuxAdam  # noqa: E402
from mechanic_pytorch import mechanize  # noqa: E402


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


write(REPOS, CASES)
