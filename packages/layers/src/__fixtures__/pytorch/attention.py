"""Reference values from PyTorch for layers/attention-pytorch.test.ts: nn.Embedding,
nn.MultiheadAttention (batch_first, with and without a causal mask) and nn.TransformerEncoderLayer
(norm_first=True: the pre-norm block; GELU; no dropout), in float64.

Run with Debian's PyTorch (apt-get install python3-torch):
  /usr/bin/python3 attention.py > attention.json
Each case holds the weights in downhill's layout (Dense kernels [in, out], the transpose of
torch's Linear weight), the input, a fixed cotangent r, the output y, and the gradients of
sum(y * r) with respect to the input (float inputs) and every parameter, keyed by downhill's
dotted parameter names.
"""
import json
import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
D, H, B, T = 8, 2, 2, 5


def flat(t):
    return t.detach().reshape(-1).tolist()


def linear(prefix, lin, params, grads):
    params[f"{prefix}.kernel"] = flat(lin.weight.t())
    params[f"{prefix}.bias"] = flat(lin.bias)
    grads[f"{prefix}.kernel"] = flat(lin.weight.grad.t())
    grads[f"{prefix}.bias"] = flat(lin.bias.grad)


def mha_params(prefix, mha, params, grads):
    """in_proj_weight stacks W_q, W_k, W_v (each [D, D], torch's out×in); downhill has query, key, value kernels [in, out]."""
    for i, name in enumerate(["query", "key", "value"]):
        w = mha.in_proj_weight[i * D:(i + 1) * D]
        g = mha.in_proj_weight.grad[i * D:(i + 1) * D]
        params[f"{prefix}{name}.kernel"] = flat(w.t())
        params[f"{prefix}{name}.bias"] = flat(mha.in_proj_bias[i * D:(i + 1) * D])
        grads[f"{prefix}{name}.kernel"] = flat(g.t())
        grads[f"{prefix}{name}.bias"] = flat(mha.in_proj_bias.grad[i * D:(i + 1) * D])
    linear(f"{prefix}output", mha.out_proj, params, grads)


def causal_mask():
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # True: not allowed


cases = {}

# Embedding: ids with repeats, so the gradient accumulates.
emb = torch.nn.Embedding(7, 3)
ids = torch.tensor([[2, 4, 2], [0, 6, 2]])
y = emb(ids)
r = torch.randn_like(y)
(y * r).sum().backward()
cases["embedding"] = {
    "vocab": 7, "dim": 3, "ids": flat(ids), "idsShape": list(ids.shape), "r": flat(r), "y": flat(y),
    "params": {"embeddings": flat(emb.weight)}, "grads": {"embeddings": flat(emb.weight.grad)},
}

for causal in [False, True]:
    mha = torch.nn.MultiheadAttention(D, H, batch_first=True)
    torch.nn.init.normal_(mha.in_proj_bias, std=0.1)
    torch.nn.init.normal_(mha.out_proj.bias, std=0.1)
    x = torch.randn(B, T, D, requires_grad=True)
    y, _ = mha(x, x, x, need_weights=False, attn_mask=causal_mask() if causal else None)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    params, grads = {}, {}
    mha_params("", mha, params, grads)
    grads["x"] = flat(x.grad)
    cases[f"attention causal={str(causal).lower()}"] = {
        "dim": D, "heads": H, "causal": causal, "x": flat(x), "xShape": [B, T, D], "r": flat(r), "y": flat(y),
        "params": params, "grads": grads,
    }

for causal in [False, True]:
    layer = torch.nn.TransformerEncoderLayer(D, H, dim_feedforward=4 * D, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True)
    for p in [layer.norm1.weight, layer.norm2.weight]:
        torch.nn.init.normal_(p, mean=1.0, std=0.2)
    for p in [layer.norm1.bias, layer.norm2.bias, layer.self_attn.in_proj_bias]:
        torch.nn.init.normal_(p, std=0.1)
    layer.eval()  # no dropout anyway; eval keeps torch off its fused fast path only when grads are needed
    x = torch.randn(B, T, D, requires_grad=True)
    y = layer(x, src_mask=causal_mask() if causal else None)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    params, grads = {}, {}
    mha_params("attention.", layer.self_attn, params, grads)
    for ours, ln in [("norm1", layer.norm1), ("norm2", layer.norm2)]:
        params[f"{ours}.gamma"], params[f"{ours}.beta"] = flat(ln.weight), flat(ln.bias)
        grads[f"{ours}.gamma"], grads[f"{ours}.beta"] = flat(ln.weight.grad), flat(ln.bias.grad)
    linear("mlp.fc1", layer.linear1, params, grads)
    linear("mlp.fc2", layer.linear2, params, grads)
    grads["x"] = flat(x.grad)
    cases[f"transformer block causal={str(causal).lower()}"] = {
        "dim": D, "heads": H, "causal": causal, "x": flat(x), "xShape": [B, T, D], "r": flat(r), "y": flat(y),
        "params": params, "grads": grads,
    }

print(json.dumps({"source": f"torch {torch.__version__} (nn.Embedding, nn.MultiheadAttention, nn.TransformerEncoderLayer)",
                  "cases": cases}))
