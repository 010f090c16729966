#!/usr/bin/python3
"""PyTorch reference for `npm run bench`: one IIT step on a PVR network (ResNet-18 or the quick net).

Network (standard ResNet-18 layers, written out because Debian has no
torchvision): 1x56x56 input -> conv7x7/2 (64) -> BN -> ReLU -> maxpool3x3/2
[the aligned site: 64x14x14] -> 4 stages of 2 BasicBlocks (64, 128, 256, 512;
stride 2 from stage 2 on) -> global average pool -> fc 10.
--task pvr-quick is server/engine/convnets.ts's quadrantNet instead (samples/pvr/
quick.ts): a 4x4 stride-4 patch convolution (16 channels) + ReLU [the aligned
site: 16x14x14] -> the four 7x7 quadrants, each flattened, through a shared
encoder MLP 784 -> 128 -> 64 (ReLU) -> the four codes concatenated -> 256
(ReLU) -> 10. (Its TensorFlow.js stem is reshape + transpose + matmul, the
same function as this convolution.)
Variable v (k of them, k=4 by default) is spatial quadrant v of the site, all
channels: 0 = rows 0-6 x cols 0-6, 1 = rows 0-6 x cols 7-13, 2 = rows 7-13 x
cols 0-6, 3 = rows 7-13 x cols 7-13.

TRAIN step: stem on [base; source] in one batch (2B rows); for each variable v
a patched copy of the base site where quadrant v comes from the source
(--swap same: the source's quadrant v; --swap typed: the source's quadrant
(v+1) mod 4, i.e. a swap between two different variables of the same type);
the rest of the net on [base site; patched_1..k] ((k+1)B rows) in one pass;
(--swap trainer, as IIT Studio's trainer does typed IIT and as bench/pvrStep.ts:
the B pairs split evenly, in contiguous runs, over the k*k typed swaps a -> b,
each pair patched once: the rest of the net on [base site; B patched] (2B rows),
so examples/s counts B per step in training and B pairs per step in evaluation);
loss = CE(base, y_task) + mean_v CE(patched_v, y_cf_v); backward; Adam(1e-3).
BatchNorm runs in training mode (batch statistics). EVAL step: BN in
inference mode, no grad, the k patched copies only, argmax.

  /usr/bin/python3 bench/reference/pvr_bench.py --phase train --batch 32 --threads 2
  /usr/bin/python3 bench/reference/pvr_bench.py --device cuda --batch 256
  /usr/bin/python3 bench/reference/pvr_bench.py --task pvr-quick --swap trainer --batch 128
Prints one JSON line.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import base_parser, import_torch, report, time_step  # noqa: E402

SIDE = 56
CLASSES = 10
SITE = 14  # spatial side of the max-pool output
HALF = SITE // 2
QUADRANTS = [(0, 0), (0, HALF), (HALF, 0), (HALF, HALF)]  # (row, col) offsets


def define(torch):
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return torch.relu(y + (x if self.down is None else self.down(x)))

    def stage(cin, cout, stride):
        return nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))

    stem = nn.Sequential(
        nn.Conv2d(1, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
    )
    rest = nn.Sequential(
        stage(64, 64, 1), stage(64, 128, 2), stage(128, 256, 2), stage(256, 512, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, CLASSES),
    )
    return stem, rest


def define_quick(torch):
    nn = torch.nn
    ch, enc1, enc2, mix = 16, 128, 64, 256

    class Quadrants(nn.Module):
        """[n, C, 14, 14] -> [n*4, C*7*7]: the four spatial quadrants (TL, TR, BL, BR), each flattened."""

        def forward(self, x):
            n, c = x.shape[0], x.shape[1]
            q = x.reshape(n, c, 2, HALF, 2, HALF).permute(0, 2, 4, 1, 3, 5)
            return q.reshape(n * 4, c * HALF * HALF)

    class Codes(nn.Module):
        def forward(self, x):
            return x.reshape(-1, 4 * enc2)

    stem = nn.Sequential(nn.Conv2d(1, ch, 4, 4), nn.ReLU())
    rest = nn.Sequential(
        Quadrants(), nn.Linear(ch * HALF * HALF, enc1), nn.ReLU(), nn.Linear(enc1, enc2), nn.ReLU(),
        Codes(), nn.Linear(4 * enc2, mix), nn.ReLU(), nn.Linear(mix, CLASSES),
    )
    return stem, rest


def count_flops(torch, module, x):
    """2 * MACs of every Conv2d and Linear for one row, from the real output shapes
    (BN, ReLU, pooling and the residual adds are not counted, as for the MLP)."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, torch.nn.Conv2d):
            kh, kw = m.kernel_size
            total[0] += 2 * (m.in_channels // m.groups) * kh * kw * out.numel()
        elif isinstance(m, torch.nn.Linear):
            total[0] += 2 * m.in_features * out.numel()

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    with torch.no_grad():
        y = module(x)
    for h in handles:
        h.remove()
    return total[0], y


def build(torch, batch, k, swap, device, seed, task="pvr-resnet18"):
    torch.manual_seed(seed)
    stem, rest = define_quick(torch) if task == "pvr-quick" else define(torch)
    stem.to(device)
    rest.to(device)
    masks = torch.zeros(k, 1, 1, SITE, SITE, device=device)  # broadcast over batch and channels
    shifts = []
    for v in range(k):
        r, c = QUADRANTS[v]
        masks[v, ..., r:r + HALF, c:c + HALF] = 1.0
        # typed: bring source quadrant (v+1)%4 onto quadrant v; a roll by half the side moves whole quadrants
        sr, sc = QUADRANTS[(v + 1) % 4] if swap == "typed" else (r, c)
        shifts.append(((r - sr) % SITE, (c - sc) % SITE))
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(batch, 1, SIDE, SIDE, generator=g).to(device)
    source = torch.rand(batch, 1, SIDE, SIDE, generator=g).to(device)
    y_task = torch.randint(0, CLASSES, (batch,), generator=g).to(device)
    y_cf = torch.randint(0, CLASSES, (k, batch), generator=g).to(device)
    both = torch.cat([base, source])
    # --swap trainer: (rows, mask of the target quadrant b, roll bringing source quadrant a onto b) per typed swap
    runs = []
    for j, (a, b) in enumerate((a, b) for a in range(k) for b in range(k)):
        lo, hi = j * batch // (k * k), (j + 1) * batch // (k * k)
        (ra, ca), (rb, cb) = QUADRANTS[a], QUADRANTS[b]
        runs.append((lo, hi, masks[b], ((rb - ra) % SITE, (cb - ca) % SITE)))

    def patched_forward(with_base):
        h = stem(both)  # [2B, C, 14, 14]
        hb, hs = h[:batch], h[batch:]
        if swap == "trainer":
            patched = [
                hb[lo:hi] * (1 - m) + torch.roll(hs[lo:hi], sh, dims=(2, 3)) * m for lo, hi, m, sh in runs
            ]
        else:
            patched = [hb * (1 - masks[v]) + torch.roll(hs, shifts[v], dims=(2, 3)) * masks[v] for v in range(k)]
        return rest(torch.cat(([hb] if with_base else []) + patched))

    opt = torch.optim.Adam(list(stem.parameters()) + list(rest.parameters()), lr=1e-3)
    ce = torch.nn.functional.cross_entropy

    def train_step():
        stem.train()
        rest.train()
        opt.zero_grad(set_to_none=True)
        logits = patched_forward(True)
        if swap == "trainer":
            loss = ce(logits[:batch], y_task) + ce(logits[batch:], y_cf[0])
        else:
            logits = logits.view(k + 1, batch, CLASSES)
            loss = ce(logits[0], y_task) + sum(ce(logits[v + 1], y_cf[v]) for v in range(k)) / k
        loss.backward()
        opt.step()
        return loss

    def eval_step():
        stem.eval()
        rest.eval()
        with torch.no_grad():
            return patched_forward(False).argmax(-1)

    stem_flops, site = count_flops(torch, stem.eval(), torch.zeros(1, 1, SIDE, SIDE, device=device))
    assert tuple(site.shape[2:]) == (SITE, SITE), site.shape
    rest_flops, _ = count_flops(torch, rest.eval(), site)
    if swap == "trainer":  # one patched copy per pair
        flops = {"train": 3 * (2 * stem_flops + 2 * rest_flops), "eval": 2 * stem_flops + rest_flops}
        return train_step, eval_step, flops, (stem, rest, base, source)
    flops = {
        "train": 3 * (2 * stem_flops + (k + 1) * rest_flops),  # per base example; fwd+bwd ~= 3x fwd
        "eval": (2 * stem_flops + k * rest_flops) / k,  # per evaluated pair
    }
    return train_step, eval_step, flops, (stem, rest, base, source)


def self_check(torch, task):
    """Patched predictions equal an explicit quadrant copy, for every swap kind."""
    B, k = 3, 4
    _, eval_step, _, (stem, rest, base, source) = build(torch, 2 * k * k, k, "trainer", "cpu", 1, task)
    got = eval_step()
    with torch.no_grad():
        hb, hs = stem(base), stem(source)
        for j in range(k * k):
            (ra, ca), (rb, cb) = QUADRANTS[j // k], QUADRANTS[j % k]
            h = hb[2 * j:2 * j + 2].clone()
            h[..., rb:rb + HALF, cb:cb + HALF] = hs[2 * j:2 * j + 2, :, ra:ra + HALF, ca:ca + HALF]
            assert torch.equal(rest(h).argmax(-1), got[2 * j:2 * j + 2]), ("trainer", j)
    for swap in ("same", "typed"):
        _, eval_step, _, (stem, rest, base, source) = build(torch, B, k, swap, "cpu", 1, task)
        got = eval_step()
        with torch.no_grad():
            hb, hs = stem(base), stem(source)
            for v in range(k):
                r, c = QUADRANTS[v]
                sr, sc = QUADRANTS[(v + 1) % 4] if swap == "typed" else (r, c)
                h = hb.clone()
                h[..., r:r + HALF, c:c + HALF] = hs[..., sr:sr + HALF, sc:sc + HALF]
                assert torch.equal(rest(h).argmax(-1), got[v * B:(v + 1) * B]), (swap, v)
    print("self-check ok")


def main():
    p = base_parser(__doc__.splitlines()[0], "pvr-resnet18")
    p.set_defaults(batch=32, k=4)
    p.add_argument("--swap", choices=["same", "typed", "trainer"], default="same")
    p.add_argument("--check", action="store_true", help="run a correctness self-check and exit")
    args = p.parse_args()
    if args.task not in ("pvr-resnet18", "pvr-quick"):
        p.error("pvr_bench.py runs --task pvr-resnet18 or pvr-quick")
    if args.swap == "trainer" and args.batch < args.k * args.k:
        p.error("--swap trainer needs --batch >= k*k (one run of rows per typed swap)")
    torch = import_torch(args.threads)
    if args.check:
        return self_check(torch, args.task)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: this torch build has no CUDA device")
    if args.device == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its fastest kernels
    train_step, eval_step, flops, _ = build(torch, args.batch, args.k, args.swap, args.device, args.seed, args.task)
    pairs = args.batch if args.swap == "trainer" else args.k * args.batch
    fn, items = (train_step, args.batch) if args.phase == "train" else (eval_step, pairs)
    seconds, per_window = time_step(torch, fn, args.device, args.warmup, args.steps, args.windows)
    report(torch, args, {"width": None, "swap": args.swap, "input": [1, SIDE, SIDE]}, seconds, per_window, items, flops[args.phase])


if __name__ == "__main__":
    main()
