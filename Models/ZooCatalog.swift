import CNNZoo
import Foundation

/// The zoo: the entries of every registered plugin — the ones shipped in `Models/zoo/` come
/// with the built-in plugin — plus users' own spec files.
///
/// Users add entries by naming a spec file directly, or by pointing `CNN_ZOO_MODELS`
/// at folders (`:`-separated) of `*.json` specs; those list and train exactly like built-ins.
public struct ZooCatalog: Sendable {
    /// One entry with where it came from.
    public struct Entry: Sendable {
        public let spec: ModelSpec
        /// `built-in`, `plugin <name>`, or the file it was read from.
        public let source: String
    }

    public let entries: [Entry]
    /// What specs are built with.
    public let registry: Registry

    /// The built-in plugin: the engine's kinds and the zoo entries shipped with the program.
    public static func builtInPlugin() throws -> Plugin {
        var plugin = Plugin.engine
        plugin.models = try builtIns().map(\.spec)
        return plugin
    }

    /// The registry's zoo entries plus those in the folders of `CNN_ZOO_MODELS`.
    /// - Throws: ``ZooError`` naming the file of an entry that does not parse.
    public init(registry: Registry, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.registry = registry
        var entries = registry.models.map { spec in
            let owner = registry.owner(of: .model(spec.name))?.name ?? Plugin.builtInName
            return Entry(spec: spec, source: owner == Plugin.builtInName ? "built-in" : "plugin \(owner)")
        }
        if let folders = environment["CNN_ZOO_MODELS"] {
            for folder in folders.split(separator: ":").map(String.init) where !folder.isEmpty {
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
                for file in files {
                    let path = (folder as NSString).appendingPathComponent(file)
                    let spec = try Self.load(path: path, registry: registry)
                    if let clash = entries.first(where: { $0.spec.name == spec.name }) {
                        throw ZooError.duplicate(name: spec.name, first: clash.source, second: path)
                    }
                    entries.append(Entry(spec: spec, source: path))
                }
            }
        }
        self.entries = entries
    }

    /// The entries shipped with the program.
    public static func builtIns() throws -> [Entry] {
        guard let folder = Bundle.module.url(forResource: "zoo", withExtension: nil) else {
            throw ZooError.badEntry(path: "Models/zoo", problem: "the built-in zoo is missing from the program's resources")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { Entry(spec: try load(path: folder.appendingPathComponent($0).path), source: "built-in") }
    }

    /// Reads and validates the spec file at `path`: it must parse and build through the registry.
    public static func load(path: String, registry: Registry = .standard) throws -> ModelSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw ZooError.badEntry(path: path, problem: !exists ? "no such file" : isDirectory.boolValue ? "is a directory" : "cannot be read")
        }
        do {
            let spec = try ModelSpec(json: data)
            _ = try Model(spec: spec, registry: registry)
            return spec
        } catch let error as ModelError {
            throw ZooError.badEntry(path: path, problem: error.description)
        }
    }

    /// The entry called `name`, or the spec file at `name` when it is a path.
    /// - Throws: ``ZooError/unknown(name:suggestion:)`` with the nearest name.
    public func spec(named name: String) throws -> (spec: ModelSpec, source: String) {
        if name.hasSuffix(".json") || name.contains("/") {
            return (try Self.load(path: name, registry: registry), name)
        }
        if let entry = entries.first(where: { $0.spec.name == name }) { return (entry.spec, entry.source) }
        throw ZooError.unknown(name: name, suggestion: Suggestion.nearest(to: name, in: entries.map(\.spec.name)),
                               known: entries.map(\.spec.name))
    }

    /// The entries whose names match a shell-style `pattern` (`*`, `?`, `[…]`), in natural order.
    public func matching(_ pattern: String?) -> [Entry] {
        let selected = pattern.map { pattern in entries.filter { fnmatch(pattern, $0.spec.name, 0) == 0 } } ?? entries
        return selected.sorted { $0.spec.name.localizedStandardCompare($1.spec.name) == .orderedAscending }
    }
}

/// Why a zoo entry could not be found or read.
public enum ZooError: Error, Equatable, CustomStringConvertible {
    case unknown(name: String, suggestion: String?, known: [String])
    case badEntry(path: String, problem: String)
    case duplicate(name: String, first: String, second: String)

    public var description: String {
        switch self {
        case let .unknown(name, suggestion, known):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown model '\(name)'\(hint); known models: \(known.joined(separator: ", ")) — or give a path to a spec .json"
        case let .badEntry(path, problem):
            return "\(path): \(problem)"
        case let .duplicate(name, first, second):
            return "model '\(name)' is defined twice: in \(first) and in \(second)"
        }
    }
}
