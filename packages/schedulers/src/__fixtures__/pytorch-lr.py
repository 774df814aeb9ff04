"""The learning rates PyTorch's schedulers (torch.optim.lr_scheduler) give step by step, for
schedulers/pytorch-lr.test.ts: lr[t] is the rate of the t-th optimizer step (t = 0 before the
first scheduler.step()). Run with Debian's PyTorch (apt-get install python3-torch):
  /usr/bin/python3 pytorch-lr.py > pytorch-lr.json
"""
import json
import torch
from torch.optim import SGD, lr_scheduler as S


def rates(make, steps, lr=0.1):
    opt = SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


CASES = {
    "OneCycleLR cos": (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=20, pct_start=0.3, anneal_strategy="cos", div_factor=25, final_div_factor=1e4, cycle_momentum=False), 20),
    "OneCycleLR linear": (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=17, pct_start=0.25, anneal_strategy="linear", div_factor=10, final_div_factor=100, cycle_momentum=False), 17),
    "OneCycleLR three phase": (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=30, pct_start=0.3, three_phase=True, cycle_momentum=False), 30),
    "CosineAnnealingWarmRestarts T_0 5 T_mult 2": (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001), 40),
    "CosineAnnealingWarmRestarts T_0 4": (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.0), 13),
    "StepLR step 3 gamma 0.5": (lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12),
    "MultiStepLR 3, 7 gamma 0.1": (lambda o: S.MultiStepLR(o, milestones=[3, 7], gamma=0.1), 10),
    "LinearLR 0.25 to 1 in 4": (lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4), 8),
    "CosineAnnealingLR T_max 10 eta_min 0.01": (lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01), 11),
    "ExponentialLR gamma 0.9": (lambda o: S.ExponentialLR(o, gamma=0.9), 10),
}

print(json.dumps({"source": f"torch.optim.lr_scheduler, PyTorch {torch.__version__}", "lr": 0.1,
                  "cases": {name: rates(make, n) for name, (make, n) in CASES.items()}}, indent=1))
