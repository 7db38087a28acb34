#!/usr/bin/env bash
# The cost of the plugin boundary: the example plugin's mnist-16-32-64-gn (three GroupNorm
# layers behind the C table) trained by the stock cnn-zoo with the library loaded at run time,
# against cnn-zoo-gn, the same plugin code built into the program; alternating, in one run.
#   Tools/compare_plugin.sh [rounds] [steps]         release builds of both (built here)
#   CNN_ZOO_CONFIGURATION=debug Tools/compare_plugin.sh 1 2   debug builds (the test command, briefly)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-8}
steps=${2:-60}
configuration=${CNN_ZOO_CONFIGURATION:-release}
swift build -c "$configuration" --product cnn-zoo > /dev/null
swift build -c "$configuration" --package-path Tools/groupnorm-plugin > /dev/null
stock=.build/$configuration/cnn-zoo
plugins=Tools/groupnorm-plugin/.build/$configuration
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
    "$stock" --plugin "$plugins/libCNNZooGroupNorm.so" bench mnist-16-32-64-gn --steps "$steps" --repeats 3 --json 2> /dev/null > "$work/loaded-$round.json"
    "$plugins/cnn-zoo-gn" bench mnist-16-32-64-gn --steps "$steps" --repeats 3 --json 2> /dev/null > "$work/built-in-$round.json"
done
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def load(kind):
    return [json.load(open(f"{work}/{kind}-{r}.json")) for r in range(1, rounds + 1)]
loaded, built = load("loaded"), load("built-in")
print(f"CPU: {loaded[0]['cpu']} ({loaded[0]['vector_extensions']}); mnist-16-32-64-gn, batch 64, {loaded[0]['threads']} threads,"
      f" medians over {rounds} alternating rounds")
print("| measure | loaded at run time img/s | built in img/s | ratio | each round |")
print("|---|---:|---:|---:|---:|")
for key, name in (("train_images_per_second", "training"), ("inference_images_per_second", "inference")):
    a, b = statistics.median(r[key] for r in loaded), statistics.median(r[key] for r in built)
    paired = sorted(x[key] / y[key] for x, y in zip(loaded, built))
    print(f"| {name} | {a:,.0f} | {b:,.0f} | {a / b:.3f} | {paired[0]:.2f}–{paired[-1]:.2f} |")
PY
