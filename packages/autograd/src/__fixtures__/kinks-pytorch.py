"""PyTorch's gradients at kinks, ties, zeros and infinities, for autograd/kinks-pytorch.test.ts.

Run with Debian's PyTorch (apt-get install python3-torch):
  /usr/bin/python3 kinks-pytorch.py > kinks-pytorch.json
Each case is a function of named float64 inputs; a tensor result is reduced to a scalar loss
with weights 1, 2, 3, ... (so each element's cotangent differs), a scalar result is the loss.
Non-finite numbers are the strings "NaN", "Infinity", "-Infinity"; -0.0 is "-0".
"""
import json
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
INF = math.inf


def enc(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0"
    return x


CASES = {
    "abs": (lambda x: torch.abs(x), {"x": [-1.0, 0.0, 2.0]}),
    "relu": (lambda x: F.relu(x), {"x": [-1.0, 0.0, 2.0]}),
    "leakyRelu alpha 0.2": (lambda x: F.leaky_relu(x, 0.2), {"x": [-1.0, 0.0, 2.0]}),
    "elu": (lambda x: F.elu(x), {"x": [-1.0, 0.0, 2.0]}),
    "gelu": (lambda x: F.gelu(x), {"x": [-1.0, 0.0, 2.0]}),
    "silu": (lambda x: F.silu(x), {"x": [-1.0, 0.0, 2.0]}),
    "softplus": (lambda x: F.softplus(x), {"x": [-100.0, 0.0, 100.0]}),
    "sigmoid": (lambda x: torch.sigmoid(x), {"x": [-INF, 0.0, INF]}),
    "tanh": (lambda x: torch.tanh(x), {"x": [-INF, 0.0, 30.0]}),
    "sqrt": (lambda x: torch.sqrt(x), {"x": [0.0, 4.0, 0.25]}),
    "log": (lambda x: torch.log(x), {"x": [0.0, 1.0, INF]}),
    "reciprocal": (lambda x: torch.reciprocal(x), {"x": [0.0, 2.0, -INF]}),
    "exp": (lambda x: torch.exp(x), {"x": [-INF, 0.0, 1000.0]}),
    "floor, round, sign": (lambda x: torch.floor(x) + torch.round(x) + torch.sign(x), {"x": [-1.5, 0.0, 2.5]}),
    "maximum": (lambda a, b: torch.maximum(a, b), {"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 5.0]}),
    "minimum": (lambda a, b: torch.minimum(a, b), {"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 5.0]}),
    "max with ties": (lambda x: torch.amax(x), {"x": [1.0, 3.0, 3.0, 2.0]}),
    "min with ties": (lambda x: torch.amin(x), {"x": [2.0, 1.0, 1.0, 3.0]}),
    "max with NaN": (lambda x: torch.amax(x), {"x": [1.0, math.nan, 3.0]}),
    "pow": (lambda a, b: torch.pow(a, b), {"a": [0.0, 0.0, 2.0, -2.0, 0.0, 1.0], "b": [2.0, 0.0, 3.0, 2.0, 0.5, 0.0]}),
    "pow to -1 at 0": (lambda a, b: torch.pow(a, b), {"a": [0.0], "b": [-1.0]}),
    "div by 0": (lambda a, b: a / b, {"a": [1.0, 0.0], "b": [0.0, 0.0]}),
    "clip at its bounds": (lambda x: torch.clamp(x, -1.0, 1.0), {"x": [-1.0, 1.0, 0.5, 2.0, -3.0]}),
    "l2Norm of zeros": (lambda x: torch.linalg.vector_norm(x), {"x": [0.0, 0.0, 0.0]}),
    "l2Norm": (lambda x: torch.linalg.vector_norm(x), {"x": [3.0, 4.0]}),
    "l1Norm with a zero": (lambda x: torch.linalg.vector_norm(x, 1), {"x": [-1.0, 0.0, 2.0]}),
    "logSumExp with -inf": (lambda x: torch.logsumexp(x, 0), {"x": [-INF, 0.0, 1.0]}),
    "logSumExp of all -inf": (lambda x: torch.logsumexp(x, 0), {"x": [-INF, -INF]}),
    "softmax with -inf": (lambda x: torch.softmax(x, 0), {"x": [-INF, 0.0, 1.0]}),
    "logSoftmax with -inf": (lambda x: torch.log_softmax(x, 0), {"x": [-INF, 0.0, 1.0]}),
    "std of equal values": (lambda x: torch.std(x), {"x": [1.0, 1.0, 1.0]}),
    "variance of equal values": (lambda x: torch.var(x), {"x": [1.0, 1.0, 1.0]}),
    "mean": (lambda x: torch.mean(x), {"x": [1.0, -2.0, 4.0]}),
}

out = {"source": f"PyTorch {torch.__version__}, float64", "cases": {}}
for name, (f, inputs) in CASES.items():
    ts = {k: torch.tensor(v, requires_grad=True) for k, v in inputs.items()}
    y = f(**ts)
    if y.dim() > 0:
        w = torch.arange(1, y.numel() + 1, dtype=torch.float64).reshape(y.shape)
        loss = (w * y).sum()
    else:
        loss = y
    loss.backward()
    out["cases"][name] = {
        "inputs": {k: [enc(x) for x in v] for k, v in inputs.items()},
        "value": [enc(x) for x in y.detach().reshape(-1).tolist()],
        "grads": {k: [enc(x) for x in t.grad.reshape(-1).tolist()] for k, t in ts.items()},
    }
print(json.dumps(out, indent=1))
