#!/usr/bin/env python3
"""The PyTorch twin of a cnn-zoo model: any spec, chain or graph, read from its JSON.

    python3 Tools/torch_twin.py Models/zoo/mnist-resnet.json          # the twin's modules, one a line
    python3 Tools/torch_twin.py --check run.h5 --data DIR             # the checkpoint's weights in the
                                                                      #   twin: its test accuracy beside
                                                                      #   cnn-zoo eval's (needs PyTorch)

Each layer becomes the PyTorch module that computes what the cnn-zoo kind computes (conv2d →
nn.Conv2d with its groups, batchnorm2d → nn.BatchNorm2d, add → a sum, concat → torch.cat along
channels, ...), held as an attribute named as the layer, so the twin's state_dict keys are the
checkpoint's ("s1b1_conv1.weight"), and run in spec order, each layer on the outputs it names.
Tools/read_checkpoint.py --torch writes a state_dict this twin loads; Tools/bench_pytorch.py times
it. Without PyTorch only the listing works (the test command runs it so).
"""
import argparse
import json
import math
import os
import subprocess
import sys


def pair(value):
    return tuple(value) if isinstance(value, list) else (value, value)


def padding(value):
    """cnn-zoo's padding (p, [h, w] or [top, bottom, left, right]) as (top, bottom, left, right)."""
    if not isinstance(value, list):
        return (value,) * 4
    if len(value) == 2:
        return (value[0], value[0], value[1], value[1])
    return tuple(value)


def layer_settings(layer):
    return {k: v for k, v in layer.items() if k not in ("name", "kind", "inputs")}


