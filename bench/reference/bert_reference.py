"""A tiny BERT in plain PyTorch: the reference the TypeScript encoder (server/engine/transformer.ts) is checked against.

Writes a Hugging Face-style checkpoint folder and what PyTorch computes on it:

  config.json        BertConfig fields, as BertForSequenceClassification.save_pretrained writes them
  model.safetensors  its state dict: `bert.`-prefixed encoder, `classifier.*`, PyTorch's [out, in] Linear layout,
                     written with struct + numpy only (no safetensors package)
  vocab.txt          one wordpiece a line, the line number its id
  expected.json      three inputs of 27 tokens and every site's value: embeddings, each layer's hidden states
                     (HF's encoder.layer.i output), pooled, logits; 7 significant digits

The model is HF's BertModel + BertForSequenceClassification reduced to torch.nn (transformers is not needed): post-LN
blocks, exact erf GELU, the extended attention mask (1 - mask) * finfo(float32).min as transformers 4.x adds it,
tanh pooler on [CLS], eval mode (no dropout).

Weights come from numpy's legacy RandomState (its stream is frozen by numpy's compatibility policy), not torch's
generator, so config.json, vocab.txt and model.safetensors are byte-for-byte the same on any machine; `--weights-only`
writes just those three and needs numpy but not torch. expected.json depends on torch's float32 kernels (its last
digit may differ between BLAS libraries).

Usage: /usr/bin/python3 bench/reference/bert_reference.py [--out test/fixtures/bert-tiny] [--weights-only]
(Debian's interpreter: a pyenv or venv python3 earlier on PATH may lack torch; bench/install-reference.sh installs it.)
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

SEED = 20190401
CONFIG = {
    "architectures": ["BertForSequenceClassification"],
    "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 32,
    "id2label": {"0": "entailment", "1": "neutral", "2": "contradiction"},
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "label2id": {"contradiction": 2, "entailment": 0, "neutral": 1},
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 27,
    "model_type": "bert",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "type_vocab_size": 2,
    "vocab_size": 40,
}
# 40 wordpieces: BERT's specials first, then MQNLI-flavoured words.
VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "every", "some", "no", "not", "notevery", "a", "the",
    "happy", "sad", "tall", "angry", "big", "small", "little", "rude",
    "dog", "cat", "baker", "man", "woman", "child", "singer", "friend",
    "eats", "sees", "loves", "hates", "drives", "kicks", "chases", "helps",
    "very", "quickly", "slowly", ".",
]  # fmt: skip
LENGTH = 27


def weights(cfg):
    """The state dict as numpy float32 arrays, HF names, PyTorch layout; random enough that every term matters."""
    rs = np.random.RandomState(SEED)
    H, I, V, P, T = (cfg[k] for k in ("hidden_size", "intermediate_size", "vocab_size",
                                      "max_position_embeddings", "type_vocab_size"))  # fmt: skip
    C = len(cfg["id2label"])
    sd = {}

    def normal(shape, std):
        return (rs.standard_normal(shape) * std).astype(np.float32)

    def linear(name, n_in, n_out, prefix="bert."):
        sd[prefix + name + ".weight"] = normal((n_out, n_in), 1 / np.sqrt(n_in))
        sd[prefix + name + ".bias"] = normal((n_out,), 0.1)

    def norm(name):
        sd["bert." + name + ".weight"] = (1 + normal((H,), 0.1)).astype(np.float32)
        sd["bert." + name + ".bias"] = normal((H,), 0.1)

    sd["bert.embeddings.word_embeddings.weight"] = normal((V, H), 1.0)
    sd["bert.embeddings.position_embeddings.weight"] = normal((P, H), 0.5)
    sd["bert.embeddings.token_type_embeddings.weight"] = normal((T, H), 0.5)
    norm("embeddings.LayerNorm")
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for m in ("query", "key", "value"):
            linear(p + "attention.self." + m, H, H)
        linear(p + "attention.output.dense", H, H)
        norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", H, I)
        linear(p + "output.dense", I, H)
        norm(p + "output.LayerNorm")
    linear("pooler.dense", H, H)
    linear("classifier", H, C, prefix="")
    # The buffer older transformers versions saved with the weights; loaders skip it.
    sd["bert.embeddings.position_ids"] = np.arange(P, dtype=np.int64)[None, :]
    return sd


DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}


def safetensors_bytes(sd, metadata):
    """The safetensors encoding of `sd`: u64 LE header length, JSON header padded with spaces to 8 bytes, data."""
    header = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name in sorted(sd):
        a = np.ascontiguousarray(sd[name])
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(chunks)


def inputs():
    """Three examples of 27 tokens: [CLS] premise(12) [SEP] | hypothesis(12) [SEP]; segments 14 zeros, 13 ones."""
    rs = np.random.RandomState(SEED + 1)
    ids, types, masks = [], [], []
    for ex in range(3):
        words = rs.randint(5, len(VOCAB), size=24).tolist()
        row = [2] + words[:12] + [3] + words[12:] + [3]
        mask = [1] * LENGTH
        if ex == 2:  # the last five positions are padding
            row = row[: LENGTH - 5] + [0] * 5
            mask = [1] * (LENGTH - 5) + [0] * 5
        ids.append(row)
        types.append([0] * 14 + [1] * 13)
        masks.append(mask)
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": masks}


def forward(torch, cfg, sd, feeds):
    """BertForSequenceClassification's eval forward, written out: every site's value."""
    F = torch.nn.functional
    w = {k: torch.from_numpy(np.array(v)) for k, v in sd.items()}
    H = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    d = H // heads
    eps = cfg["layer_norm_eps"]
    ids = torch.tensor(feeds["input_ids"], dtype=torch.long)
    types = torch.tensor(feeds["token_type_ids"], dtype=torch.long)
    mask = torch.tensor(feeds["attention_mask"], dtype=torch.float32)
    B, L = ids.shape

    def ln(x, name):
        return F.layer_norm(x, (H,), w["bert." + name + ".weight"], w["bert." + name + ".bias"], eps)

    def lin(x, name, prefix="bert."):
        return F.linear(x, w[prefix + name + ".weight"], w[prefix + name + ".bias"])

    out = {}
    pos = w["bert.embeddings.position_ids"][:, :L]
    x = (
        F.embedding(ids, w["bert.embeddings.word_embeddings.weight"])
        + F.embedding(types, w["bert.embeddings.token_type_embeddings.weight"])
        + F.embedding(pos, w["bert.embeddings.position_embeddings.weight"])
    )
    x = ln(x, "embeddings.LayerNorm")
    out["embeddings"] = x
    ext = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min

    def split(t):
        return t.view(B, L, heads, d).permute(0, 2, 1, 3)

    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        q = split(lin(x, p + "attention.self.query"))
        k = split(lin(x, p + "attention.self.key"))
        v = split(lin(x, p + "attention.self.value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / (d**0.5) + ext
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(B, L, H)
        a = ln(lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        h = F.gelu(lin(a, p + "intermediate.dense"))  # approximate='none': the erf form
        x = ln(lin(h, p + "output.dense") + a, p + "output.LayerNorm")
        out["layer%d" % i] = x
    out["pooled"] = torch.tanh(lin(x[:, 0], "pooler.dense"))
    out["logits"] = lin(out["pooled"], "classifier", prefix="")
    return out


def fmt(x):
    return "%.7g" % x


def site_json(t):
    """{"shape": [...], "values": [...]} with 7 significant digits, written compactly."""
    a = t.detach().numpy().astype(np.float64)
    vals = ",".join(fmt(v) for v in a.reshape(-1))
    return '{"shape":%s,"values":[%s]}' % (json.dumps(list(a.shape)), vals)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "test", "fixtures", "bert-tiny"))
    ap.add_argument("--weights-only", action="store_true", help="config, vocab and weights only (no torch needed)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sd = weights(CONFIG)

    def write(name, data):
        path = os.path.join(args.out, name)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    write("config.json", (json.dumps(CONFIG, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    write("vocab.txt", ("\n".join(VOCAB) + "\n").encode("utf-8"))
    write("model.safetensors", safetensors_bytes(sd, {"format": "pt"}))
    if args.weights_only:
        return
    try:
        import torch
    except ImportError:
        sys.stderr.write("no torch for %s: run bench/install-reference.sh and use /usr/bin/python3\n" % sys.executable)
        sys.exit(3)
    torch.set_num_threads(1)
    feeds = inputs()
    with torch.no_grad():
        out = forward(torch, CONFIG, sd, feeds)
    parts = ['"torch":%s' % json.dumps(torch.__version__), '"inputs":%s' % json.dumps(feeds, separators=(",", ":"))]
    sites = ",\n".join('"%s":%s' % (k, site_json(v)) for k, v in out.items())
    write("expected.json", ("{%s,\n\"outputs\":{\n%s}}\n" % (",\n".join(parts), sites)).encode("utf-8"))


if __name__ == "__main__":
    main()
