#!/usr/bin/env bash
# A Swift package that depends on cnn-zoo by URL, as a user adds it: a bare clone of this
# checkout's HEAD, tagged 0.3.0, named by its file:// URL with `from: "0.3.0"` and then with
# `branch: "main"`. The consumer imports every library product (Tools/consumer/Products.swift)
# and runs the README's "Train from Swift" example, and compiles its plugin layer, both taken
# from the README as it stands.
#   Tools/check_consumer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --bare . "$work/cnn-zoo.git"
git -C "$work/cnn-zoo.git" tag 0.3.0 HEAD
git -C "$work/cnn-zoo.git" branch --force main HEAD
mkdir -p "$work/consumer/Sources/consumer"
cp Tools/consumer/Products.swift "$work/consumer/Sources/consumer/"
# The README's Swift blocks that follow a check_consumer.sh marker: the first is the program.
python3 - README.md "$work/consumer/Sources/consumer" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"<!-- Tools/check_consumer.sh [^>]*-->\n```swift\n(.*?)```", text, re.S)
assert len(blocks) == 2, f"expected the README's two marked Swift blocks, found {len(blocks)}"
open(sys.argv[2] + "/main.swift", "w").write(blocks[0])
open(sys.argv[2] + "/ReadmePlugin.swift", "w").write(blocks[1])
PY

manifest() {
    cat > "$work/consumer/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$work/cnn-zoo.git", $1)],
    targets: [
        .executableTarget(name: "consumer", dependencies: [
            .product(name: "CNNZoo", package: "cnn-zoo"),
            .product(name: "CNNZooData", package: "cnn-zoo"),
            .product(name: "CNNZooCheckpoint", package: "cnn-zoo"),
            .product(name: "CNNZooModels", package: "cnn-zoo"),
            .product(name: "CNNZooPlots", package: "cnn-zoo"),
            .product(name: "CNNZooDistributed", package: "cnn-zoo"),
            .product(name: "CNNZooCLI", package: "cnn-zoo"),
            .product(name: "CNNZooTesting", package: "cnn-zoo"),
        ]),
    ]
)
SWIFT
}

for requirement in 'from: "0.3.0"' 'branch: "main"'; do
    manifest "$requirement"
    # The same scratch folder for both: the second build finds the same commit already built.
    (cd "$work/consumer" && swift package update > "$work/resolve.log" 2>&1) || { cat "$work/resolve.log" >&2; exit 1; }
    (cd "$work/consumer" && swift build > "$work/build.log" 2>&1) || { tail -30 "$work/build.log" >&2; exit 1; }
    # The example trains on Fashion-MNIST in a folder of its own, as a user would run it.
    mkdir -p "$work/run"
    output=$(cd "$work/run" && "$work/consumer/.build/debug/consumer")
    echo "consumer ($requirement):" $output
    rm -rf "$work/run"
done
