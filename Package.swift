// swift-tools-version:6.0
import PackageDescription

/// The engine: tensors, layers, registry, losses, optimizers, training.
let engine: Target.Dependency = "CNNZoo"

let package = Package(
    name: "cnn-zoo",
    products: [
        .library(name: "CNNZoo", targets: ["CNNZoo"]),
        // The C boundary of run-time plugins, for a plugin written in C, C++ or Rust.
        .library(name: "CNNZooPluginABI", targets: ["CNNZooPluginABI"]),
        // What we test our layers and optimizers with, for plugin authors to test theirs.
        .library(name: "CNNZooTesting", targets: ["CNNZooTesting"]),
        .library(name: "CNNZooData", targets: ["CNNZooData"]),
        .library(name: "CNNZooTraining", targets: ["CNNZooTraining"]),
        .library(name: "CNNZooCheckpoint", targets: ["CNNZooCheckpoint"]),
        .library(name: "CNNZooModels", targets: ["CNNZooModels"]),
        .library(name: "CNNZooPlots", targets: ["CNNZooPlots"]),
        .library(name: "CNNZooDistributed", targets: ["CNNZooDistributed"]),
        .library(name: "CNNZooONNX", targets: ["CNNZooONNX"]),
        .library(name: "CNNZooCLI", targets: ["CNNZooCLI"]),
        .executable(name: "cnn-zoo", targets: ["cnn-zoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Thin C shims over system libraries from Debian's packages.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // Open MPI, loaded at run time (dlopen) only when mpirun starts the program: nothing to
        // install for a build, nothing loaded in a plain run.
        .target(name: "CMPI"),
        // PNG and JPEG decoding through Debian's libpng and libjpeg-turbo (libjpeg's errors longjmp: caught in C).
        .target(name: "CImageCodecs", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),

        // The engine's hand-written hot loops, one copy per instruction set, chosen at run time.
        // libm for fmaf, which the portable variant's products call on CPUs without an FMA instruction.
        .target(name: "CKernels", linkerSettings: [.linkedLibrary("m")]),
        // The header a plugin library and the engine agree on (cnnzoo_plugin.h).
        .target(name: "CNNZooPluginABI", exclude: ["PLUGINS.md"]),
        .target(name: "CNNZoo", dependencies: ["CBLAS", "CKernels", "CNNZooPluginABI"], exclude: ["Kernels/PERFORMANCE.md"]),

        // The gradient checker and the optimizer check, for our tests and plugin authors'.
        .target(name: "CNNZooTesting", dependencies: [engine, "CNNZooData", "CNNZooTraining"]),

        // Data sets: MNIST-format IDX files, CIFAR binary files, folders of PNG and JPEG images.
        .target(name: "CNNZooData", dependencies: [engine, "CZlib", "CImageCodecs"]),
        // HDF5 checkpoints.
        .target(name: "CNNZooCheckpoint", dependencies: [engine, "CHDF5"], exclude: ["FORMAT.md"]),
        // Pictures of a model and its training: SVG primitives and the pictures built on them.
        .target(name: "CNNZooPlots", dependencies: [engine]),
        // Data-parallel training over an Open MPI job: the engine's DataParallelGroup on MPI.
        .target(name: "CNNZooDistributed", dependencies: [engine, "CMPI"], exclude: ["SCALING.md"]),
        // A training run as one value: settings, data, resume rules, save policy, the epoch loop.
        .target(name: "CNNZooTraining", dependencies: [engine, "CNNZooData", "CNNZooCheckpoint"]),
        // The zoo entries shipped in Models/ (JSON specs bundled as resources).
        .target(name: "CNNZooModels", dependencies: [engine], path: "Models", exclude: ["ZOO.md"],
                resources: [.copy("zoo")]),
        // Models out to ONNX and in from it, through swift-protobuf and a committed subset of onnx.proto.
        .target(name: "CNNZooONNX", dependencies: [engine, .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Protobuf/onnx-subset.proto", "ONNX.md"]),
        // The command line, as a library so tests can drive it in-process.
        .target(name: "CNNZooCLI", dependencies: [
            engine, "CNNZooData", "CNNZooCheckpoint", "CNNZooTraining", "CNNZooModels", "CNNZooPlots", "CNNZooDistributed", "CNNZooONNX", "CMalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cnn-zoo", dependencies: ["CNNZooCLI"]),

        .testTarget(name: "CNNZooTests", dependencies: [engine, "CNNZooTesting", "CNNZooData"]),
        .testTarget(name: "CNNZooTrainingTests", dependencies: ["CNNZooTraining", "CNNZooTesting", "CNNZooModels", "CNNZooData", engine]),
        .testTarget(name: "CNNZooDataTests", dependencies: ["CNNZooData", engine]),
        .testTarget(name: "CNNZooCheckpointTests", dependencies: ["CNNZooCheckpoint", "CNNZooModels", engine]),
        .testTarget(name: "CNNZooPlotsTests", dependencies: ["CNNZooPlots", engine]),
        .testTarget(name: "CNNZooModelsTests", dependencies: ["CNNZooModels", engine]),
        .testTarget(name: "CNNZooONNXTests", dependencies: ["CNNZooONNX", "CNNZooTesting", "CNNZooModels", engine,
                                                       .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "CNNZooCLITests", dependencies: ["CNNZooCLI", "CNNZooCheckpoint", "CNNZooData", engine],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
