import ArgumentParser
import CNNZoo

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the registered layer kinds and their settings.",
        discussion: "These are the kinds a model spec may name, with the settings each accepts.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let registry = LayerRegistry.standard
        let entries = registry.kinds.compactMap(registry.entry(for:))
        if json {
            Console.json(entries.map { entry in
                KindRow(kind: entry.kind, summary: entry.summary, settings: entry.settings.map {
                    SettingRow(name: $0.name, type: $0.type, defaultValue: $0.defaultValue, help: $0.help)
                })
            })
            return
        }
        for entry in entries {
            print("\(entry.kind) — \(entry.summary)")
            if entry.settings.isEmpty { print("    (no settings)") }
            for setting in entry.settings {
                let requirement = setting.defaultValue.map { "default \($0)" } ?? "required"
                print("    \(setting.name): \(setting.type), \(requirement) — \(setting.help)")
            }
        }
        print("\ninitializers: \(Initializer.names.joined(separator: ", "))")
        print("losses: \(LossSpec.kinds.joined(separator: ", ")) (with \"from_logits\": true or false)")
    }

    struct KindRow: Encodable {
        let kind: String
        let summary: String
        let settings: [SettingRow]
    }

    struct SettingRow: Encodable {
        let name: String
        let type: String
        let defaultValue: String?
        let help: String
        enum CodingKeys: String, CodingKey {
            case name, type, help
            case defaultValue = "default"
        }
    }
}
