#!/usr/bin/env bash
# Regenerates Sources/CNNZooONNX/Protobuf/onnx-subset.pb.swift from onnx-subset.proto with protoc
# (Debian's protobuf-compiler) and swift-protobuf's protoc-gen-swift, built from the version
# Package.swift names. The generated file is committed: the build never runs the generator.
#   Tools/generate_onnx_proto.sh            regenerate (builds protoc-gen-swift once: minutes)
#   Tools/generate_onnx_proto.sh --check    only check that the committed file was generated from
#                                           the committed .proto (the test command runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
folder=Sources/CNNZooONNX/Protobuf
proto=$folder/onnx-subset.proto
generated=$folder/onnx-subset.pb.swift
digest=$(sha256sum "$proto" | cut -d' ' -f1)
stamp="// Generated from onnx-subset.proto, sha256 $digest, by Tools/generate_onnx_proto.sh."
if [ "${1:-}" = --check ]; then
    if [ "$(head -n 1 "$generated")" != "$stamp" ]; then
        echo "generate_onnx_proto: $generated was not generated from the current $proto; run Tools/generate_onnx_proto.sh" >&2
        exit 1
    fi
    echo "generate_onnx_proto: $generated matches $proto"
    exit 0
fi
command -v protoc > /dev/null || { echo "generate_onnx_proto: needs protoc (apt-get install protobuf-compiler)" >&2; exit 1; }
version=$(sed -n 's/.*swift-protobuf.*from: "\([0-9.]*\)".*/\1/p' Package.swift)
work=${CNN_ZOO_PROTOBUF_CHECKOUT:-/tmp/cnn-zoo-swift-protobuf-$version}
if [ ! -x "$work/.build/release/protoc-gen-swift" ]; then
    [ -d "$work" ] || git clone --quiet --branch "$version" https://github.com/apple/swift-protobuf "$work"
    swift build -c release --package-path "$work" --product protoc-gen-swift
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc --plugin=protoc-gen-swift="$work/.build/release/protoc-gen-swift" --swift_opt=Visibility=Public \
    --proto_path="$folder" --swift_out="$out" onnx-subset.proto
{ echo "$stamp"; cat "$out/onnx-subset.pb.swift"; } > "$generated"
echo "generate_onnx_proto: wrote $generated"
