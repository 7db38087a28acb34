import Foundation
internal import CNNZooPluginABI

extension Plugin {
    /// The plugin a library's C table (`cnnzoo_plugin`) describes, its zoo entries decoded.
    /// `table` is what its `cnnzoo_plugin_entry` returned, after its ABI string matched.
    public init(table: UnsafeRawPointer) throws {
        let table = table.assumingMemoryBound(to: cnnzoo_plugin.self)
        let plugin = table.pointee
        guard plugin.abi_version == UInt32(CNNZOO_PLUGIN_ABI_VERSION) else {
            throw ModelError.badSpec("its table is of plugin ABI \(plugin.abi_version); this program reads \(CNNZOO_PLUGIN_ABI_VERSION)")
        }
        let name = String(cString: plugin.name)
        var models: [ModelSpec] = []
        for index in 0..<Int(plugin.model_count) {
            do {
                models.append(try ModelSpec(json: Data(String(cString: plugin.models[index]!).utf8)))
            } catch let error as ModelError {
                throw ModelError.badSpec("plugin '\(name)': zoo entry \(index + 1) is not a model spec: \(error.description)")
            }
        }
        self.init(name: name, version: String(cString: plugin.version),
                  layers: (0..<Int(plugin.layer_count)).map { LayerEntry(foreign: plugin.layers + $0) },
                  losses: (0..<Int(plugin.loss_count)).map { LossEntry(foreign: plugin.losses + $0) },
                  optimizers: (0..<Int(plugin.optimizer_count)).map { OptimizerEntry(foreign: plugin.optimizers + $0) },
                  models: models)
    }

    /// A plugin library's kinds built into this program, through the same C table a loaded
    /// library hands over: the static way of using a plugin.
    public init(library: PluginLibrary) throws {
        try self.init(table: library.export(host: UnsafeRawPointer(PluginABI.engineHost))!)
    }

    /// The table of this engine's threads, for a library's `cnnzoo_plugin_entry`.
    public static var hostTable: UnsafeRawPointer { UnsafeRawPointer(PluginABI.engineHost) }
}
