#!/usr/bin/env bash
# Kill-safety soak: SIGKILLs `cnn-zoo train` (saving every step) N times at random moments,
# checks after each kill that the checkpoint on disk loads, resumes to the end, and compares
# the final weights and optimizer state with an uninterrupted run (they must be identical).
#   Tools/kill_soak.sh [kills] [binary] [images]
# The test command runs a short soak: Tools/kill_soak.sh 3 .build/debug/cnn-zoo 600.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-100}
images=${3:-3000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy, so rebuilding the project during the soak cannot mix two builds in one run.
source_binary=$(realpath "${2:-.build/release/cnn-zoo}")
cp "$source_binary" "$work/cnn-zoo"
cp -r "$(dirname "$source_binary")"/cnn-zoo_CNNZooModels.resources "$work/" 2>/dev/null || true
binary="$work/cnn-zoo"
run=(mnist-16-32-64 --dataset fashion-mnist --limit "$images" --epochs 3 --batch-size 32 --threads 2)

"$binary" train "${run[@]}" --checkpoint "$work/straight.h5" --json > /dev/null

# Compares a finished killed run with the uninterrupted one: every dataset but the history
# (which records wall-clock seconds) must be identical.
compare() {
    python3 - "$work/straight.h5" "$1" <<'PY'
import sys, h5py, numpy as np
def arrays(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) and not name.startswith("training/history") else None)
    return out
x, y = arrays(sys.argv[1]), arrays(sys.argv[2])
assert x.keys() == y.keys(), (x.keys() ^ y.keys())
different = [k for k in x if not np.array_equal(x[k], y[k])]
assert not different, f"differ after kills: {different}"
PY
}
finished() {
    "$binary" inspect "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["epoch"] == d["total_epochs"] else 1)'
}

done_kills=0; checked=0; missing=0; completed=0
RANDOM=7
while [ "$done_kills" -lt "$kills" ]; do
    if [ -f "$work/killed.h5" ]; then
        "$binary" train --resume "$work/killed.h5" --save-every 1 --json > /dev/null 2>&1 &
    else
        "$binary" train "${run[@]}" --checkpoint "$work/killed.h5" --save-every 1 --json > /dev/null 2>&1 &
    fi
    pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 900 + 50)))"
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"
        # The run finished before this kill: it must equal the uninterrupted run; start afresh.
        compare "$work/killed.h5"; completed=$((completed + 1)); rm -f "$work/killed.h5"
        continue
    fi
    kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
    done_kills=$((done_kills + 1))
    if [ -f "$work/killed.h5" ]; then
        "$binary" inspect "$work/killed.h5" > /dev/null   # fails the soak if the checkpoint does not load
        checked=$((checked + 1))
    else
        missing=$((missing + 1))   # killed before its first save
    fi
done
if [ -f "$work/killed.h5" ]; then
    finished "$work/killed.h5" || "$binary" train --resume "$work/killed.h5" --json > /dev/null
    compare "$work/killed.h5"; completed=$((completed + 1))
fi
leftovers=$(ls -A "$work" | grep -c '\.tmp-' || true)
echo "kills: $done_kills, checkpoints loaded after a kill: $checked, killed before the first save: $missing, killed runs completed and identical to the uninterrupted run: $completed, leftover temporaries: $leftovers"
