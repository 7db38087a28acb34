#!/usr/bin/env bash
# A checkpoint written by `cnn-zoo train` must read cleanly with h5dump and with h5py,
# and the h5py checker must reject a damaged copy.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/cnn-zoo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$binary" train mnist-conv-pool --dataset fashion-mnist --limit 600 --epochs 2 --batch-size 32 \
    --checkpoint "$work/interop.h5" --json > "$work/train.log"
h5dump -H "$work/interop.h5" > "$work/h5dump.txt"
grep -q 'GROUP "weights"' "$work/h5dump.txt"
python3 Tools/read_checkpoint.py "$work/interop.h5" --npz "$work/weights.npz" --quiet

python3 - "$work/interop.h5" "$work/damaged.h5" <<'PY'
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    del f["optimizer/momentum_buffers/fc/weight"]
    f["optimizer/momentum_buffers/fc"].create_dataset("weight", data=[1.0, 2.0], dtype="f4")
PY
if python3 Tools/read_checkpoint.py "$work/damaged.h5" --quiet 2> "$work/damaged.txt"; then
    echo "interop: the checker accepted a damaged checkpoint" >&2
    exit 1
fi
grep -q "momentum buffer fc.weight" "$work/damaged.txt"
echo "interop: h5dump and h5py read a real checkpoint; the damaged copy was refused"
