#!/usr/bin/env python3
"""Read a cnn-zoo checkpoint with h5py: print it, check it against the format, export it.

    python3 Tools/read_checkpoint.py run.h5              # summary, then check (exit 1 on problems)
    python3 Tools/read_checkpoint.py run.h5 --npz w.npz  # weights as a NumPy .npz keyed conv1.weight, ...
    python3 Tools/read_checkpoint.py run.h5 --torch state.pt   # needs PyTorch: {"model": state_dict,
                                                               #   "optimizer": optimizer state_dict}

Into PyTorch (the keys and layouts are a PyTorch state_dict's, the optimizer state an
optimizer.state_dict()'s, parameters numbered in /weights' parameter_order):

    import torch, read_checkpoint as rc, h5py
    with h5py.File("run.h5", "r") as f:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in rc.weights(f).items()})
        optimizer.load_state_dict(rc.torch_optimizer_state(f))   # torch.optim.Adam, AdamW or SGD

Reads checkpoint format versions 1 and 2; the format is specified in
Sources/CNNZooCheckpoint/FORMAT.md. h5py verifies the Fletcher-32 checksums of format 2 as
it reads, so a damaged dataset raises an OSError here too.
"""
import argparse
import json
import sys

import h5py
import numpy as np

FORMAT_NAME = "cnn-zoo checkpoint"
FORMAT_VERSIONS = (1, 2)


def text(value):
    """A string attribute as str: format 1 stores variable-length strings (str), format 2
    fixed-length ones (bytes)."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    return value


def tensors(group):
    """{"layer.param": dataset} for a <group>/<layer>/<param> tree."""
    out = {}
    for layer in group:
        for name in group[layer]:
            out[f"{layer}.{name}"] = group[layer][name]
    return out


def version(f):
    return int(f.attrs.get("format_version", -1))


def parameter_order(f):
    """The model's parameter order: the order PyTorch's optimizer numbers parameters in."""
    if "parameter_order" in f["weights"].attrs:
        return text(f["weights"].attrs["parameter_order"]).split(",")
    spec = json.loads(text(f.attrs["model_spec"]))  # format 1: layer order, then stored names
    keys = tensors(f["weights"])
    return [key for layer in spec["layers"] for key in keys if key.rsplit(".", 1)[0] == layer["name"]]


def buffer_names(f):
    """Buffers: state saved beside the weights but not trained (BatchNorm's running_mean, ...)."""
    names = text(f["weights"].attrs.get("buffers", ""))
    return names.split(",") if names else []


def weights(f):
    """The whole state_dict as {"conv1.weight": array}: parameters in order, then buffers."""
    stored = tensors(f["weights"])
    return {key: stored[key][()] for key in parameter_order(f) + buffer_names(f)}


def slots(f):
    """{slot: {"layer.param": dataset}}: the optimizer's per-parameter state."""
    if version(f) == 1:
        return {"momentum_buffer": tensors(f["optimizer/momentum_buffers"])} if len(f["optimizer/momentum_buffers"]) else {}
    return {slot: tensors(f["optimizer/state"][slot]) for slot in f["optimizer/state"]}


def hyperparameters(f):
    """The optimizer's settings as PyTorch names them (betas a tuple, booleans as bool)."""
    out = {}
    for key, value in f["optimizer"].attrs.items():
        if key in ("kind", "step"):
            continue
        if isinstance(value, np.ndarray):
            out[key] = tuple(float(v) for v in value)
        elif isinstance(value, (int, np.integer)):
            out[key] = bool(value)
        else:
            out[key] = float(value) if not isinstance(value, (str, bytes)) else text(value)
    return out


def torch_optimizer_state(f):
    """The optimizer's state as torch.optim's state_dict(): {"state": {i: {...}}, "param_groups": [...]}."""
    import torch

    order = parameter_order(f)
    step = int(f["optimizer"].attrs["step"])
    kind = text(f["optimizer"].attrs["kind"])
    state = {}
    for slot, stored in slots(f).items():
        for index, key in enumerate(order):  # buffers have no optimizer state
            entry = state.setdefault(index, {})
            entry[slot] = torch.from_numpy(stored[key][()])
            if kind in ("adam", "adamw"):
                entry["step"] = torch.tensor(float(step))
    group = hyperparameters(f)
    group["params"] = list(range(len(order)))
    return {"state": state, "param_groups": [group]}


def check(f):
    problems = []

    def need(condition, message):
        if not condition:
            problems.append(message)

    for key in ("format", "writer", "model_name", "model_spec", "created"):
        need(isinstance(text(f.attrs.get(key)), str), f"root attribute {key!r} must be a string")
    need(text(f.attrs.get("format")) == FORMAT_NAME, f"format must be {FORMAT_NAME!r}")
    need(version(f) in FORMAT_VERSIONS, f"format_version must be one of {FORMAT_VERSIONS}")
    if problems:
        return problems
    try:
        spec = json.loads(text(f.attrs["model_spec"]))
        layer_names = {layer["name"] for layer in spec["layers"]}
        need(spec["name"] == text(f.attrs["model_name"]), "model_name differs from the spec's name")
    except Exception as error:  # noqa: BLE001 - any failure here is a format problem
        problems.append(f"model_spec is not a valid spec: {error}")
        layer_names = set()

    slot_root = "optimizer/momentum_buffers" if version(f) == 1 else "optimizer/state"
    for group in ("weights", "optimizer", slot_root, "training", "training/history"):
        need(group in f and isinstance(f[group], h5py.Group), f"group /{group} is missing")
    if problems:
        return problems

    stored = tensors(f["weights"])
    need(len(stored) > 0, "no weights")
    need(sorted(parameter_order(f) + buffer_names(f)) == sorted(stored), "parameter_order and buffers do not list exactly the stored weights")
    for key, dataset in stored.items():
        need(dataset.dtype == np.float32, f"weights {key} must be float32, is {dataset.dtype}")
        need(key.rsplit(".", 1)[0] in layer_names, f"weights {key} belongs to no layer of the spec")
        need(bool(np.all(np.isfinite(dataset[()]))), f"weights {key} has non-finite values")

    optimizer = f["optimizer"].attrs
    kind = text(optimizer.get("kind"))
    step = int(optimizer.get("step", -1))
    expected_slots = {
        "sgd": ["momentum_buffer"] if float(optimizer.get("momentum", 0)) != 0 else [],
        "adam": ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if optimizer.get("amsgrad", 0) else []),
        "adamw": ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if optimizer.get("amsgrad", 0) else []),
    }.get(kind)
    if expected_slots is not None:  # another kind comes from a plugin: its slots are its own
        expected = set(expected_slots) if step > 0 else set()
        need(set(slots(f)) == expected, f"{kind} at step {step} keeps {sorted(expected)}, the file has {sorted(slots(f))}")
    for slot, buffers in slots(f).items():
        need(set(buffers) == set(parameter_order(f)), f"optimizer state {slot} must hold one tensor per weight")
        for key, dataset in buffers.items():
            if key in stored:
                need(dataset.shape == stored[key].shape, f"optimizer state {slot} {key} is {dataset.shape}, weight is {stored[key].shape}")

    training = f["training"].attrs
    for key in ("epoch", "batch_in_epoch", "global_step", "total_epochs", "batch_size", "limit", "running_correct", "running_seen"):
        need(isinstance(training.get(key), (int, np.integer)) and training.get(key) >= 0, f"training attribute {key!r} must be an int64 ≥ 0")
    for key in ("seed", "lr_schedule", "dataset", "data_directory", "classes"):
        need(isinstance(text(training.get(key)), str), f"training attribute {key!r} must be a string")
    need(step == int(training.get("global_step", -2)), "optimizer step differs from training global_step")
    state = f["training/random_state"]
    need(state.dtype == np.uint64 and state.shape == (4,), "training/random_state must be uint64[4]")
    history = f["training/history"]
    columns = ("epoch", "train_loss", "train_accuracy", "test_accuracy", "seconds", "lr")
    for column in columns:
        need(column in history, f"training/history/{column} is missing")
    if all(column in history for column in columns):
        lengths = {history[column].shape for column in columns}
        need(lengths == {(int(training["epoch"]),)}, f"history columns must all have epoch = {int(training['epoch'])} rows, have {lengths}")
    if version(f) >= 2:
        need("step_loss" in f["training"], "training/step_loss is missing")
        if "step_loss" in f["training"]:
            logged = int(training["global_step"]) - int(training.get("step_loss_first_step", -1))
            need(f["training/step_loss"].shape == (logged,), f"training/step_loss must have {logged} rows")
    return problems


