#!/usr/bin/env bash
# The project's test command: installs what the machine lacks, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
python3 -c "import h5py" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check h5py
swift build --build-tests
Tools/check_interop.sh .build/debug/cnn-zoo
# The example plugin, a separate package: its own tests (BatchNorm2d against finite differences and
# PyTorch's running statistics), then its libraries and cnn-zoo-bn for the plugin tests below.
swift build --package-path Tools/batchnorm-plugin --build-tests
swift test --package-path Tools/batchnorm-plugin --skip-build --disable-swift-testing
export CNN_ZOO_TEST_PLUGINS="$PWD/Tools/batchnorm-plugin/.build/debug"
# Every test is XCTest; without Swift Testing the run closes on XCTest's summary line.
swift test --skip-build --disable-swift-testing
