#!/usr/bin/env python3
"""PyTorch twins of cnn-zoo's zoo entries (Tools/torch_twin.py), timed as `cnn-zoo bench` times them.

    python3 Tools/bench_pytorch.py mnist-16-32-64 --batch-size 64 --threads 2 --json
    python3 Tools/bench_pytorch.py mnist-resnet --json          # any entry; peak resident memory too

Same layers and shapes, same loss, same optimizer and hyperparameters as the zoo entries, synthetic
images, the same batch and thread count; prints training and inference images/s (medians of
--repeats timed runs of --steps batches, after warm-up). Needs PyTorch (`pip install torch`): a tool
for measuring, not a test.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_twin import build


ZOO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Models", "zoo")


def load_spec(name):
    """A zoo entry by name, or a spec .json by path."""
    path = name if name.endswith(".json") else os.path.join(ZOO, f"{name}.json")
    with open(path) as f:
        return json.load(f)


def loss_and_targets(spec):
    """The spec's loss as PyTorch's, and whether it takes one-hot targets."""
    loss = spec.get("loss", {})
    kind, logits = loss.get("kind", "cross_entropy"), loss.get("from_logits", True)
    if kind == "cross_entropy":
        return (nn.CrossEntropyLoss() if logits else (lambda p, y: F.nll_loss(torch.log(p), y))), False
    if kind == "binary_cross_entropy":
        return (nn.BCEWithLogitsLoss() if logits else nn.BCELoss()), True
    return nn.MSELoss(), True


def optimizer_for(spec, parameters):
    """The spec's optimizer with its hyperparameters (a schedule's changes of lr cost nothing to time)."""
    settings = dict(spec.get("training", {}).get("optimizer", {"kind": "sgd", "lr": 0.01}))
    kind = settings.pop("kind")
    if "betas" in settings:
        settings["betas"] = tuple(settings["betas"])
    return {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind](parameters, **settings)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a zoo entry's name or a spec .json")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    spec = load_spec(args.model)
    model = build(spec)
    loss_function, one_hot = loss_and_targets(spec)
    optimizer = optimizer_for(spec, model.parameters())
    images = torch.rand(args.batch_size, *spec["input_shape"])
    labels = torch.randint(0, spec["classes"], (args.batch_size,))
    target = F.one_hot(labels, spec["classes"]).float() if one_hot else labels

    def train(steps):
        model.train()
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=True)
            loss_function(model(images), target).backward()
            optimizer.step()

    def infer(steps):
        model.eval()
        with torch.no_grad():
            for _ in range(steps):
                model(images)

    def rate(work):
        work(5)
        timings = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            work(args.steps)
            timings.append(args.steps * args.batch_size / (time.perf_counter() - start))
        return statistics.median(timings)

    result = {"model": spec["name"], "framework": f"PyTorch {torch.__version__}", "cpu": cpu_model(), "threads": args.threads,
              "batch_size": args.batch_size, "parameters": sum(p.numel() for p in model.parameters()),
              "train_images_per_second": rate(train), "inference_images_per_second": rate(infer),
              # ru_maxrss is in KiB on Linux: the process's peak, training included.
              "peak_resident_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value:,.0f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
