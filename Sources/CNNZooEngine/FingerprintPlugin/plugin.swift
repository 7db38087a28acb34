import Foundation
import PackagePlugin

/// Generates the engine's build fingerprint from its sources (see FingerprintTool).
@main
struct FingerprintPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let sources = target.sourceFiles(withSuffix: "swift").map(\.url)
        let output = context.pluginWorkDirectoryURL.appending(path: "EngineFingerprint.swift")
        return [.buildCommand(displayName: "Fingerprinting the engine's sources",
                              executable: try context.tool(named: "cnnzoo-fingerprint").url,
                              arguments: [target.directoryURL.path, output.path] + sources.map(\.path),
                              inputFiles: sources, outputFiles: [output])]
    }
}
