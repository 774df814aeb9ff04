"""Reference trajectories from the authors' own implementations, for optimizers/authors-values.test.ts.

Each method's first steps on a small case (float64): a tall matrix W1 [3, 2], a wide matrix W2 [2, 3]
and a vector b [2], 5 steps with the gradients of a quadratic at the current point plus a fixed perturbation
(grad() in common.py, written out again in the test; helpers shared with generate_catalogue.py), the parameters after every step and selected state
after the last. Run with Debian's PyTorch (apt-get install python3-torch):

    REFS=/path/to/refs /usr/bin/python3 generate.py > values.json

where REFS holds clones of the authors' repositories at these commits (the fixture records them):
"""
import os
import sys

import torch

from common import REFS, run, write  # (float64, stdout to stderr, shared patches)

REPOS = {
    "Muon": ("KellerJordan/Muon", "muon.py"),
    "schedule_free": ("facebookresearch/schedule_free", "schedulefree/adamw_schedulefree.py, schedulefree/sgd_schedulefree.py"),
    "prodigy": ("konstmish/prodigy", "prodigyopt/prodigy.py"),
    "adopt": ("iShohei220/adopt", "src/adopt/adopt.py"),
    "ml-ademamix": ("apple/ml-ademamix", "pytorch/ademamix.py"),
    "C-Optim": ("kyleliang919/C-Optim", "c_adamw.py"),
    "dadaptation": ("facebookresearch/dadaptation", "dadaptation/dadapt_adam.py"),
    "dog": ("formll/dog", "src/dog/dog.py"),
}
sys.path[:0] = [os.path.join(REFS, "Muon"), os.path.join(REFS, "schedule_free"), os.path.join(REFS, "prodigy"),
                os.path.join(REFS, "adopt", "src"), os.path.join(REFS, "ml-ademamix", "pytorch"),
                os.path.join(REFS, "dadaptation"), os.path.join(REFS, "dog", "src")]

# ADOPT's file imports private helpers of torch.optim.optimizer from PyTorch 2.5; Debian's torch
# 1.13 lacks them. Minimal stand-ins for the single-tensor CPU path (foreach and fused off), so the
# authors' update code runs unchanged:
import typing  # noqa: E402
import torch.optim.optimizer as _oo  # noqa: E402

for _name, _value in {
    "_capturable_doc": "", "_differentiable_doc": "", "_foreach_doc": "", "_fused_doc": "", "_maximize_doc": "",
    "_default_to_fused_or_foreach": lambda *a, **k: (False, False),
    "_device_dtype_check_for_fused": lambda *a, **k: None,
    "_disable_dynamo_if_unsupported": lambda *a, **k: (lambda f: f),
    "_get_capturable_supported_devices": lambda *a, **k: ["cuda"],
    "_get_scalar_dtype": lambda *a, **k: torch.get_default_dtype(),
    "_get_value": lambda x: x.item() if torch.is_tensor(x) else x,
    "_stack_if_compiling": lambda x: x,
    "_view_as_real": lambda *a, **k: None,
    "DeviceDict": dict,
    "ParamsT": typing.Any,
}.items():
    if not hasattr(_oo, _name):
        setattr(_oo, _name, _value)
for _name, _value in {"_to_scalar": lambda x: x.item() if torch.is_tensor(x) else x, "DeviceDtypeDict": dict}.items():
    if not hasattr(_oo, _name):
        setattr(_oo, _name, _value)
# C-Optim's c_adamw.py imports torch.distributed.tensor (DTensor, PyTorch 2.4+) for its sharded
# path; a stand-in module whose DTensor no tensor is, so the plain path runs.
import types  # noqa: E402
import importlib.util  # noqa: E402

if "torch.distributed.tensor" not in sys.modules:
    _dt = types.ModuleType("torch.distributed.tensor")
    _dt.DTensor = type("DTensor", (), {})
    _dt.DeviceMesh = type("DeviceMesh", (), {})
    _dt.distribute_tensor = lambda *a, **k: None
    sys.modules["torch.distributed.tensor"] = _dt
    torch.distributed.tensor = _dt
if not hasattr(torch._utils, "is_compiling"):
    torch._utils.is_compiling = lambda: False

import muon as muon_ref  # noqa: E402
from schedulefree.adamw_schedulefree import AdamWScheduleFree  # noqa: E402
from schedulefree.sgd_schedulefree import SGDScheduleFree  # noqa: E402
from prodigyopt.prodigy import Prodigy  # noqa: E402
from adopt.adopt import ADOPT  # noqa: E402
from ademamix import AdEMAMix  # noqa: E402

# c_adamw.py imports its sibling opt_utils relatively: load the repository as a package.
_spec = importlib.util.spec_from_file_location("coptim", os.path.join(REFS, "C-Optim", "__init__.py"),
                                               submodule_search_locations=[os.path.join(REFS, "C-Optim")])
