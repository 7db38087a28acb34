import ArgumentParser
import CNNZoo

struct Plugins: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the plugins this program has: their versions, where they come from and what they add.",
        discussion: """
            The built-in layers, losses, optimizers and zoo entries are the first plugin, 'cnn-zoo'. \
            A program built with CommandLineEntry.main(plugins:) lists its own plugins after it.
            """)

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        let rows = registry.plugins.map {
            PluginRow(name: $0.name, version: $0.version, origin: $0.origin, layers: $0.layers, losses: $0.losses,
                      optimizers: $0.optimizers, models: $0.models)
        }
        if json {
            Console.json(rows)
            return
        }
        for row in rows {
            print("\(row.name) \(row.version) (\(row.origin))")
            for (title, items) in [("layers", row.layers), ("losses", row.losses), ("optimizers", row.optimizers), ("zoo", row.models)] where !items.isEmpty {
                print("    \(title): \(items.joined(separator: ", "))")
            }
        }
    }

    struct PluginRow: Encodable {
        let name: String
        let version: String
        let origin: String
        let layers: [String]
        let losses: [String]
        let optimizers: [String]
        let models: [String]
    }
}
