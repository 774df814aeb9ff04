"""PyTorch-layout weights for layers/pytorch-layout.test.ts, written by PyTorch itself.

Run with Debian's PyTorch (apt-get install python3-torch), from this folder:
  /usr/bin/python3 state-dict.py
It writes, for each model below, <name>.safetensors (the model's state_dict exactly as torch holds
it: `0.weight` [out, in], BatchNorm's running_mean, running_var and num_batches_tracked as I64, in
float32) and state-dict.json (the input and torch's eval-mode output). Debian ships no `safetensors`
Python package, so the file is written here by the format's definition: an 8-byte little-endian
header length, a JSON header { name: { dtype, shape, data_offsets } }, then the raw little-endian
bytes. `check` reads it back and checks that torch loads it strictly (load_state_dict(strict=True)).
The BatchNorm running statistics come from a few training-mode passes, so they are not 0 and 1.
"""
import json
import struct
import torch
from torch import nn

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}


def write_safetensors(path, state):
    header, chunks, offset = {}, [], 0
    for name, t in state.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(chunks))


def read_safetensors(path):
    import numpy as np

    NP = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    header.pop("__metadata__", None)
    data = blob[8 + n :]
    return {
        k: torch.from_numpy(np.frombuffer(data[v["data_offsets"][0] : v["data_offsets"][1]], dtype=NP[v["dtype"]]).copy().reshape(v["shape"]))
        for k, v in header.items()
    }


def mlp():
    torch.manual_seed(1)
    m = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 5), nn.LayerNorm(5), nn.Tanh(), nn.Linear(5, 3))
    with torch.no_grad():
        m[4].weight.uniform_(0.5, 1.5)  # LayerNorm's affine parameters, away from 1 and 0
        m[4].bias.uniform_(-0.5, 0.5)
        m[1].weight.uniform_(0.5, 1.5)
        m[1].bias.uniform_(-0.5, 0.5)
        m.train()
        for _ in range(3):
            m(torch.randn(16, 4) * 2 + 0.5)
    m.eval()
    x = torch.randn(8, 4)
    return m, x, x.tolist()


def embedding():
    torch.manual_seed(2)
    m = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 3, bias=False))
    m.eval()
    ids = torch.tensor([[0, 3, 9], [7, 7, 1]])
    return m, ids, ids.tolist()


def cnn():
    # channels first in torch; the test permutes the input to channels last and the output back
    torch.manual_seed(3)
    m = nn.Sequential(nn.Conv2d(2, 4, (3, 2), padding=1, groups=2), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 3, 2, stride=2))
    with torch.no_grad():
        m.train()
        for _ in range(2):
            m(torch.randn(4, 2, 5, 6))
    m.eval()
    x = torch.randn(2, 2, 5, 6)
    return m, x, x.tolist()


def conv1d():
    torch.manual_seed(4)
    m = nn.Sequential(nn.Conv1d(3, 2, 3, dilation=2), nn.Tanh(), nn.Conv1d(2, 2, 1, bias=False))
    m.eval()
    x = torch.randn(2, 3, 9)
    return m, x, x.tolist()


out = {"source": f"torch {torch.__version__} (torch.nn, state_dict)", "models": {}}
for name, build in {"mlp": mlp, "embedding": embedding, "cnn": cnn, "conv1d": conv1d}.items():
    m, x, x_list = build()
    state = m.state_dict()
    write_safetensors(f"{name}.safetensors", state)
    # check: the file reads back to the same tensors, and loads strictly into a fresh model
    back = read_safetensors(f"{name}.safetensors")
    assert list(back) == list(state) and all(torch.equal(back[k], state[k]) for k in state)
    m.load_state_dict(back, strict=True)
    with torch.no_grad():
        y = m(x)
    out["models"][name] = {"input": x_list, "output": y.tolist(), "names": list(state)}
with open("state-dict.json", "w") as f:
    json.dump(out, f, indent=1)