if not os.path.exists(os.path.join(REFS, "C-Optim", "__init__.py")):
    _spec = importlib.util.spec_from_loader("coptim", loader=None, is_package=True)
    _pkg = importlib.util.module_from_spec(_spec)
    _pkg.__path__ = [os.path.join(REFS, "C-Optim")]
    sys.modules["coptim"] = _pkg
from coptim.c_adamw import AdamW as CAdamW  # noqa: E402
from dadaptation.dadapt_adam import DAdaptAdam  # noqa: E402
from dog.dog import DoG  # noqa: E402


def group_scalars(keys):
    return lambda opt, params: {"group": {k: float(opt.param_groups[0][k]) for k in keys}}


def sf_eval(opt, params):
    opt.eval()
    return {"eval": {k: p.detach().flatten().tolist() for k, p in params.items()}}


CASES = {
    "muon weightDecay=0.1 adamLr=0.01": run(
        lambda p: muon_ref.SingleDeviceMuonWithAuxAdam([
            dict(params=[p["W1"], p["W2"]], lr=0.05, momentum=0.95, weight_decay=0.1, use_muon=True),
            dict(params=[p["b"]], lr=0.01, betas=(0.9, 0.95), eps=1e-10, weight_decay=0.1, use_muon=False),
        ]),
        ["momentum_buffer", "exp_avg", "exp_avg_sq"],
    ),
    "schedulefree-adamw weightDecay=0.1 warmupSteps=2": run(
        lambda p: AdamWScheduleFree(list(p.values()), lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, warmup_steps=2, foreach=False),
        ["z", "exp_avg_sq"],
        before=lambda opt: opt.train(),
        after=sf_eval,
    ),
    "schedulefree-sgd momentum=0.8 weightDecay=0.01 warmupSteps=2": run(
        lambda p: SGDScheduleFree(list(p.values()), lr=0.1, momentum=0.8, weight_decay=0.01, warmup_steps=2, foreach=False),
        ["z"],
        before=lambda opt: opt.train(),
        after=sf_eval,
    ),
    "prodigy weightDecay=0.1": run(
        lambda p: Prodigy(list(p.values()), lr=1.0, weight_decay=0.1),
        ["exp_avg", "exp_avg_sq", "s"],
        after=group_scalars(["d", "d_max", "d_numerator"]),
    ),
    "prodigy coupled biasCorrection growthRate=2 d0=1e-7": run(
        lambda p: Prodigy(list(p.values()), lr=0.5, weight_decay=0.05, decouple=False, use_bias_correction=True,
                          safeguard_warmup=False, d0=1e-7, growth_rate=2.0),
        ["exp_avg", "exp_avg_sq", "s"],
        after=group_scalars(["d", "d_max", "d_numerator"]),
    ),
    "adopt weightDecay=0.1": run(
        lambda p: ADOPT(list(p.values()), lr=0.05, weight_decay=0.1, foreach=False),
        ["exp_avg", "exp_avg_sq"],
    ),
    "adopt decoupled weightDecay=0.1 b2=0.99": run(
        lambda p: ADOPT(list(p.values()), lr=0.05, betas=(0.9, 0.99), weight_decay=0.1, decouple=True, foreach=False),
        ["exp_avg", "exp_avg_sq"],
    ),
    "cautious-adamw eps=0 weightDecay=0.1": run(
        lambda p: CAdamW(list(p.values()), lr=0.05, betas=(0.9, 0.999), eps=0.0, weight_decay=0.1, foreach=False),
        ["exp_avg", "exp_avg_sq"],
    ),
    "dadapt-adam weightDecay=0.1": run(
        lambda p: DAdaptAdam(list(p.values()), lr=1.0, weight_decay=0.1),
        ["exp_avg", "exp_avg_sq", "s"],
        after=group_scalars(["d", "numerator_weighted"]),
    ),
    "dadapt-adam decoupled biasCorrection growthRate=2 d0=1e-4": run(
        lambda p: DAdaptAdam(list(p.values()), lr=0.5, weight_decay=0.05, decouple=True, use_bias_correction=True, d0=1e-4,
                             growth_rate=2.0),
        ["exp_avg", "exp_avg_sq", "s"],
        after=group_scalars(["d", "numerator_weighted"]),
    ),
    "dog weightDecay=0.01 repsRel=1e-2": run(
        lambda p: DoG(list(p.values()), reps_rel=1e-2, weight_decay=0.01),
        [],
        after=group_scalars(["rbar", "G"]),
    ),
    "dog initEta=0.05": run(
        lambda p: DoG(list(p.values()), init_eta=0.05),
        [],
        after=group_scalars(["rbar", "G"]),
    ),
    "ademamix alpha=5 warmups=3 weightDecay=0.1": run(
        lambda p: AdEMAMix(list(p.values()), lr=0.05, betas=(0.9, 0.999, 0.9999), alpha=5.0, beta3_warmup=3, alpha_warmup=3,
                           weight_decay=0.1),
        ["exp_avg_fast", "exp_avg_slow", "exp_avg_sq"],
    ),
}


write(REPOS, CASES)
