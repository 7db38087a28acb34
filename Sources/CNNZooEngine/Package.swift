// swift-tools-version:6.1
import PackageDescription

// The engine as a package of its own, so that it can be one shared library: the `cnn-zoo`
// program links libCNNZoo.so, and a plugin loaded at run time links the same library, so the
// process holds exactly one copy of every engine type. (SwiftPM links a library into an
// executable of the same package statically; from another package, a `.dynamic` product is
// linked as a shared library.)
let package = Package(
    name: "CNNZooEngine",
    products: [
        .library(name: "CNNZoo", type: .dynamic, targets: ["CNNZoo"]),
        // Applied to a plugin's target, it stamps the plugin with the engine it is built against.
        .plugin(name: "FingerprintPlugin", targets: ["FingerprintPlugin"]),
    ],
    targets: [
        // A thin C shim over Debian's OpenBLAS.
        .systemLibrary(name: "CBLAS", path: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // The engine's hand-written hot loops, one copy per instruction set, chosen at run time.
        // libm for fmaf, which the portable variant's products call on CPUs without an FMA instruction.
        .target(name: "CKernels", path: "CKernels", linkerSettings: [.linkedLibrary("m")]),
        // The engine: tensors, layers, registry, losses, optimizers, training.
        .target(name: "CNNZoo", dependencies: ["CBLAS", "CKernels"], path: "CNNZoo", plugins: ["FingerprintPlugin"]),
        // The build fingerprint: a hash of the engine's sources compiled into it, which a plugin
        // inlines too, so the program can refuse a plugin built against other engine sources.
        .executableTarget(name: "cnnzoo-fingerprint", path: "FingerprintTool"),
        .plugin(name: "FingerprintPlugin", capability: .buildTool(), dependencies: ["cnnzoo-fingerprint"], path: "FingerprintPlugin"),
    ],
    swiftLanguageModes: [.v6]
)
