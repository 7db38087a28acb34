#!/usr/bin/env bash
# Inference side by side, in one run on this machine: `cnn-zoo bench` against onnxruntime running
# the same model exported by `cnn-zoo export`, batch 64, 2 threads each, alternating; prints the
# ratio table with the CPU model. Needs pip's onnx and onnxruntime.
#   Tools/compare_onnxruntime.sh [rounds] [steps] [entry…]      (default: 3 rounds, 60 steps, every zoo entry)
#   CNN_ZOO_BINARY=.build/debug/cnn-zoo Tools/compare_onnxruntime.sh 1 2    that binary, not a release build
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
steps=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
models=${*:-$(ls Models/zoo/*.json | xargs -n 1 basename | sed 's/\.json$//')}
binary=${CNN_ZOO_BINARY:-}
if [ -z "$binary" ]; then
    swift build -c release --product cnn-zoo > /dev/null
    binary=.build/release/cnn-zoo
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in $models; do
    "$binary" export "$model" --onnx "$work/$model.onnx" --logits 2> /dev/null
done
for round in $(seq "$rounds"); do
    for model in $models; do
        "$binary" bench "$model" --batch-size 64 --threads 2 --steps "$steps" --repeats 3 --json 2> /dev/null > "$work/zoo-$model-$round.json"
        python3 - "$work/$model.onnx" "$steps" > "$work/ort-$model-$round.json" <<'PY'
import json, statistics, sys, time
import numpy as np
import onnxruntime as ort
path, steps = sys.argv[1], int(sys.argv[2])
options = ort.SessionOptions()
options.intra_op_num_threads, options.inter_op_num_threads = 2, 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
info = session.get_inputs()[0]
images = np.random.default_rng(1).random((64, *info.shape[1:]), dtype=np.float32)
for _ in range(5):
    session.run(None, {info.name: images})
rates = []
for _ in range(3):
    start = time.perf_counter()
    for _ in range(steps):
        session.run(None, {info.name: images})
    rates.append(steps * 64 / (time.perf_counter() - start))
print(json.dumps({"inference_images_per_second": statistics.median(rates), "runtime": f"onnxruntime {ort.__version__}"}))
PY
    done
done
python3 - "$work" "$rounds" $models <<'PY'
import json, statistics, sys
work, rounds, models = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def load(prefix, model):
    return [json.load(open(f"{work}/{prefix}-{model}-{r}.json")) for r in range(1, rounds + 1)]
first, ort_first = load("zoo", models[0])[0], load("ort", models[0])[0]
print(f"CPU: {first['cpu']} ({first['vector_extensions']}); OpenBLAS kernels: {first['blas']}; {ort_first['runtime']}")
print(f"inference, batch 64, 2 threads, the model `cnn-zoo export` wrote; medians over {rounds} alternating rounds (each a median of 3 runs)\n")
print("| model | cnn-zoo img/s | onnxruntime img/s | ratio | each round |")
print("|---|---:|---:|---:|---:|")
for model in models:
    zoo, ort = load("zoo", model), load("ort", model)
    key = "inference_images_per_second"
    a, b = statistics.median(r[key] for r in zoo), statistics.median(r[key] for r in ort)
    paired = sorted(z[key] / o[key] for z, o in zip(zoo, ort))
    print(f"| {model} | {a:,.0f} | {b:,.0f} | {a / b:.2f}× | {paired[0]:.2f}–{paired[-1]:.2f}× |")
PY
