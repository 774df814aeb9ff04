"""PyTorch's losses at extreme and special inputs, for losses/extremes-pytorch.test.ts.

Run with Debian's PyTorch (apt-get install python3-torch):
  /usr/bin/python3 extremes.py > extremes.json
float64; each case gives the inputs, the per-element loss (reduction 'none') and the gradient of
the weighted sum of it (weights 1, 2, 3, ... over the loss's elements) with respect to the first
input. Non-finite numbers are the strings "NaN", "Infinity", "-Infinity".
"""
import json
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
INF = math.inf


def enc(v):
    if isinstance(v, list):
        return [enc(x) for x in v]
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


CE_LOGITS = [[1000.0, 0.0, -1000.0], [-INF, 0.0, 1.0], [0.0, 0.0, 0.0], [-1000.0, 0.0, 1000.0]]
CE_LABELS = [0, 2, 1, 0]
CASES = {
    "sigmoidCrossEntropy at ±1000 and ±40": (
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        [[-1000.0, -40.0, 0.0, 40.0, 1000.0], [-1000.0, -40.0, 0.0, 40.0, 1000.0]],
        {"targets": [[0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]]},
    ),
    "softmaxCrossEntropy with ±1000 and -inf logits": (
        lambda x, labels: F.cross_entropy(x, labels, reduction="none"),
        CE_LOGITS,
        {"labels": CE_LABELS},
    ),
    "softmaxCrossEntropy, probabilities, a zero target on a -inf logit": (
        lambda x, t: F.cross_entropy(x, t, reduction="none"),
        [[-INF, 0.0, 1.0], [1000.0, 0.0, -1000.0]],
        {"targets": [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]},
    ),
    "nllLoss with a -inf log-probability": (
        lambda x, labels: F.nll_loss(x, labels, reduction="none"),
        [[-INF, -0.5, -1.0], [math.log(0.25), math.log(0.75), -INF]],
        {"labels": [0, 1]},
    ),
    "huberLoss at its delta": (
        lambda x, t: F.huber_loss(x, t, reduction="none", delta=1.0),
        [[1.0, -1.0, 0.0, 2.0, 0.5]],
        {"targets": [[0.0, 0.0, 0.0, 0.0, 0.0]]},
    ),
    "smoothL1Loss beta 0 at zero": (
        lambda x, t: F.smooth_l1_loss(x, t, reduction="none", beta=0.0),
        [[0.0, 1.0, -2.0]],
        {"targets": [[0.0, 0.0, 0.0]]},
    ),
    "meanAbsoluteError at zero": (
        lambda x, t: F.l1_loss(x, t, reduction="none"),
        [[0.0, 1.0, -2.0]],
        {"targets": [[0.0, 0.0, 0.0]]},
    ),
    "klDivergence with zero targets": (
        lambda x, t: F.kl_div(x, t, reduction="none").sum(-1),  # per example, as downhill's 'none'
        [[math.log(0.5), math.log(0.5), -INF], [-1.0, -2.0, -3.0]],
        {"targets": [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]},
    ),
}

out = {"source": f"PyTorch {torch.__version__}, float64", "cases": {}}
for name, (f, x, extra) in CASES.items():
    xt = torch.tensor(x, requires_grad=True)
    args = {k: (torch.tensor(v) if k != "labels" else torch.tensor(v, dtype=torch.long)) for k, v in extra.items()}
    y = f(xt, *args.values())
    w = torch.arange(1, y.numel() + 1, dtype=torch.float64).reshape(y.shape)
    (w * y).sum().backward()
    out["cases"][name] = {"input": enc(x), **{k: enc(v) if k != "labels" else v for k, v in extra.items()},
                          "loss": enc(y.detach().reshape(-1).tolist()), "grad": enc(xt.grad.reshape(-1).tolist())}
print(json.dumps(out, indent=1))
