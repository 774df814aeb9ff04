"""Reference values from PyTorch's own losses (torch.nn.functional), for pytorch-options.test.ts.

Run with Debian's PyTorch (apt-get install python3-torch): /usr/bin/python3 generate.py > values.json
float64 throughout; each case gives the inputs, PyTorch's options, the loss for each reduction and,
for 'mean', the gradient with respect to the logits (JSON numbers are float64 round trips).
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
LOGITS = [[0.5, -1.25, 2.0, 0.0], [-3.0, 0.75, 1.5, -0.5], [4.0, -2.0, 0.25, 1.0]]
TARGETS = [[1.0, 0.0, 1.0, 0.25], [0.0, 1.0, 0.5, 0.0], [1.0, 1.0, 0.0, 0.75]]
CE_LOGITS = [[1.0, 2.0, 0.5, -1.0], [0.0, -0.5, 3.0, 1.0], [2.5, 0.0, -2.0, 0.5], [-1.0, 1.5, 0.25, 0.0], [0.3, 0.2, 0.1, 0.0]]
CE_LABELS = [2, -100, 0, 3, 1]
CE_LABELS_7 = [2, 7, 0, 3, 7]
CLASS_WEIGHT = [0.5, 2.0, 1.0, 3.0]
CE_PROBS = [[0.1, 0.2, 0.7, 0.0], [0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.5], [0.4, 0.3, 0.2, 0.1]]


def case(fn, logits):
    out = {}
    for reduction in ("mean", "sum", "none"):
        x = torch.tensor(logits, requires_grad=True)
        y = fn(x, reduction)
        out[reduction] = y.tolist()
        if reduction == "mean":
            y.backward()
            out["grad_mean"] = x.grad.tolist()
    return out


def bce(**kw):
    kw = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in kw.items()}
    return lambda x, r: F.binary_cross_entropy_with_logits(x, torch.tensor(TARGETS), reduction=r, **kw)


def ce(labels, **kw):
    kw = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in kw.items()}
    return lambda x, r: F.cross_entropy(x, torch.tensor(labels), reduction=r, **kw)


cases = {
    "sigmoid posWeight per class": (bce(pos_weight=[2.0, 0.5, 1.0, 4.0]), LOGITS, dict(pos_weight=[2.0, 0.5, 1.0, 4.0])),
    "sigmoid posWeight scalar 3": (bce(pos_weight=[3.0]), LOGITS, dict(pos_weight=3.0)),
    "softmax ignoreIndex -100": (ce(CE_LABELS), CE_LOGITS, dict(labels=CE_LABELS, ignore_index=-100)),
    "softmax ignoreIndex 7": (ce(CE_LABELS_7, ignore_index=7), CE_LOGITS, dict(labels=CE_LABELS_7, ignore_index=7)),
    "softmax classWeights": (ce([2, 1, 0, 3, 1], weight=CLASS_WEIGHT), CE_LOGITS, dict(labels=[2, 1, 0, 3, 1], weight=CLASS_WEIGHT)),
    "softmax classWeights ignoreIndex -100": (ce(CE_LABELS, weight=CLASS_WEIGHT), CE_LOGITS, dict(labels=CE_LABELS, ignore_index=-100, weight=CLASS_WEIGHT)),
    "softmax classWeights labelSmoothing 0.2": (
        ce([2, 1, 0, 3, 1], weight=CLASS_WEIGHT, label_smoothing=0.2),
        CE_LOGITS,
        dict(labels=[2, 1, 0, 3, 1], weight=CLASS_WEIGHT, label_smoothing=0.2),
    ),
    "softmax classWeights ignoreIndex -100 labelSmoothing 0.2": (
        ce(CE_LABELS, weight=CLASS_WEIGHT, label_smoothing=0.2),
        CE_LOGITS,
        dict(labels=CE_LABELS, ignore_index=-100, weight=CLASS_WEIGHT, label_smoothing=0.2),
    ),
    "softmax ignoreIndex -100 labelSmoothing 0.2": (
        ce(CE_LABELS, label_smoothing=0.2),
        CE_LOGITS,
        dict(labels=CE_LABELS, ignore_index=-100, label_smoothing=0.2),
    ),
    "softmax classWeights probability targets labelSmoothing 0.1": (
        lambda x, r: F.cross_entropy(x, torch.tensor(CE_PROBS), weight=torch.tensor(CLASS_WEIGHT), label_smoothing=0.1, reduction=r),
        CE_LOGITS,
        dict(probs=CE_PROBS, weight=CLASS_WEIGHT, label_smoothing=0.1),
    ),
}

out = {"source": f"torch {torch.__version__} (torch.nn.functional)", "targets": TARGETS, "cases": {}}
for name, (fn, logits, options) in cases.items():
    out["cases"][name] = {"logits": logits, "options": options, **case(fn, logits)}
print(json.dumps(out, indent=1))
