"""Reference trajectories of schedule-free AdamW and SGD away from their defaults, for
optimizers/authors-values.test.ts, on the same case as generate.py (W1 [3, 2], W2 [2, 3], b [2],
float64, 5 steps, the gradient of grad() in common.py, which the test writes out again): the
averaging weights `(k+1)^r * lr_max^weight_lr_power` with r and weight_lr_power not at their
defaults, a warmup longer than the run (so lr_max grows at every step), b1, b2 and eps changed.
Each case runs both the authors' `AdamWScheduleFree` / `SGDScheduleFree` and their simplified
`*Reference` classes (which keep x, y and z explicitly); the fixture holds the first, and this
script fails if the two disagree. Run with Debian's PyTorch (apt-get install python3-torch):

    REFS=/path/to/refs /usr/bin/python3 generate_schedule_free.py > schedule-free-values.json

where REFS holds a clone of facebookresearch/schedule_free (the fixture records its commit).
"""
import os
import sys

import torch

from common import REFS, run, write  # (float64, stdout to stderr, shared patches)

REPOS = {
    "schedule_free": ("facebookresearch/schedule_free",
                      "schedulefree/adamw_schedulefree.py, schedulefree/adamw_schedulefree_reference.py, "
                      "schedulefree/sgd_schedulefree.py, schedulefree/sgd_schedulefree_reference.py"),
}
sys.path[:0] = [os.path.join(REFS, "schedule_free")]

from schedulefree.adamw_schedulefree import AdamWScheduleFree  # noqa: E402
from schedulefree.adamw_schedulefree_reference import AdamWScheduleFreeReference  # noqa: E402
from schedulefree.sgd_schedulefree import SGDScheduleFree  # noqa: E402
from schedulefree.sgd_schedulefree_reference import SGDScheduleFreeReference  # noqa: E402


def sf_eval(opt, params):
    opt.eval()
    return {"eval": {k: p.detach().flatten().tolist() for k, p in params.items()}}


def both(fast, reference, state_keys):
    """The case run with the fast class and the reference class; they must agree (to rounding)."""
    a = run(fast, state_keys, before=lambda opt: opt.train(), after=sf_eval)
    b = run(reference, [], before=lambda opt: opt.train(), after=sf_eval)
    for t, (sa, sb) in enumerate(zip(a["trajectory"], b["trajectory"])):
        for k in sa:
            d = max(abs(u - v) for u, v in zip(sa[k], sb[k]))
            assert d < 1e-12, f"step {t} {k}: fast and reference classes differ by {d}"
    for k in a["eval"]:
        d = max(abs(u - v) for u, v in zip(a["eval"][k], b["eval"][k]))
        assert d < 1e-12, f"eval {k}: fast and reference classes differ by {d}"
    return a


ADAMW = dict(lr=0.05, betas=(0.8, 0.9955), eps=1e-3, weight_decay=0.08, warmup_steps=8, r=0.75, weight_lr_power=1.0)
SGD = dict(lr=0.1, momentum=0.85, weight_decay=0.02, warmup_steps=8, r=2.0, weight_lr_power=3.0)

CASES = {
    "schedulefree-adamw b1=0.8 b2=0.9955 eps=1e-3 weightDecay=0.08 warmupSteps=8 r=0.75 weightLrPower=1": both(
        lambda p: AdamWScheduleFree(list(p.values()), foreach=False, **ADAMW),
        lambda p: AdamWScheduleFreeReference(list(p.values()), **ADAMW),
        ["z", "exp_avg_sq"],
    ),
    "schedulefree-sgd momentum=0.85 weightDecay=0.02 warmupSteps=8 r=2 weightLrPower=3": both(
        lambda p: SGDScheduleFree(list(p.values()), foreach=False, **SGD),
        lambda p: SGDScheduleFreeReference(list(p.values()), **SGD),
        ["z"],
    ),
}

write(REPOS, CASES)
