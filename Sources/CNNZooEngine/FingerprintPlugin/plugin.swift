import Foundation
import PackagePlugin

/// Stamps a target with the fingerprint of the engine sources it is compiled against: applied to
/// the engine it describes the engine itself; applied to a plugin's target, the engine that plugin
/// is built with. The engine's sources are the command's inputs, so any change to them stamps again.
@main
struct FingerprintPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let engine = Self.engineTarget(in: context.package) else {
            throw FingerprintError("cannot find the CNNZoo target of the CNNZooEngine package among \(context.package.displayName)'s dependencies")
        }
        let sources = engine.sourceFiles(withSuffix: "swift").map(\.url).filter { $0.lastPathComponent != "EngineFingerprint.swift" }
        let output = context.pluginWorkDirectoryURL.appending(path: "EngineFingerprint.swift")
        return [.buildCommand(displayName: "Stamping \(target.name) with the engine's fingerprint",
                              executable: try context.tool(named: "cnnzoo-fingerprint").url,
                              arguments: [engine.directoryURL.path, output.path] + sources.map(\.path),
                              inputFiles: sources, outputFiles: [output])]
    }

    /// The engine target: in this package, or in a dependency at any depth.
    static func engineTarget(in package: Package) -> SourceModuleTarget? {
        if package.displayName == "CNNZooEngine" {
            return package.targets.first { $0.name == "CNNZoo" } as? SourceModuleTarget
        }
        for dependency in package.dependencies {
            if let found = engineTarget(in: dependency.package) { return found }
        }
        return nil
    }
}

struct FingerprintError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
