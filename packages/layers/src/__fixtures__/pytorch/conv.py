"""Reference values from PyTorch for layers/conv-pytorch.test.ts: Conv2D and Conv1D (strides,
SAME / VALID / explicit padding, dilation, groups, depthwise), MaxPool, AvgPool (padding not
counted) and global average pooling, through torch.nn.functional in float64.

Run with Debian's PyTorch (apt-get install python3-torch):
  /usr/bin/python3 conv.py > conv.json
downhill is channels-last (NHWC, kernels HWIO); PyTorch channels-first (NCHW, kernels OIHW): the
script permutes on the way in and out, so the JSON holds downhill's layouts. SAME padding is
TensorFlow's (the smaller half before), applied with F.pad because torch's padding is symmetric.
Each case: the input, kernel and bias (convolutions), a cotangent r, the output y, and the
gradients of sum(y * r) with respect to the input, kernel and bias.
"""
import json
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)


def flat(t):
    return t.detach().reshape(-1).tolist()


def same_pads(size, k, s, d):
    """TensorFlow's SAME padding of one axis: [before, after]."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return [total // 2, total - total // 2]


def spatial_pads(xs, ks, strides, dilation, padding):
    if padding == "VALID":
        return [[0, 0] for _ in xs]
    if padding == "SAME":
        return [same_pads(n, k, s, d) for n, k, s, d in zip(xs, ks, strides, dilation)]
    return padding


def to_torch_pad(pads):
    """F.pad wants the last axis first: (w_before, w_after, h_before, h_after)."""
    return [v for p in reversed(pads) for v in p]


cases = []


def conv_case(name, n, spatial, cin, cout, ks, strides, dilation, groups, padding):
    nd = len(spatial)
    x = torch.randn(n, *spatial, cin, requires_grad=True)  # channels last
    k = torch.randn(*ks, cin // groups, cout, requires_grad=True)  # HWIO
    b = torch.randn(cout, requires_grad=True)
    pads = spatial_pads(spatial, ks, strides, dilation, padding)
    perm_in = [0, nd + 1] + list(range(1, nd + 1))  # NHWC -> NCHW
    perm_k = [nd + 1, nd] + list(range(nd))  # HWIO -> OIHW
    xt = F.pad(x.permute(*perm_in), to_torch_pad(pads))
    conv = F.conv2d if nd == 2 else F.conv1d
    yt = conv(xt, k.permute(*perm_k), b, stride=strides, dilation=dilation, groups=groups)
    perm_out = [0] + list(range(2, nd + 2)) + [1]  # NCHW -> NHWC
    y = yt.permute(*perm_out)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    cases.append({
        "name": name, "kind": f"conv{nd}d", "inChannels": cin, "outChannels": cout, "kernelSize": ks,
        "strides": strides, "dilation": dilation, "groups": groups, "padding": padding,
        "xShape": list(x.shape), "x": flat(x), "kernel": flat(k), "bias": flat(b),
        "yShape": list(y.shape), "y": flat(y), "r": flat(r),
        "grads": {"x": flat(x.grad), "kernel": flat(k.grad), "bias": flat(b.grad)},
    })


conv_case("Conv2D 3x3, VALID", 2, [7, 6], 4, 6, [3, 3], [1, 1], [1, 1], 1, "VALID")
conv_case("Conv2D 3x3, stride 2, SAME, groups 2", 2, [7, 6], 4, 6, [3, 3], [2, 2], [1, 1], 2, "SAME")
conv_case("Conv2D 2x3, dilation 2, explicit padding", 1, [7, 8], 3, 5, [2, 3], [1, 2], [2, 2], 1, [[1, 2], [0, 3]])
conv_case("Conv2D depthwise 3x3 (groups = channels, multiplier 2), SAME", 2, [5, 5], 4, 8, [3, 3], [1, 1], [1, 1], 4, "SAME")
conv_case("Conv1D k=3, stride 2, SAME", 2, [9], 3, 4, [3], [2], [1], 1, "SAME")
conv_case("Conv1D k=2, dilation 3, groups 3, VALID", 2, [10], 3, 6, [2], [1], [3], 3, "VALID")


def pool_case(name, op, n, spatial, c, window, strides, padding):
    nd = len(spatial)
    x = torch.randn(n, *spatial, c, requires_grad=True)
    pads = spatial_pads(spatial, window, strides, [1] * nd, padding)
    perm_in = [0, nd + 1] + list(range(1, nd + 1))
    perm_out = [0] + list(range(2, nd + 2)) + [1]
    xt = x.permute(*perm_in)
    if op == "max":
        pool = F.max_pool2d if nd == 2 else F.max_pool1d
        yt = pool(F.pad(xt, to_torch_pad(pads), value=-math.inf), window, strides)
    else:
        # The mean over the window's taps inside the input: sums of the zero-padded input divided by
        # the same window sums over ones (count_include_pad=False, also for uneven SAME padding).
        pool = F.avg_pool2d if nd == 2 else F.avg_pool1d
        size = math.prod(window)
        sums = pool(F.pad(xt, to_torch_pad(pads)), window, strides) * size
        counts = pool(F.pad(torch.ones_like(xt[:1, :1]), to_torch_pad(pads)), window, strides) * size
        yt = sums / counts
    y = yt.permute(*perm_out)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    cases.append({
        "name": name, "kind": f"{op}pool", "poolSize": window, "strides": strides, "padding": padding,
        "xShape": list(x.shape), "x": flat(x), "yShape": list(y.shape), "y": flat(y), "r": flat(r),
        "grads": {"x": flat(x.grad)},
    })


pool_case("MaxPool 2x2", "max", 2, [6, 6], 3, [2, 2], [2, 2], "VALID")
pool_case("MaxPool 3x3, stride 2, SAME", "max", 2, [7, 6], 2, [3, 3], [2, 2], "SAME")
pool_case("MaxPool 1-D 3, stride 1, VALID", "max", 2, [8], 3, [3], [1], "VALID")
pool_case("AvgPool 2x2", "avg", 2, [6, 6], 3, [2, 2], [2, 2], "VALID")
pool_case("AvgPool 3x3, stride 1, SAME (padding not counted)", "avg", 1, [5, 4], 2, [3, 3], [1, 1], "SAME")
pool_case("AvgPool 2x2, stride 2, SAME, uneven padding", "avg", 1, [5, 5], 2, [2, 2], [2, 2], "SAME")

x = torch.randn(2, 3, 4, 5, requires_grad=True)
y = F.adaptive_avg_pool2d(x.permute(0, 3, 1, 2), 1).flatten(1)
r = torch.randn_like(y)
(y * r).sum().backward()
cases.append({"name": "GlobalAvgPool", "kind": "globalavgpool", "xShape": list(x.shape), "x": flat(x), "yShape": list(y.shape),
              "y": flat(y), "r": flat(r), "grads": {"x": flat(x.grad)}})

print(json.dumps({"source": f"torch {torch.__version__} (torch.nn.functional conv1d, conv2d, max_pool, avg_pool, adaptive_avg_pool2d)",
                  "cases": cases}))
