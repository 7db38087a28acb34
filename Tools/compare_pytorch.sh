#!/usr/bin/env bash
# Side by side, in one run on this machine: cnn-zoo and its PyTorch twins (Tools/bench_pytorch.py),
# alternating, for the zoo entries named (mnist-16-32-64 and mnist-small unless named) at batch 64 and
# 2 threads; prints the ratio table, with peak memory, the CPU model and OpenBLAS's kernel choice.
# Needs PyTorch (pip install torch numpy).
#   Tools/compare_pytorch.sh [rounds] [steps] [entry…]     e.g. 3 60 mnist-resnet mnist-inception
#   CNN_ZOO_BINARY=.build/debug/cnn-zoo Tools/compare_pytorch.sh 1 2   that binary instead of a release build
# Without PyTorch it times cnn-zoo alone and says so (the test command runs it that way, briefly).
#   CNN_ZOO_COMPARE_ISA=avx2 Tools/compare_pytorch.sh …   both sides limited to AVX2 + FMA on an AVX-512
#       machine (cnn-zoo's avx2 kernels, OpenBLAS's Haswell kernels, PyTorch's and oneDNN's AVX2 code):
#       the instruction set of an AVX2-only CPU such as Zen 3, though not its caches or clocks.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
steps=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
models=${*:-mnist-16-32-64 mnist-small}
binary=${CNN_ZOO_BINARY:-}
if [ -z "$binary" ]; then
    swift build -c release --product cnn-zoo > /dev/null
    binary=.build/release/cnn-zoo
fi
torch=yes
if ! python3 -c "import torch" 2> /dev/null; then
    torch=
    echo "compare_pytorch: PyTorch is not installed (pip install torch numpy): timing cnn-zoo alone" >&2
fi
if [ "${CNN_ZOO_COMPARE_ISA:-}" = avx2 ]; then
    export CNN_ZOO_KERNELS=avx2 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
    for model in $models; do
        "$binary" bench "$model" --batch-size 64 --threads 2 --steps "$steps" --repeats 3 --json 2>/dev/null > "$work/zoo-$model-$round.json"
        if [ -n "$torch" ]; then
            python3 Tools/bench_pytorch.py "$model" --batch-size 64 --threads 2 --steps "$steps" --repeats 3 --json > "$work/torch-$model-$round.json"
        fi
    done
done
python3 - "$work" "$rounds" "$torch" $models <<'PY'
import json, statistics, sys, glob
work, rounds, torch_present, models = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "yes", sys.argv[4:]
def load(prefix, model):
    return [json.load(open(f"{work}/{prefix}-{model}-{r}.json")) for r in range(1, rounds + 1)]
first = load("zoo", models[0])[0]
if not torch_present:
    print(f"CPU: {first['cpu']} ({first['vector_extensions']}); OpenBLAS kernels: {first['blas']}; no PyTorch to compare with")
    print("| model | measure | cnn-zoo img/s |")
    print("|---|---|---:|")
    for model in models:
        for key, name in (("train_images_per_second", "training"), ("inference_images_per_second", "inference")):
            print(f"| {model} | {name} | {statistics.median(r[key] for r in load('zoo', model)):,.0f} |")
    sys.exit(0)
torch_first = load("torch", models[0])[0]
print(f"CPU: {first['cpu']} ({first['vector_extensions']}); OpenBLAS kernels: {first['blas']}; {torch_first['framework']}")
print(f"cnn-zoo kernels: {first['kernels']}")
print(f"batch 64, 2 threads, synthetic images; medians over {rounds} alternating rounds (each itself a median of 3 runs)")
print("'each round': the ratio of the two runs made side by side in each round, lowest to highest — the spread this machine's noise gives\n")
print("| model | measure | cnn-zoo img/s | PyTorch img/s | ratio | each round |")
print("|---|---|---:|---:|---:|---:|")
for model in models:
    zoo, torch = load("zoo", model), load("torch", model)
    for key, name in (("train_images_per_second", "training"), ("inference_images_per_second", "inference")):
        a = statistics.median(r[key] for r in zoo)
        b = statistics.median(r[key] for r in torch)
        paired = sorted(z[key] / t[key] for z, t in zip(zoo, torch))
        print(f"| {model} | {name} | {a:,.0f} | {b:,.0f} | {a / b:.2f}× | {paired[0]:.2f}–{paired[-1]:.2f}× |")
print("\n| model | peak resident memory, cnn-zoo bench | PyTorch twin |")
print("|---|---:|---:|")
for model in models:
    zoo, torch = load("zoo", model), load("torch", model)
    print(f"| {model} | {max(r['peak_resident_mb'] for r in zoo):,.0f} MB | {max(r['peak_resident_mb'] for r in torch):,.0f} MB |")
runs = load("zoo", models[0])
sgemm = statistics.median(r["sgemm_gflops"] for r in runs)
compute = statistics.median(r["train_gflops"] for r in runs)
shares = sorted(100 * r["train_gflops"] / r["sgemm_gflops"] for r in runs)
print(f"\n{models[0]} training compute {compute:.1f} GFLOP/s = {100 * compute / sgemm:.0f}% of this machine's sgemm 512³ ({sgemm:.1f} GFLOP/s);"
      f" each round {shares[0]:.0f}–{shares[-1]:.0f}%")
performed = statistics.median(r.get("train_gflops_performed", r["train_gflops"]) for r in runs)
if performed < compute:
    print(f"  counting a direct convolution's multiplies; Winograd performs fewer: {performed:.1f} GFLOP/s performed"
          f" = {100 * performed / sgemm:.0f}% of sgemm")
PY
