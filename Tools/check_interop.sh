#!/usr/bin/env bash
# Checkpoints written by `cnn-zoo train` must read cleanly with h5dump and with h5py, their
# optimizer state must load into torch.optim where PyTorch is installed, and the h5py checker
# must refuse an incomplete copy and a damaged one; the format-1 fixtures must still read.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/cnn-zoo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for optimizer in "sgd --momentum 0.9" "adam --amsgrad"; do
    "$binary" train mnist-conv-pool --dataset fashion-mnist --limit 600 --epochs 2 --batch-size 32 \
        --optimizer $optimizer --checkpoint "$work/interop.h5" --json > "$work/train.log"
    h5dump -H "$work/interop.h5" > "$work/h5dump.txt"
    grep -q 'GROUP "weights"' "$work/h5dump.txt"
    grep -q 'CHECKSUM FLETCHER32' <(h5dump -p -H "$work/interop.h5")
    python3 Tools/read_checkpoint.py "$work/interop.h5" --npz "$work/weights.npz" --quiet
    python3 Tools/check_torch_optimizer.py "$work/interop.h5"
done
for fixture in Tests/CNNZooCLITests/Fixtures/format1/*.h5; do
    python3 Tools/read_checkpoint.py "$fixture" --quiet > /dev/null
done

python3 - "$work/interop.h5" "$work/incomplete.h5" "$work/damaged.h5" <<'PY'
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    del f["optimizer/state/exp_avg/fc/weight"]
shutil.copy(sys.argv[1], sys.argv[3])
with h5py.File(sys.argv[1], "r") as f:
    offset = f["weights/fc/weight"].id.get_offset() or f["weights/fc/weight"].id.get_chunk_info(0).byte_offset
with open(sys.argv[3], "r+b") as out:
    out.seek(offset + 100)
    byte = out.read(1)
    out.seek(offset + 100)
    out.write(bytes([byte[0] ^ 0xFF]))
PY
if python3 Tools/read_checkpoint.py "$work/incomplete.h5" --quiet 2> "$work/incomplete.txt"; then
    echo "interop: the checker accepted a checkpoint missing a slot tensor" >&2
    exit 1
fi
grep -q "optimizer state exp_avg must hold one tensor per weight" "$work/incomplete.txt"
if python3 Tools/read_checkpoint.py "$work/damaged.h5" --quiet 2> "$work/damaged.txt"; then
    echo "interop: h5py read a checkpoint with a flipped byte in its weights" >&2
    exit 1
fi
grep -q "damaged" "$work/damaged.txt"
echo "interop: h5dump, h5py (and torch.optim where installed) read real checkpoints and the format-1 fixtures; the incomplete and damaged copies were refused"
