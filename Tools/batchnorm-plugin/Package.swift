// swift-tools-version:6.1
import Foundation
import PackageDescription

// An example plugin for cnn-zoo, as a separate package: PyTorch's BatchNorm2d as a layer kind
// `batchnorm2d`, and the zoo entry `mnist-16-32-64-bn` that uses it. Built two ways:
//   libCNNZooBatchNorm.so   loaded at run time:  cnn-zoo --plugin .build/release/libCNNZooBatchNorm.so train mnist-16-32-64-bn
//   cnn-zoo-bn              the whole cnn-zoo command with the plugin built in
// The other libraries are deliberately bad plugins, for cnn-zoo's tests.

// cnn-zoo's checkout, two folders up; SwiftPM names a path dependency after its folder.
let cnnZoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let engine: Target.Dependency = .product(name: "CNNZoo", package: "CNNZooEngine")
/// Stamps a plugin library with the fingerprint of the engine sources it is built against.
let fingerprint: Target.PluginUsage = .plugin(name: "FingerprintPlugin", package: "CNNZooEngine")

let package = Package(
    name: "cnn-zoo-batchnorm",
    products: [
        .library(name: "CNNZooBatchNorm", type: .dynamic, targets: ["CNNZooBatchNorm"]),
        .executable(name: "cnn-zoo-bn", targets: ["cnn-zoo-bn"]),
        .library(name: "ClashPlugin", type: .dynamic, targets: ["ClashPlugin"]),
        .library(name: "TwinPlugin", type: .dynamic, targets: ["TwinPlugin"]),
        .library(name: "BadZooPlugin", type: .dynamic, targets: ["BadZooPlugin"]),
        .library(name: "StalePlugin", type: .dynamic, targets: ["StalePlugin"]),
    ],
    dependencies: [
        // The engine as the shared library the cnn-zoo program links; the command line for cnn-zoo-bn.
        .package(path: cnnZoo.appendingPathComponent("Sources/CNNZooEngine").path),
        .package(path: cnnZoo.path),
    ],
    targets: [
        // The layer and the plugin description, shared by both ways of plugging in.
        .target(name: "BatchNorm", dependencies: [engine]),
        // The run-time plugin: the two C symbols cnn-zoo looks up.
        .target(name: "CNNZooBatchNorm", dependencies: ["BatchNorm", engine], plugins: [fingerprint]),
        // The static way: cnn-zoo with the plugin built in.
        .executableTarget(name: "cnn-zoo-bn", dependencies: [
            "BatchNorm", engine, .product(name: "CNNZooCLI", package: cnnZoo.lastPathComponent),
        ]),
        // Bad plugins: a kind that clashes with a built-in, one that clashes with batchnorm2d,
        // a zoo entry that does not build, and a fingerprint from other engine sources.
        .target(name: "ClashPlugin", dependencies: [engine], plugins: [fingerprint]),
        .target(name: "TwinPlugin", dependencies: ["BatchNorm", engine], plugins: [fingerprint]),
        .target(name: "BadZooPlugin", dependencies: [engine], plugins: [fingerprint]),
        .target(name: "StalePlugin"),
        .testTarget(name: "BatchNormTests", dependencies: ["BatchNorm", engine]),
    ],
    swiftLanguageModes: [.v6]
)
