#!/usr/bin/env python3
"""Load a cnn-zoo checkpoint's optimizer state into torch.optim and check PyTorch reads it as meant.

    python3 Tools/check_torch_optimizer.py run.h5

Builds the optimizer the checkpoint names (torch.optim.SGD, Adam or AdamW) over its weights,
loads the exported state_dict, and takes one step with zero gradients: every weight must move
exactly as the update rule says for the stored slots and step count (which checks that the step
count, each slot's name and each parameter's number map one to one). Skips, with exit 0, where
PyTorch is not installed: it is a large download and not needed to use cnn-zoo.
"""
import sys

import h5py
import numpy as np

try:
    import torch
except ImportError:
    print("check_torch_optimizer: skipped, PyTorch is not installed (pip install torch)")
    sys.exit(0)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import read_checkpoint as rc  # noqa: E402


def expected_after_zero_gradient_step(kind, settings, step, theta, state):
    """θ after one step with g = 0 (plus L2 decay), worked in float64 from the stored state."""
    lr, decay = settings["lr"], settings.get("weight_decay", 0.0)
    theta = theta.astype(np.float64)
    if kind == "sgd":
        g = decay * theta
        if "momentum_buffer" not in state:
            return theta - lr * g
        b = settings["momentum"] * state["momentum_buffer"] + (1 - settings["dampening"]) * g
        return theta - lr * (g + settings["momentum"] * b if settings["nesterov"] else b)
    beta1, beta2 = settings["betas"]
    if kind == "adamw":
        theta, g = theta * (1 - lr * decay), 0.0 * theta
    else:
        g = decay * theta
    m = beta1 * state["exp_avg"] + (1 - beta1) * g
    v = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
    if settings.get("amsgrad"):
        v = np.maximum(state["max_exp_avg_sq"], v)
    t = step + 1
    return theta - lr / (1 - beta1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - beta2 ** t) + settings["eps"])


def main():
    path = sys.argv[1]
    with h5py.File(path, "r") as f:
        kind = rc.text(f["optimizer"].attrs["kind"])
        step = int(f["optimizer"].attrs["step"])
        settings = rc.hyperparameters(f)
        weights = rc.weights(f)
        slots = {slot: {key: d[()].astype(np.float64) for key, d in stored.items()} for slot, stored in rc.slots(f).items()}
        exported = rc.torch_optimizer_state(f)
    params = [torch.nn.Parameter(torch.from_numpy(value.copy())) for value in weights.values()]
    make = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    optimizer = make(params, **settings)
    optimizer.load_state_dict(exported)
    for p in params:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    worst = 0.0
    for (key, theta), p in zip(weights.items(), params):
        state = {slot: stored[key] for slot, stored in slots.items()}
        want = expected_after_zero_gradient_step(kind, settings, step, theta, state)
        got = p.detach().numpy().astype(np.float64)
        worst = max(worst, float(np.max(np.abs(got - want) / (np.abs(want) + 1e-3))))
    if worst > 1e-5:
        print(f"{path}: torch.optim.{make.__name__} moved the weights unlike the stored state says (relative error {worst:.2e})",
              file=sys.stderr)
        return 1
    print(f"check_torch_optimizer: torch.optim.{make.__name__} {torch.__version__} loaded {path} "
          f"(step {step}, slots {sorted(slots)}); a zero-gradient step agrees with the stored state (worst {worst:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
