#!/usr/bin/env bash
# Packages that depend on cnn-zoo by URL, as a user adds it, built from the README as it stands:
# a bare clone of this checkout's HEAD, tagged 0.3.0, named by its file:// URL with
# `from: "0.3.0"` and then with `branch: "main"`. The package holds
#   - the README's "Train from Swift" example, run as a program (with Tools/consumer/Products.swift,
#     which imports every library product),
#   - the README's plugin (a layer and an optimizer, with its two C symbols) as a dynamic library,
#     loaded into the stock cnn-zoo built from the same dependency and trained with,
#   - the README's tests of the plugin, which use CNNZooTesting.
#   Tools/check_consumer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --bare . "$work/cnn-zoo.git"
git -C "$work/cnn-zoo.git" tag 0.3.0 HEAD
git -C "$work/cnn-zoo.git" branch --force main HEAD
package=$work/consumer
mkdir -p "$package/Sources/consumer" "$package/Sources/MyLayers" "$package/Tests/MyLayersTests"
cp Tools/consumer/Products.swift "$package/Sources/consumer/"
python3 - README.md "$package" <<'PY'
import re, sys
text, package = open(sys.argv[1]).read(), sys.argv[2]
blocks = dict(re.findall(r"<!-- Tools/check_consumer.sh ([^>]*?) -->\n```swift\n(.*?)```", text, re.S))
def block(words):
    found = [code for marker, code in blocks.items() if marker.startswith(words)]
    assert len(found) == 1, f"the README has no block marked '{words}'"
    return found[0]
open(f"{package}/Sources/consumer/main.swift", "w").write(block("builds and runs this block"))
open(f"{package}/Sources/MyLayers/MyLayers.swift", "w").write(block("builds this block as a plugin library")
                                                           + "\n" + block("adds this block to the plugin library"))
open(f"{package}/Tests/MyLayersTests/LearnedScaleTests.swift", "w").write(block("runs these tests on the plugin"))
PY

manifest() {
    cat > "$package/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription

let cnnZoo = "cnn-zoo"
let package = Package(
    name: "consumer",
    products: [.library(name: "MyLayers", type: .dynamic, targets: ["MyLayers"])],
    dependencies: [.package(url: "file://$work/cnn-zoo.git", $1)],
    targets: [
        .target(name: "MyLayers", dependencies: [.product(name: "CNNZoo", package: cnnZoo)]),
        .executableTarget(name: "consumer", dependencies: ["MyLayers"] + [
            "CNNZoo", "CNNZooData", "CNNZooCheckpoint", "CNNZooModels", "CNNZooPlots", "CNNZooDistributed", "CNNZooCLI",
            "CNNZooTesting", "CNNZooTraining",
        ].map { .product(name: \$0, package: cnnZoo) }),
        .testTarget(name: "MyLayersTests", dependencies: [
            "MyLayers", .product(name: "CNNZoo", package: cnnZoo), .product(name: "CNNZooTesting", package: cnnZoo),
        ]),
    ]
)
SWIFT
}

spec='{"name": "scaled-net", "input_shape": [1, 28, 28], "classes": 10, "loss": {"kind": "cross_entropy"},
 "layers": [{"kind": "learned_scale", "start": 0.5}, {"kind": "conv2d", "out_channels": 4, "kernel": 3},
            {"kind": "relu"}, {"kind": "flatten"}, {"kind": "dense", "units": 10}],
 "training": {"optimizer": {"kind": "sign_descent", "lr": 0.001}}}'
for requirement in 'from: "0.3.0"' 'branch: "main"'; do
    manifest "$requirement"
    # The same scratch folder for both: the second build finds the same commit already built.
    (cd "$package" && swift package update > "$work/resolve.log" 2>&1) || { cat "$work/resolve.log" >&2; exit 1; }
    (cd "$package" && swift build --build-tests > "$work/build.log" 2>&1 && swift build --product cnn-zoo >> "$work/build.log" 2>&1) \
        || { tail -30 "$work/build.log" >&2; exit 1; }
    (cd "$package" && swift test --skip-build --disable-swift-testing > "$work/test.log" 2>&1) || { cat "$work/test.log" >&2; exit 1; }
    tests=$(grep -o "Executed [0-9]* tests, with 0 failures" "$work/test.log" | tail -1)
    # The example trains on Fashion-MNIST in a folder of its own, as a user would run it.
    mkdir -p "$work/run"
    output=$(cd "$work/run" && "$package/.build/debug/consumer")
    # The plugin in the stock cnn-zoo of the same dependency.
    echo "$spec" > "$work/run/scaled-net.json"
    trained=$(cd "$work/run" && "$package/.build/debug/cnn-zoo" --plugin "$package/.build/debug/libMyLayers.so" \
        train scaled-net.json --dataset fashion-mnist --limit 200 --epochs 1 --json 2> /dev/null)
    grep -q '"test_accuracy"' <<< "$trained"
    echo "consumer ($requirement): plugin tests: $tests; example:" $output "; plugin trained in cnn-zoo: $trained"
    rm -rf "$work/run"
done
