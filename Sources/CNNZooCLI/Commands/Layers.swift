import ArgumentParser
import CNNZoo

struct Layers: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the registered layer, loss and optimizer kinds, their settings and their plugins.",
        discussion: "These are the kinds a model spec may name, with the settings each accepts and the plugin that registered it.")

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        func owner(_ contribution: Registry.Contribution) -> String { registry.owner(of: contribution)?.name ?? "?" }
        func rows(_ role: String, _ kinds: [String], _ describe: (String) -> (String, [SettingDescription]),
                  _ contribution: (String) -> Registry.Contribution) -> [KindRow] {
            kinds.map { kind in
                let (summary, settings) = describe(kind)
                return KindRow(role: role, kind: kind, summary: summary, plugin: owner(contribution(kind)), settings: settings.map {
                    SettingRow(name: $0.name, type: $0.type, defaultValue: $0.defaultValue, help: $0.help)
                })
            }
        }
        let all = rows("layer", registry.layers.kinds, { k in registry.layers.entry(for: k).map { ($0.summary, $0.settings) } ?? ("", []) }, Registry.Contribution.layer)
            + rows("loss", registry.losses.kinds, { k in registry.losses.entry(for: k).map { ($0.summary, $0.settings) } ?? ("", []) }, Registry.Contribution.loss)
            + rows("optimizer", registry.optimizers.kinds, { k in registry.optimizers.entry(for: k).map { ($0.summary, $0.settings) } ?? ("", []) }, Registry.Contribution.optimizer)
        if json {
            Console.json(all)
            return
        }
        for (role, title) in [("layer", "LAYERS"), ("loss", "LOSSES"), ("optimizer", "OPTIMIZERS")] {
            print(title)
            for row in all where row.role == role {
                print("\(row.kind) — \(row.summary)\(row.plugin == Plugin.builtInName ? "" : "  [plugin \(row.plugin)]")")
                if row.settings.isEmpty { print("    (no settings)") }
                for setting in row.settings {
                    let requirement = setting.defaultValue.map { "default \($0)" } ?? "required"
                    print("    \(setting.name): \(setting.type), \(requirement) — \(setting.help)")
                }
            }
            print("")
        }
        print("initializers: \(Initializer.names.joined(separator: ", "))")
    }

    struct KindRow: Encodable {
        let role: String
        let kind: String
        let summary: String
        let plugin: String
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