def summary(f):
    training = f["training"].attrs
    print(f"{text(f.attrs['model_name'])}: written by {text(f.attrs['writer'])}, format version {version(f)}")
    print(f"epoch {int(training['epoch'])} of {int(training['total_epochs'])}, step {int(training['batch_in_epoch'])} "
          f"in the epoch, global step {int(training['global_step'])}, dataset {text(training['dataset'])}")
    settings = ", ".join(f"{key} {value}" for key, value in hyperparameters(f).items())
    print(f"optimizer {text(f['optimizer'].attrs['kind'])}: {settings}; step {int(f['optimizer'].attrs['step'])}")
    history = f["training/history"]
    for i in range(history["epoch"].shape[0]):
        print(f"  epoch {int(history['epoch'][i])}: train loss {history['train_loss'][i]:.4f}, "
              f"test accuracy {history['test_accuracy'][i]:.4f}")
    state = slots(f)
    for key, value in weights(f).items():
        norms = "".join(f"  {slot} norm {np.linalg.norm(state[slot][key][()]):.4f}" for slot in state if key in state[slot])
        print(f"  {key:<24} {str(value.shape):<18} norm {np.linalg.norm(value):.4f}{norms}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--npz", help="also write the weights to this .npz file, keyed like a PyTorch state_dict")
    parser.add_argument("--torch", help="also write {'model': state_dict, 'optimizer': optimizer state_dict} with torch.save")
    parser.add_argument("--quiet", action="store_true", help="only check")
    args = parser.parse_args()
    try:
        f = h5py.File(args.checkpoint, "r")
    except OSError as error:
        print(f"{args.checkpoint}: cannot open with h5py: {error}", file=sys.stderr)
        return 1
    with f:
        try:
            problems = check(f)
            if problems:
                for problem in problems:
                    print(f"{args.checkpoint}: {problem}", file=sys.stderr)
                return 1
            if not args.quiet:
                summary(f)
            if args.npz:
                np.savez(args.npz, **weights(f))
            if args.torch:
                import torch
                torch.save({"model": {k: torch.from_numpy(v) for k, v in weights(f).items()},
                            "optimizer": torch_optimizer_state(f)}, args.torch)
        except OSError as error:  # a checksum failure surfaces when the data is read
            print(f"{args.checkpoint}: damaged: {error}", file=sys.stderr)
            return 1
        print(f"{args.checkpoint}: OK, matches cnn-zoo checkpoint format {version(f)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
