#!/usr/bin/env python3
"""A tiny bidirectional nn.LSTM and its outputs, for test/unit/recurrent.test.ts.

Writes test/fixtures/lstm-tiny/expected.json (or --out DIR): PyTorch's weights as it names and lays them out
([4H, in], gates i, f, g, o), an input batch, every step's output with the two directions summed (the ReaSCAN
encoder's), and the final state h_n summed over directions. Debian's python3-torch:
    /usr/bin/python3 bench/reference/lstm_reference.py
"""
import argparse
import json
import os

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../test/fixtures/lstm-tiny"))
    args = ap.parse_args()
    torch.manual_seed(7)
    lstm = torch.nn.LSTM(input_size=3, hidden_size=5, bidirectional=True, batch_first=True).eval()
    x = torch.randn(2, 4, 3)
    with torch.no_grad():
        out, (h_n, _) = lstm(x)
    H = 5
    summed = out[..., :H] + out[..., H:]
    r = lambda t: [round(float(v), 7) for v in t.reshape(-1).tolist()]
    doc = {
        "torch": torch.__version__,
        "weights": {k: {"shape": list(v.shape), "values": r(v)} for k, v in lstm.state_dict().items()},
        "input": {"shape": list(x.shape), "values": r(x)},
        "outputs": {
            "steps": {"shape": list(summed.shape), "values": r(summed)},
            "final": {"shape": [2, H], "values": r(h_n[0] + h_n[1])},
        },
    }
    os.makedirs(args.out, exist_ok=True)
    tmp = os.path.join(args.out, ".expected.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "expected.json"))


if __name__ == "__main__":
    main()
