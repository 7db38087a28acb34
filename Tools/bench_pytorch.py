#!/usr/bin/env python3
"""PyTorch twins of cnn-zoo's mnist-16-32-64 and mnist-small, timed as `cnn-zoo bench` times them.

    python3 Tools/bench_pytorch.py mnist-16-32-64 --batch-size 64 --threads 2 --json

Same layers and shapes, same loss, same optimizer and hyperparameters as the zoo entries, synthetic
images, the same batch and thread count; prints training and inference images/s (medians of
--repeats timed runs of --steps batches, after warm-up). Needs PyTorch (`pip install torch`): a tool
for measuring, not a test.
"""
import argparse
import json
import platform
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class PositionBias(nn.Module):
    """cnn-zoo's `bias` layer: one learned value per (channel, row, column)."""

    def __init__(self, shape):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(shape))

    def forward(self, x):
        return x + self.bias


class Pool(nn.Module):
    """Seed 004's 3×3/2 max-pool with one zero row and column added at the bottom and right."""

    def forward(self, x):
        return F.max_pool2d(F.pad(x, (0, 1, 0, 1)), 3, 2)


def mnist_16_32_64():
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), PositionBias((16, 28, 28)), nn.ReLU(), Pool(),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), PositionBias((32, 14, 14)), nn.ReLU(), Pool(),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), PositionBias((64, 7, 7)), nn.ReLU(),
        nn.Flatten(), nn.Linear(3136, 100), nn.ReLU(), nn.Linear(100, 10))
    return model, nn.CrossEntropyLoss(), dict(lr=0.01, momentum=0.9), False


def mnist_small():
    model = nn.Sequential(
        nn.Conv2d(1, 5, 3, bias=False), PositionBias((5, 26, 26)), nn.Sigmoid(),
        nn.Flatten(), nn.Linear(3380, 100), nn.Sigmoid(), nn.Linear(100, 10))
    return model, nn.BCEWithLogitsLoss(), dict(lr=0.1, momentum=0.9), True


MODELS = {"mnist-16-32-64": mnist_16_32_64, "mnist-small": mnist_small}


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
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    model, loss_function, hyper, one_hot = MODELS[args.model]()
    optimizer = torch.optim.SGD(model.parameters(), **hyper)
    images = torch.rand(args.batch_size, 1, 28, 28)
    labels = torch.randint(0, 10, (args.batch_size,))
    target = F.one_hot(labels, 10).float() if one_hot else labels

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

    result = {"model": args.model, "framework": f"PyTorch {torch.__version__}", "cpu": cpu_model(), "threads": args.threads,
              "batch_size": args.batch_size, "parameters": sum(p.numel() for p in model.parameters()),
              "train_images_per_second": rate(train), "inference_images_per_second": rate(infer)}
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value:,.0f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
