"""torch.pow on every pair of POW_SPECIAL_VALUES (cases-elementwise.ts), in float64, for
conformance/reference-pow.test.ts: the conformance reference's pow must give these values.

Run with Debian's PyTorch (apt-get install python3-torch):
  /usr/bin/python3 pow-pytorch.py > pow-pytorch.json
Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity".
"""
import json
import math
import torch

VALUES = [math.nan, math.inf, -math.inf, 0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 2.5]


def encode(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


a = torch.tensor([x for x in VALUES for _ in VALUES], dtype=torch.float64)
b = torch.tensor([y for _ in VALUES for y in VALUES], dtype=torch.float64)
out = torch.pow(a, b)
print(json.dumps({"source": f"torch.pow, PyTorch {torch.__version__}, float64", "values": [encode(x) for x in VALUES],
                  "pow": [encode(x) for x in out.tolist()]}))
