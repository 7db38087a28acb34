// swift-tools-version:6.0
import PackageDescription

/// The engine (CNNZoo), from the nested package, linked as the shared library libCNNZoo.so.
let engine: Target.Dependency = .product(name: "CNNZoo", package: "CNNZooEngine")

let package = Package(
    name: "cnn-zoo",
    products: [
        .library(name: "CNNZooData", targets: ["CNNZooData"]),
        .library(name: "CNNZooCheckpoint", targets: ["CNNZooCheckpoint"]),
        .library(name: "CNNZooModels", targets: ["CNNZooModels"]),
        .library(name: "CNNZooPlots", targets: ["CNNZooPlots"]),
        .library(name: "CNNZooDistributed", targets: ["CNNZooDistributed"]),
        .library(name: "CNNZooCLI", targets: ["CNNZooCLI"]),
        .executable(name: "cnn-zoo", targets: ["cnn-zoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The engine, a package of its own so that it is one shared library (see its Package.swift).
        .package(path: "Sources/CNNZooEngine"),
    ],
    targets: [
        // Thin C shims over system libraries from Debian's packages.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // Open MPI, loaded at run time (dlopen) only when mpirun starts the program: nothing to
        // install for a build, nothing loaded in a plain run.
        .target(name: "CMPI"),

        // MNIST-format data sets.
        .target(name: "CNNZooData", dependencies: [engine, "CZlib"]),
        // HDF5 checkpoints.
        .target(name: "CNNZooCheckpoint", dependencies: [engine, "CHDF5"], exclude: ["FORMAT.md"]),
        // Pictures of a model and its training: SVG primitives and the pictures built on them.
        .target(name: "CNNZooPlots", dependencies: [engine]),
        // Data-parallel training over an Open MPI job: the engine's DataParallelGroup on MPI.
        .target(name: "CNNZooDistributed", dependencies: [engine, "CMPI"]),
        // The zoo entries shipped in Models/ (JSON specs bundled as resources).
        .target(name: "CNNZooModels", dependencies: [engine], path: "Models",
                resources: [.copy("zoo")]),
        // The command line, as a library so tests can drive it in-process.
        .target(name: "CNNZooCLI", dependencies: [
            engine, "CNNZooData", "CNNZooCheckpoint", "CNNZooModels", "CNNZooPlots", "CNNZooDistributed", "CMalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cnn-zoo", dependencies: ["CNNZooCLI"]),

        .testTarget(name: "CNNZooTests", dependencies: [engine]),
        .testTarget(name: "CNNZooDataTests", dependencies: ["CNNZooData", engine]),
        .testTarget(name: "CNNZooCheckpointTests", dependencies: ["CNNZooCheckpoint", "CNNZooModels"]),
        .testTarget(name: "CNNZooPlotsTests", dependencies: ["CNNZooPlots", engine]),
        .testTarget(name: "CNNZooModelsTests", dependencies: ["CNNZooModels", engine]),
        .testTarget(name: "CNNZooCLITests", dependencies: ["CNNZooCLI", "CNNZooCheckpoint", "CNNZooData", engine],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
