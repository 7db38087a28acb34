#!/usr/bin/env bash
# The project's test command: installs what the machine lacks, runs every tool in Tools/ at least
# briefly (so none can rot), then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
python3 -c "import h5py, onnx, onnxruntime, PIL" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check h5py onnx onnxruntime pillow
# The committed Swift of onnx-subset.proto is what the generator made of the committed .proto.
Tools/generate_onnx_proto.sh --check
swift build --build-tests
# Checkpoints read with h5dump, h5py (Tools/read_checkpoint.py) and torch.optim where installed.
Tools/check_interop.sh .build/debug/cnn-zoo
# The PyTorch twins' modules for every entry (the twins themselves need PyTorch: a benchmark, not a test).
python3 Tools/torch_twin.py Models/zoo/*.json > /dev/null
# The example plugin, a separate package: its own tests (with CNNZooTesting's checks), then its
# libraries and cnn-zoo-gn for the plugin tests below.
swift build --package-path Tools/groupnorm-plugin --build-tests
swift test --package-path Tools/groupnorm-plugin --skip-build --disable-swift-testing
export CNN_ZOO_TEST_PLUGINS="$PWD/Tools/groupnorm-plugin/.build/debug"
# Every zoo entry exported to ONNX and checked by onnx.checker and onnxruntime; an import, round
# trip and fine-tune; the example plugin's layer through its export hook.
Tools/check_onnx.sh .build/debug/cnn-zoo 300
# A package that depends on cnn-zoo by URL (from: and branch:), running the README's example.
Tools/check_consumer.sh
# Short forms of the long-running tools: a few kills of the soak, 5,000 inputs to each fuzzer,
# one round of the PyTorch comparison (cnn-zoo alone where PyTorch is not installed) and of the
# plugin boundary's.
Tools/kill_soak.sh 3 .build/debug/cnn-zoo 600
for target in idx spec checkpoint image; do
    # A fixed seed and run count: the same inputs on every machine, so a pass is not luck.
    Tools/fuzz/run.sh "$target" 120 -seed=1 -runs=5000 | grep -E "^Done [0-9]+ runs|ERROR|SUMMARY|Test unit written"
done
# Two simulated machines on 1 Gb/s links, briefly (nothing to measure where namespaces cannot be made).
python3 Tools/measure_scaling.py .build/debug/cnn-zoo --machines 2 --rates 1gbit --reductions chain,all-gather \
    --steps 2,4 --repeats 1 --rounds 1 --compute-repeats 1 || [ $? -eq 77 ]
CNN_ZOO_BINARY=.build/debug/cnn-zoo Tools/compare_pytorch.sh 1 2
CNN_ZOO_CONFIGURATION=debug Tools/compare_plugin.sh 1 2
python3 -m py_compile Tools/bench_pytorch.py
# Every test is XCTest; without Swift Testing the run closes on XCTest's summary line.
swift test --skip-build --disable-swift-testing
