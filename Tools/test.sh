#!/usr/bin/env bash
# The project's test command: installs what the machine lacks, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
swift build --build-tests
swift test --skip-build
