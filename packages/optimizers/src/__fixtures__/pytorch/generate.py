"""Reference trajectories from PyTorch's own optimizers (torch.optim), for optimizers/pytorch-values.test.ts.

Run with Debian's PyTorch (apt-get install python3-torch): /usr/bin/python3 generate.py > values.json
Each case: float64 parameter w0, a fixed gradient sequence, and w after every step, plus the
optimizer state after the last step, at full precision (JSON numbers are float64 round trips).
"""
import json
import torch

torch.set_default_dtype(torch.float64)
W0 = [1.0, -0.5, 0.25]
G = [[0.2, -0.4, 0.1], [0.1, 0.3, -0.2], [-0.3, 0.2, 0.05], [0.05, -0.1, 0.3], [0.4, 0.0, -0.1]]

CASES = {
    "adam amsgrad b1=0.8 eps=1e-6": (torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, amsgrad=True)),
    "adamw weightDecay=0.1": (torch.optim.AdamW, dict(lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
    "rmsprop centered momentum=0.5 decay=0.95": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.95, eps=1e-8, centered=True, momentum=0.5)),
    "sgd nesterov momentum=0.9 weightDecay=0.01": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "adagrad initialAccumulatorValue=0.1 eps=1e-10": (torch.optim.Adagrad, dict(lr=0.1, initial_accumulator_value=0.1, eps=1e-10)),
    # weight_decay (coupled L2, added to the gradient) and maximize on the adaptive optimizers
    "adam weightDecay=0.1 maximize": (torch.optim.Adam, dict(lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, maximize=True)),
    "adam amsgrad weightDecay=0.05": (torch.optim.Adam, dict(lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05, amsgrad=True)),
    "rmsprop weightDecay=0.1 maximize": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.1, maximize=True)),
    "adagrad weightDecay=0.2 maximize": (torch.optim.Adagrad, dict(lr=0.1, eps=1e-10, weight_decay=0.2, maximize=True)),
    "adamax weightDecay=0.1 maximize": (torch.optim.Adamax, dict(lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, maximize=True)),
    "radam weightDecay=0.1 eps=0": (torch.optim.RAdam, dict(lr=0.05, betas=(0.9, 0.999), eps=0.0, weight_decay=0.1)),
    "adadelta weightDecay=0.1 maximize": (torch.optim.Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.1, maximize=True)),
    "sgd momentum=0.9 weightDecay=0.01 maximize": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01, maximize=True)),
    "adamw weightDecay=0.1 maximize": (torch.optim.AdamW, dict(lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, maximize=True)),
    # the classics: Rprop, ASGD (averaging from step 3 on), NAdam with its momentum-decay schedule
    "rprop etas=(0.4,1.5) stepSizes=(1e-3,0.2)": (torch.optim.Rprop, dict(lr=0.05, etas=(0.4, 1.5), step_sizes=(1e-3, 0.2))),
    "asgd lambd=0.01 alpha=0.75 t0=2 weightDecay=0.05": (torch.optim.ASGD, dict(lr=0.1, lambd=0.01, alpha=0.75, t0=2, weight_decay=0.05)),
    # foreach=True: torch 1.13's single-tensor NAdam multiplies mu_t twice into mu_product_next, a bug
    # fixed in PyTorch 2.0 (pytorch/pytorch#92699); its multi-tensor path has the corrected rule.
    "nadam momentumDecay=0.1": (torch.optim.NAdam, dict(lr=0.05, betas=(0.9, 0.99), eps=1e-8, momentum_decay=0.1, foreach=True)),
}

out = {"source": f"torch {torch.__version__} (torch.optim)", "w0": W0, "grads": G, "cases": {}}
for name, (cls, kw) in CASES.items():
    w = torch.tensor(W0, requires_grad=True)
    opt = cls([w], **kw)
    traj = []
    for g in G:
        w.grad = torch.tensor(g)
        opt.step()
        traj.append(w.detach().tolist())
    state = {k: (v.tolist() if torch.is_tensor(v) else v) for k, v in opt.state[w].items()}
    out["cases"][name] = {"options": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}, "trajectory": traj, "state": state}
print(json.dumps(out, indent=1))
