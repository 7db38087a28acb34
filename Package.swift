// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "cnn-zoo",
    products: [
        .library(name: "CNNZoo", targets: ["CNNZoo"]),
        .library(name: "CNNZooPlots", targets: ["CNNZooPlots"]),
        .executable(name: "cnn-zoo", targets: ["cnn-zoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Thin C shims over system libraries from Debian's packages.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),

        // The engine: tensors, layers, registry, losses, optimizers, training.
        .target(name: "CNNZoo", dependencies: ["CBLAS"]),
        // MNIST-format data sets.
        .target(name: "CNNZooData", dependencies: ["CNNZoo", "CZlib"]),
        // HDF5 checkpoints.
        .target(name: "CNNZooCheckpoint", dependencies: ["CNNZoo", "CHDF5"], exclude: ["FORMAT.md"]),
        // Pictures of a model and its training: SVG primitives and the pictures built on them.
        .target(name: "CNNZooPlots", dependencies: ["CNNZoo"]),
        // The zoo entries shipped in Models/ (JSON specs bundled as resources).
        .target(name: "CNNZooModels", dependencies: ["CNNZoo"], path: "Models",
                resources: [.copy("zoo")]),
        // The command line, as a library so tests can drive it in-process.
        .target(name: "CNNZooCLI", dependencies: [
            "CNNZoo", "CNNZooData", "CNNZooCheckpoint", "CNNZooModels", "CNNZooPlots", "CMalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cnn-zoo", dependencies: ["CNNZooCLI"]),

        .testTarget(name: "CNNZooTests", dependencies: ["CNNZoo"]),
        .testTarget(name: "CNNZooDataTests", dependencies: ["CNNZooData", "CNNZoo"]),
        .testTarget(name: "CNNZooCheckpointTests", dependencies: ["CNNZooCheckpoint", "CNNZooModels"]),
        .testTarget(name: "CNNZooPlotsTests", dependencies: ["CNNZooPlots", "CNNZoo"]),
        .testTarget(name: "CNNZooModelsTests", dependencies: ["CNNZooModels", "CNNZoo"]),
        .testTarget(name: "CNNZooCLITests", dependencies: ["CNNZooCLI", "CNNZooCheckpoint", "CNNZooData", "CNNZoo"],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