def plan(spec):
    """[(name, kind, inputs, settings, input_shapes, output_shape)] in spec order: the shapes each
    layer sees, worked out as cnn-zoo works them out, so the twin's modules can be sized."""
    shapes = {"input": list(spec["input_shape"])}
    previous = "input"
    steps = []
    for layer in spec["layers"]:
        name, kind, settings = layer["name"], layer["kind"], layer_settings(layer)
        inputs = layer.get("inputs", [previous])
        given = [shapes[i] for i in inputs]
        shape = given[0]
        if kind == "conv2d" or kind in ("maxpool2d", "avgpool2d"):
            kh, kw = pair(settings["kernel"])
            default_stride = 1 if kind == "conv2d" else settings["kernel"]
            sh, sw = pair(settings.get("stride", default_stride))
            top, bottom, left, right = padding(settings.get("padding", 0))
            height = (shape[1] + top + bottom - kh) // sh + 1
            width = (shape[2] + left + right - kw) // sw + 1
            channels = settings["out_channels"] if kind == "conv2d" else shape[0]
            out = [channels, height, width]
        elif kind == "dense":
            out = [settings["units"]]
        elif kind == "flatten":
            out = [math.prod(shape)]
        elif kind == "reshape":
            target = list(settings["shape"])
            total = 1
            for extent in shape:
                total *= extent
            known = 1
            for extent in target:
                known *= extent if extent != -1 else 1
            out = [total // known if extent == -1 else extent for extent in target]
        elif kind == "global_avg_pool":
            out = [shape[0]]
        elif kind == "concat":
            out = [sum(s[0] for s in given)] + shape[1:]
        else:
            out = list(shape)
        shapes[name] = out
        steps.append((name, kind, inputs, settings, given, out))
        previous = name
    return steps


def describe(step):
    name, kind, inputs, settings, given, out = step
    return f"{name:<20} {kind:<16} {', '.join(inputs):<40} -> {'x'.join(map(str, out))}"


def build(spec):
    """The twin as an nn.Module whose forward runs the spec's graph."""
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

    class Padded(nn.Module):
        """A convolution or pooling after explicit zero padding, for unequal sides (seed 004's pool)."""

        def __init__(self, sides, inner):
            super().__init__()
            self.sides, self.inner = sides, inner

        def forward(self, x):
            top, bottom, left, right = self.sides
            return self.inner(F.pad(x, (left, right, top, bottom)))

    class Lambda(nn.Module):
        def __init__(self, function):
            super().__init__()
            self.function = function

        def forward(self, *xs):
            return self.function(*xs)

    def windowed(settings, make):
        top, bottom, left, right = padding(settings.get("padding", 0))
        if top == bottom and left == right:
            return make((top, left))
        return Padded((top, bottom, left, right), make((0, 0)))

    def module(kind, settings, given):
        shape = given[0]
        if kind == "conv2d":
            def conv(pad):
                return nn.Conv2d(shape[0], settings["out_channels"], pair(settings["kernel"]), stride=pair(settings.get("stride", 1)),
                                 padding=pad, groups=settings.get("groups", 1), bias=settings.get("bias", True))
            layer = windowed(settings, conv)
            return layer
        if kind == "maxpool2d":
            stride = pair(settings.get("stride", settings["kernel"]))
            top, bottom, left, right = padding(settings.get("padding", 0))
            # cnn-zoo pads a max-pool with zeros, as the seeds do; PyTorch's own padding is −∞.
            return Padded((top, bottom, left, right), nn.MaxPool2d(pair(settings["kernel"]), stride))
        if kind == "avgpool2d":
            stride = pair(settings.get("stride", settings["kernel"]))
            include = settings.get("count_include_pad", True)
            return windowed(settings, lambda pad: nn.AvgPool2d(pair(settings["kernel"]), stride, pad, count_include_pad=include))
        if kind == "batchnorm2d":
            return nn.BatchNorm2d(shape[0], eps=settings.get("eps", 1e-5), momentum=settings.get("momentum", 0.1))
        if kind == "dense":
            return nn.Linear(shape[0], settings["units"], bias=settings.get("bias", True))
        if kind == "bias":
            return PositionBias(tuple(shape))
        if kind == "relu":
            return nn.ReLU()
        if kind == "leaky_relu":
            return nn.LeakyReLU(settings.get("negative_slope", 0.01))
        if kind == "sigmoid":
            return nn.Sigmoid()
        if kind == "tanh":
            return nn.Tanh()
        if kind == "softmax":
            return nn.Softmax(dim=1)
        if kind == "dropout":
            return nn.Dropout(settings.get("rate", 0.5))
        if kind == "flatten":
            return nn.Flatten()
        if kind == "reshape":
            return nn.Unflatten(1, tuple(settings["shape"])) if len(settings["shape"]) > 1 else nn.Flatten()
        if kind == "global_avg_pool":
            return Lambda(lambda x: x.mean(dim=(2, 3)))
        if kind == "add":
            return Lambda(lambda *xs: sum(xs[1:], xs[0]))
        if kind == "concat":
            return Lambda(lambda *xs: torch.cat(xs, dim=1))
        raise SystemExit(f"torch_twin: layer kind '{kind}' has no PyTorch twin here")

    class Twin(nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = [(name, inputs) for name, _, inputs, _, _, _ in plan(spec)]
            for name, kind, _, settings, given, _ in plan(spec):
                self.add_module(name, module(kind, settings, given))

        def forward(self, x):
            outputs = {"input": x}
            for name, inputs in self.steps:
                outputs[name] = getattr(self, name)(*(outputs[i] for i in inputs))
            return outputs[self.steps[-1][0]]

    twin = Twin()
    # Padded modules hold their convolution as .inner: name its parameters as the checkpoint does.
    twin.register_load_state_dict_pre_hook(_padded_keys(twin))
    return twin


def _padded_keys(twin):
    inner = {name for name, child in twin.named_children() if hasattr(child, "inner")}

    def hook(module, state_dict, prefix, *args):
        for key in list(state_dict):
            layer = key.split(".", 1)[0]
            if layer in inner and not key.startswith(layer + ".inner."):
                state_dict[layer + ".inner." + key.split(".", 1)[1]] = state_dict.pop(key)
    return hook


def load_checkpoint_weights(twin, path):
    """The checkpoint's weights and buffers into the twin; only num_batches_tracked, which cnn-zoo
    does not keep, may be left out."""
    import h5py
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import read_checkpoint

    with h5py.File(path, "r") as f:
        state = {k: torch.from_numpy(v) for k, v in read_checkpoint.weights(f).items()}
    result = twin.load_state_dict(state, strict=False)
    missing = [key for key in result.missing_keys if not key.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise SystemExit(f"torch_twin: the checkpoint does not fit the twin: missing {missing}, unexpected {result.unexpected_keys}")


def read_idx(path):
    """An IDX file, gzipped or not, as a NumPy array."""
    import gzip
    import numpy as np

    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def check(path, data, binary):
    """The twin's test accuracy with the checkpoint's weights, beside `cnn-zoo eval`'s."""
    import h5py
    import numpy as np
    import torch

    with h5py.File(path, "r") as f:
        value = f.attrs["model_spec"]
        spec = json.loads(value.decode() if isinstance(value, bytes) else value)
    twin = build(spec)
    load_checkpoint_weights(twin, path)
    twin.eval()
    images = read_idx(os.path.join(data, "t10k-images-idx3-ubyte")).astype(np.float32) * np.float32(1 / 255)  # as cnn-zoo scales
    labels = read_idx(os.path.join(data, "t10k-labels-idx1-ubyte")).astype(np.int64)
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), 500):
            x = torch.from_numpy(images[start:start + 500]).reshape(-1, *spec["input_shape"])
            correct += int((twin(x).argmax(1).numpy() == labels[start:start + 500]).sum())
    twin_accuracy = 100 * correct / len(images)
    evaluated = json.loads(subprocess.run([binary, "eval", path, "--data", data, "--json"], check=True,
                                          capture_output=True, text=True).stdout)
    zoo_accuracy = 100 * evaluated["accuracy"]
    print(json.dumps({"model": spec["name"], "images": len(images), "cnn_zoo_accuracy": round(zoo_accuracy, 3),
                      "pytorch_twin_accuracy": round(twin_accuracy, 3),
                      "difference_points": round(abs(zoo_accuracy - twin_accuracy), 3), "torch": torch.__version__}))
    return abs(zoo_accuracy - twin_accuracy) <= 0.05


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", nargs="*", help="spec .json files to list as their twins")
    parser.add_argument("--check", metavar="CHECKPOINT", help="compare the twin's test accuracy with cnn-zoo eval's")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="IDX test files (t10k-*)")
    parser.add_argument("--binary", default=".build/release/cnn-zoo", help="the cnn-zoo to run eval with")
    args = parser.parse_args()
    if args.check:
        sys.exit(0 if check(args.check, args.data, args.binary) else 1)
    for path in args.spec:
        with open(path) as f:
            spec = json.load(f)
        print(f"# {spec['name']}")
        for step in plan(spec):
            print(describe(step))


if __name__ == "__main__":
    main()
