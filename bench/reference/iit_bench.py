#!/usr/bin/python3
"""PyTorch reference for `npm run bench`: one IIT step on the hierarchical-equality MLP.

The TypeScript side (bench/iitStep.ts) runs the identical step on our
TensorFlow.js engine; the bench divides its throughput by this one's.
Semantics are written out in docs/BENCH-REFERENCE.md; in short:

  x = 4 vectors of dim 4 concatenated (16 floats)
  h1 = ReLU(L1 x)                       L1: 16->W       (the aligned site)
  out = L4 ReLU(L3 ReLU(L2 h1))         L2, L3: W->W,  L4: W->2
  variable v of k owns units [v*W/k, (v+1)*W/k) of h1

TRAIN step: h1 of [base; source] in one batch (2B rows); patched_v = h_b*(1-m_v)
+ h_s*m_v; rest of the net on [h_b; patched_1..k] ((k+1)B rows) in one pass;
loss = CE(base, y_task) + mean_v CE(patched_v, y_cf_v); backward; Adam(1e-3).
EVAL step: no grad, same patched forward without the base rows, argmax.

Run with Debian's interpreter (pyenv's python3 has no torch):
  /usr/bin/python3 bench/reference/iit_bench.py --width 256 --phase train --threads 2
Prints one JSON line.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import base_parser, import_torch, report, time_step  # noqa: E402

IN = 16  # 4 input vectors of dimension 4
CLASSES = 2


def flops(width, k):
    """Analytic FLOPs, counted like bench/iitStep.ts: 2*in*out per Linear per row."""
    layer = lambda i, o: 2 * i * o
    prefix = 2 * layer(IN, width)  # bases and sources through L1
    rest = layer(width, width) * 2 + layer(width, CLASSES)  # L2, L3, L4 per row
    train_per_base = 3 * (prefix + (k + 1) * rest)  # forward + backward ~= 3x forward
    eval_per_pair = (prefix + k * rest) / k
    return train_per_base, eval_per_pair


def build(torch, width, batch, k, device, seed):
    nn = torch.nn
    torch.manual_seed(seed)
    first = nn.Linear(IN, width)
    rest = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, CLASSES))
    first.to(device)
    rest.to(device)
    part = width // k
    masks = torch.zeros(k, 1, width, device=device)  # [k, 1, W]: broadcast over the batch
    for v in range(k):
        masks[v, 0, v * part:(v + 1) * part] = 1.0
    g = torch.Generator().manual_seed(seed)
    base = torch.randn(batch, IN, generator=g).to(device)
    source = torch.randn(batch, IN, generator=g).to(device)
    y_task = torch.randint(0, CLASSES, (batch,), generator=g).to(device)
    y_cf = torch.randint(0, CLASSES, (k, batch), generator=g).to(device)
    both = torch.cat([base, source])  # fixed per run, as on the TS side

    def patched_forward(with_base):
        h = torch.relu(first(both))  # [2B, W]
        hb, hs = h[:batch], h[batch:]
        patched = hb.unsqueeze(0) * (1 - masks) + hs.unsqueeze(0) * masks  # [k, B, W]
        stack = patched.reshape(k * batch, width)
        if with_base:
            stack = torch.cat([hb, stack])  # [(k+1)B, W]
        return rest(stack)

    params = list(first.parameters()) + list(rest.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    ce = torch.nn.functional.cross_entropy

    def train_step():
        opt.zero_grad(set_to_none=True)
        logits = patched_forward(True).view(k + 1, batch, CLASSES)
        iit = sum(ce(logits[v + 1], y_cf[v]) for v in range(k)) / k
        loss = ce(logits[0], y_task) + iit
        loss.backward()
        opt.step()
        return loss

    def eval_step():
        with torch.no_grad():
            return patched_forward(False).argmax(-1)  # [kB] predictions

    return train_step, eval_step, (first, rest, masks, base, source)


def self_check(torch):
    """Patched rows equal an explicit per-row interchange, and training lowers the loss."""
    W, B, k = 8, 4, 2
    train_step, eval_step, (first, rest, masks, base, source) = build(torch, W, B, k, "cpu", 1)
    with torch.no_grad():
        hb, hs = torch.relu(first(base)), torch.relu(first(source))
        for v in range(k):
            h = hb.clone()
            h[:, v * W // k:(v + 1) * W // k] = hs[:, v * W // k:(v + 1) * W // k]
            want = rest(h).argmax(-1)
            got = eval_step()[v * B:(v + 1) * B]
            assert torch.equal(want, got), (v, want, got)
    first_loss = float(train_step())
    for _ in range(200):
        last = float(train_step())
    assert last < first_loss, (first_loss, last)
    print(f"self-check ok: loss {first_loss:.4f} -> {last:.4f}")


def main():
    p = base_parser(__doc__.splitlines()[0], "mlp")
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--check", action="store_true", help="run a correctness self-check and exit")
    args = p.parse_args()
    if args.task != "mlp":
        p.error("iit_bench.py only runs --task mlp (pvr_bench.py runs pvr-resnet18)")
    if args.width % args.k:
        p.error("--width must be divisible by --k")
    torch = import_torch(args.threads)
    if args.check:
        return self_check(torch)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: this torch build has no CUDA device")
    train_step, eval_step, _ = build(torch, args.width, args.batch, args.k, args.device, args.seed)
    train_flops, eval_flops = flops(args.width, args.k)
    if args.phase == "train":
        fn, items, fpe = train_step, args.batch, train_flops  # per base example
    else:
        fn, items, fpe = eval_step, args.k * args.batch, eval_flops  # per evaluated pair
    seconds, per_window = time_step(torch, fn, args.device, args.warmup, args.steps, args.windows)
    report(torch, args, {"width": args.width}, seconds, per_window, items, fpe)


if __name__ == "__main__":
    main()
