// swift-tools-version:6.1
import PackageDescription

// An example plugin for cnn-zoo, as a separate package: PyTorch's GroupNorm as a layer kind
// `group_norm` (one the engine does not have), PyTorch's RMSprop as an optimizer `rmsprop`, and
// the zoo entry `mnist-16-32-64-gn` that uses the layer. Built two ways:
//   libCNNZooGroupNorm.so   loaded at run time:  cnn-zoo --plugin .build/release/libCNNZooGroupNorm.so train mnist-16-32-64-gn
//   cnn-zoo-gn              the whole cnn-zoo command with the plugin built in
// libSwishPlugin.so is a plugin written in C against cnnzoo_plugin.h alone. The other
// libraries are deliberately bad plugins, for cnn-zoo's tests.
//
// A plugin of your own names cnn-zoo by URL instead of by path:
//   .package(url: "https://example.org/cnn-zoo.git", from: "0.3.0")

let package = Package(
    name: "cnn-zoo-groupnorm",
    products: [
        .library(name: "CNNZooGroupNorm", type: .dynamic, targets: ["CNNZooGroupNorm"]),
        .executable(name: "cnn-zoo-gn", targets: ["cnn-zoo-gn"]),
        .library(name: "SwishPlugin", type: .dynamic, targets: ["SwishPlugin"]),
        .library(name: "ClashPlugin", type: .dynamic, targets: ["ClashPlugin"]),
        .library(name: "TwinPlugin", type: .dynamic, targets: ["TwinPlugin"]),
        .library(name: "BadZooPlugin", type: .dynamic, targets: ["BadZooPlugin"]),
        .library(name: "StalePlugin", type: .dynamic, targets: ["StalePlugin"]),
        .library(name: "OtherConfigurationPlugin", type: .dynamic, targets: ["OtherConfigurationPlugin"]),
        .library(name: "NotAPlugin", type: .dynamic, targets: ["NotAPlugin"]),
    ],
    dependencies: [
        // cnn-zoo's checkout, two folders up.
        .package(name: "cnn-zoo", path: "../.."),
    ],
    targets: [
        // The layer, the optimizer and the plugin description, shared by both ways of plugging in.
        .target(name: "GroupNorm", dependencies: [.product(name: "CNNZoo", package: "cnn-zoo")]),
        // The run-time plugin: the two C symbols cnn-zoo looks up.
        .target(name: "CNNZooGroupNorm", dependencies: ["GroupNorm", .product(name: "CNNZoo", package: "cnn-zoo")]),
        // The static way: cnn-zoo with the plugin built in.
        .executableTarget(name: "cnn-zoo-gn", dependencies: [
            "GroupNorm", .product(name: "CNNZoo", package: "cnn-zoo"), .product(name: "CNNZooCLI", package: "cnn-zoo"),
        ]),
        // A plugin in C, against the boundary's header only.
        .target(name: "SwishPlugin", dependencies: [.product(name: "CNNZooPluginABI", package: "cnn-zoo")],
                linkerSettings: [.linkedLibrary("m")]),
        // Bad plugins: a kind that clashes with a built-in, one that clashes with group_norm,
        // a zoo entry that does not build, another boundary layout, another build configuration,
        // and a library that is no plugin at all.
        .target(name: "ClashPlugin", dependencies: [.product(name: "CNNZoo", package: "cnn-zoo")]),
        .target(name: "TwinPlugin", dependencies: ["GroupNorm", .product(name: "CNNZoo", package: "cnn-zoo")]),
        .target(name: "BadZooPlugin", dependencies: [.product(name: "CNNZoo", package: "cnn-zoo")]),
        .target(name: "StalePlugin"),
        .target(name: "OtherConfigurationPlugin", dependencies: [.product(name: "CNNZooPluginABI", package: "cnn-zoo")]),
        .target(name: "NotAPlugin"),
        .testTarget(name: "GroupNormTests", dependencies: [
            "GroupNorm", .product(name: "CNNZoo", package: "cnn-zoo"), .product(name: "CNNZooData", package: "cnn-zoo"),
            .product(name: "CNNZooTesting", package: "cnn-zoo"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
