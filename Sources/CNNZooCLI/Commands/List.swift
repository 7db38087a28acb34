import ArgumentParser
import CNNZoo
import CNNZooModels

struct List: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models in the zoo.",
        discussion: """
            Built-in entries come from the program; add your own by setting CNN_ZOO_MODELS to one or \
            more folders (':'-separated) of spec .json files.

            Examples:
              cnn-zoo list
              cnn-zoo list 'mnist-*'
              cnn-zoo list --json
            """)

    @Argument(help: "Shell-style wildcard to filter names ('mnist-*', '*small*').")
    var pattern: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        let catalog = try loadCatalog(registry: registry)
        let entries = catalog.matching(pattern)
        let rows = try entries.map { entry -> ModelRow in
            let model = try Model(spec: entry.spec, registry: registry)
            return ModelRow(name: entry.spec.name, parameters: model.parameterCount, inputShape: entry.spec.inputShape,
                            classes: entry.spec.classes, origin: entry.spec.origin, summary: entry.spec.summary, source: entry.source)
        }
        if json {
            Console.json(rows)
            return
        }
        guard !rows.isEmpty else {
            throw RuntimeError("no model matches '\(pattern ?? "")'; known: \(catalog.entries.map(\.spec.name).joined(separator: ", "))")
        }
        var table = Table([("NAME", .left), ("PARAMS", .right), ("INPUT", .left), ("CLASSES", .right), ("ORIGIN", .left), ("SUMMARY", .left)])
        for row in rows {
            let origin = row.source == "built-in" ? row.origin : "\(row.origin) [\(row.source)]"
            table.add([row.name, Format.grouped(row.parameters), Format.shape(row.inputShape), String(row.classes), origin, row.summary])
        }
        print(table.render())
    }

    struct ModelRow: Encodable {
        let name: String
        let parameters: Int
        let inputShape: [Int]
        let classes: Int
        let origin: String
        let summary: String
        let source: String

        enum CodingKeys: String, CodingKey {
            case name, parameters, classes, origin, summary, source
            case inputShape = "input_shape"
        }
    }
}

/// The zoo, with its errors made readable.
func loadCatalog(registry: Registry) throws -> ZooCatalog {
    do {
        return try ZooCatalog(registry: registry)
    } catch let error as ZooError {
        throw RuntimeError(error.description)
    }
}

/// Resolves a model name or spec path into a spec, as a usage error when the name is unknown or
/// the spec file given is not a valid model (an unknown input, a cycle, shapes that do not fit).
func resolveSpec(_ name: String, registry: Registry) throws -> (spec: ModelSpec, source: String) {
    do {
        return try loadCatalog(registry: registry).spec(named: name)
    } catch let error as ZooError {
        switch error {
        case .unknown: throw UsageError(error.description)
        case let .badEntry(path, _) where path == name: throw UsageError(error.description, pointsAtHelp: false)
        default: throw RuntimeError(error.description)
        }
    }
}
