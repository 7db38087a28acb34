#!/usr/bin/env python3
"""Read a cnn-zoo checkpoint with h5py: print it, check it against the format, export it.

    python3 Tools/read_checkpoint.py run.h5            # summary, then check (exit 1 on problems)
    python3 Tools/read_checkpoint.py run.h5 --npz w.npz  # weights as a NumPy .npz keyed conv1.weight, ...

Into PyTorch (the keys and layouts are a PyTorch state_dict's):

    import h5py, torch
    with h5py.File("run.h5", "r") as f:
        state = {f"{layer}.{name}": torch.from_numpy(f["weights"][layer][name][()])
                 for layer in f["weights"] for name in f["weights"][layer]}
    model.load_state_dict(state)

The format is specified in Sources/CNNZooCheckpoint/FORMAT.md.
"""
import argparse
import json
import sys

import h5py
import numpy as np

FORMAT_NAME = "cnn-zoo checkpoint"
FORMAT_VERSION = 1


def tensors(group):
    """{"layer.param": array} for a <group>/<layer>/<param> tree."""
    out = {}
    for layer in group:
        for name in group[layer]:
            out[f"{layer}.{name}"] = group[layer][name]
    return out


def check(f):
    problems = []

    def need(condition, message):
        if not condition:
            problems.append(message)

    for key in ("format", "writer", "model_name", "model_spec", "created"):
        need(isinstance(f.attrs.get(key), str), f"root attribute {key!r} must be a str")
    need(f.attrs.get("format") == FORMAT_NAME, f"format must be {FORMAT_NAME!r}")
    need(int(f.attrs.get("format_version", -1)) == FORMAT_VERSION, f"format_version must be {FORMAT_VERSION}")
    try:
        spec = json.loads(f.attrs["model_spec"])
        layer_names = {layer["name"] for layer in spec["layers"]}
        need(spec["name"] == f.attrs["model_name"], "model_name differs from the spec's name")
    except Exception as error:  # noqa: BLE001 - any failure here is a format problem
        problems.append(f"model_spec is not a valid spec: {error}")
        layer_names = set()

    for group in ("weights", "optimizer", "optimizer/momentum_buffers", "training", "training/history"):
        need(group in f and isinstance(f[group], h5py.Group), f"group /{group} is missing")
    if problems:
        return problems

    weights = tensors(f["weights"])
    need(len(weights) > 0, "no weights")
    for key, dataset in weights.items():
        need(dataset.dtype == np.float32, f"weights {key} must be float32, is {dataset.dtype}")
        need(key.rsplit(".", 1)[0] in layer_names, f"weights {key} belongs to no layer of the spec")
        need(bool(np.all(np.isfinite(dataset[()]))), f"weights {key} has non-finite values")
    for key, dataset in tensors(f["optimizer/momentum_buffers"]).items():
        need(key in weights, f"momentum buffer {key} has no weight")
        if key in weights:
            need(dataset.shape == weights[key].shape, f"momentum buffer {key} is {dataset.shape}, weight is {weights[key].shape}")

    optimizer = f["optimizer"].attrs
    need(optimizer.get("kind") == "sgd", "optimizer kind must be 'sgd'")
    for key in ("lr", "momentum", "dampening", "weight_decay"):
        need(isinstance(optimizer.get(key), (float, np.floating)), f"optimizer attribute {key!r} must be a float64")
    training = f["training"].attrs
    for key in ("epoch", "batch_in_epoch", "global_step", "total_epochs", "batch_size", "limit", "running_correct", "running_seen"):
        need(isinstance(training.get(key), (int, np.integer)) and training.get(key) >= 0, f"training attribute {key!r} must be an int64 ≥ 0")
    for key in ("seed", "lr_schedule", "dataset", "data_directory", "classes"):
        need(isinstance(training.get(key), str), f"training attribute {key!r} must be a str")
    need(int(optimizer.get("step", -1)) == int(training.get("global_step", -2)), "optimizer step differs from training global_step")
    state = f["training/random_state"]
    need(state.dtype == np.uint64 and state.shape == (4,), "training/random_state must be uint64[4]")
    history = f["training/history"]
    columns = ("epoch", "train_loss", "train_accuracy", "test_accuracy", "seconds", "lr")
    for column in columns:
        need(column in history, f"training/history/{column} is missing")
    if all(column in history for column in columns):
        lengths = {history[column].shape for column in columns}
        need(lengths == {(int(training["epoch"]),)}, f"history columns must all have epoch = {int(training['epoch'])} rows, have {lengths}")
    return problems


def summary(f):
    training = f["training"].attrs
    print(f"{f.attrs['model_name']}: written by {f.attrs['writer']}, format version {int(f.attrs['format_version'])}")
    print(f"epoch {int(training['epoch'])} of {int(training['total_epochs'])}, step {int(training['batch_in_epoch'])} "
          f"in the epoch, global step {int(training['global_step'])}, dataset {training['dataset']}")
    history = f["training/history"]
    for i in range(history["epoch"].shape[0]):
        print(f"  epoch {int(history['epoch'][i])}: train loss {history['train_loss'][i]:.4f}, "
              f"test accuracy {history['test_accuracy'][i]:.4f}")
    buffers = tensors(f["optimizer/momentum_buffers"])
    for key, dataset in tensors(f["weights"]).items():
        momentum = f"  momentum norm {np.linalg.norm(buffers[key][()]):.4f}" if key in buffers else ""
        print(f"  {key:<24} {str(dataset.shape):<18} norm {np.linalg.norm(dataset[()]):.4f}{momentum}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--npz", help="also write the weights to this .npz file, keyed like a PyTorch state_dict")
    parser.add_argument("--quiet", action="store_true", help="only check")
    args = parser.parse_args()
    try:
        f = h5py.File(args.checkpoint, "r")
    except OSError as error:
        print(f"{args.checkpoint}: cannot open with h5py: {error}", file=sys.stderr)
        return 1
    with f:
        problems = check(f)
        if problems:
            for problem in problems:
                print(f"{args.checkpoint}: {problem}", file=sys.stderr)
            return 1
        if not args.quiet:
            summary(f)
        if args.npz:
            np.savez(args.npz, **{key: dataset[()] for key, dataset in tensors(f["weights"]).items()})
        print(f"{args.checkpoint}: OK, matches cnn-zoo checkpoint format {FORMAT_VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
