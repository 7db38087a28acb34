#!/usr/bin/env bash
# Fuzzes one of cnn-zoo's loaders with libFuzzer and AddressSanitizer.
#   Tools/fuzz/run.sh idx|spec|checkpoint|image [seconds] [libFuzzer flags…]
#   e.g. Tools/fuzz/run.sh checkpoint 300 -fork=1 -ignore_crashes=1   (keep going past crashes)
# The harness is compiled with the engine's sources into one module (a plain `swift build`
# cannot link an executable with -sanitize=fuzzer), so the normal build is untouched.
# Tools/test.sh runs each target for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: Tools/fuzz/run.sh idx|spec|checkpoint|image [seconds]}
seconds=${2:-60}
case "$target" in
    idx | spec | checkpoint | image) ;;
    *) echo "unknown fuzz target '$target' (idx, spec, checkpoint, image)" >&2; exit 2 ;;
esac
work=.build-fuzz/$target
mkdir -p "$work/corpus" "$work/artifacts"
# One harness for the three targets, rebuilt only when a source changed.
build=.build-fuzz/harness
mkdir -p "$build/modules"
sources=$(find Sources/CNNZoo Sources/CNNZooData Sources/CNNZooCheckpoint -name '*.swift' | sort)
if [ ! -x "$build/fuzz" ] || [ -n "$(find Sources/CNNZoo Sources/CNNZooData Sources/CNNZooCheckpoint Sources/CKernels Sources/CImageCodecs Tools/fuzz -newer "$build/fuzz" -type f | head -1)" ]; then
    # The C targets as SwiftPM would present them: a module per header, the kernels compiled once.
    for module in CKernels:Sources/CKernels/include/CKernels.h CNNZooPluginABI:Sources/CNNZooPluginABI/include/cnnzoo_plugin.h \
                  CImageCodecs:Sources/CImageCodecs/include/cnnzoo_image_codecs.h; do
        printf 'module %s {\n    header "%s"\n    export *\n}\n' "${module%%:*}" "$PWD/${module#*:}" > "$build/modules/${module%%:*}.modulemap"
    done
    clang -O2 -c Sources/CKernels/Kernels.c -I Sources/CKernels/include -o "$build/kernels.o"
    clang -O2 -fsanitize=address -c Sources/CImageCodecs/codecs.c -I Sources/CImageCodecs/include -o "$build/codecs.o"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name CNNZoo \
        -I Sources/CBLAS -I Sources/CZlib -I Sources/CHDF5 \
        -Xcc -fmodule-map-file="$build/modules/CKernels.modulemap" -Xcc -fmodule-map-file="$build/modules/CNNZooPluginABI.modulemap" \
        -Xcc -fmodule-map-file="$build/modules/CImageCodecs.modulemap" \
        $(pkg-config --cflags-only-I openblas hdf5 zlib | sed 's/-I/-Xcc -I/g') \
        $(pkg-config --libs openblas hdf5 zlib libpng) -ljpeg -lm \
        Tools/fuzz/Fuzz.swift $sources "$build/kernels.o" "$build/codecs.o" -o "$build/fuzz" 2> "$build/build.log" || { cat "$build/build.log" >&2; exit 1; }
fi

# Seeds: real inputs for the fuzzer to mutate.
case "$target" in
    spec) cp Models/zoo/*.json "$work/corpus/" ;;
    image)
        # A small PNG and JPEG of each kind (written once with Pillow) for the fuzzer to mutate.
        python3 - "$work/corpus" <<'PY'
import sys
import numpy as np
from PIL import Image
rng = np.random.default_rng(1)
rgb = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
Image.fromarray(rgb).save(f"{sys.argv[1]}/rgb.png")
Image.fromarray(rgb[:, :, 0]).save(f"{sys.argv[1]}/grey.png")
Image.fromarray(rgb).quantize(colors=4).save(f"{sys.argv[1]}/palette.png")
Image.fromarray(rgb).save(f"{sys.argv[1]}/rgb.jpg", quality=80)
PY
        ;;
    idx)
        if [ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
            cp /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz "$work/corpus/labels.gz"
            zcat /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz | head -c 2000 > "$work/corpus/labels-raw"
        fi
        printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08' > "$work/corpus/tiny" ;;
    checkpoint)
        # A small real checkpoint (mnist-strided, 4,800 parameters) to mutate.
        if [ ! -f "$work/corpus/seed.h5" ]; then
            binary=
            for candidate in .build/release/cnn-zoo .build/debug/cnn-zoo; do
                if [ -x "$candidate" ]; then binary=$candidate; break; fi
            done
            [ -n "$binary" ] || { echo "build cnn-zoo first (swift build)" >&2; exit 1; }
            "$binary" train mnist-strided --dataset fashion-mnist --limit 64 --epochs 1 --batch-size 16 \
                --checkpoint "$work/corpus/seed.h5" --json > /dev/null
        fi ;;
esac
echo "fuzzing $target for ${seconds}s; crashes go to $work/artifacts"
CNN_ZOO_FUZZ_TARGET=$target "$build/fuzz" "$work/corpus" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "${@:3}" 2>&1 | tail -25
