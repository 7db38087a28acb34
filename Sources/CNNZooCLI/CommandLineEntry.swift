import ArgumentParser
import CNNZoo
import CNNZooModels
import Foundation

/// Runs the complete `cnn-zoo` command — every subcommand — and returns its exit status:
/// 0 success, 1 a runtime failure, 2 a usage error, 130 interrupted.
///
/// A package of your own gets the whole command with its own layers, losses, optimizers and
/// zoo entries by passing them as plugins:
///
///     import CNNZoo
///     import CNNZooCLI
///     CommandLineEntry.main(plugins: [Plugin(name: "acme", version: "1.0.0", layers: [Swish.self])])
public enum CommandLineEntry {
    public static func main(plugins: [Plugin] = []) -> Never {
        BLASRuntime.selectFastKernels()
        AllocatorTuning.apply()
        exit(run(Array(CommandLine.arguments.dropFirst()), plugins: plugins))
    }

    /// The registry of a program: the built-in plugin, then `plugins` in order, then those
    /// `loaded` at run time (with the files they came from).
    public static func registry(plugins: [Plugin], loaded: [(plugin: Plugin, origin: String)] = []) throws -> Registry {
        do {
            var registry = try Registry(plugins: [try ZooCatalog.builtInPlugin()] + plugins)
            for (plugin, origin) in loaded { try registry.add(plugin, origin: origin) }
            return registry
        } catch let error as ZooError {
            throw RuntimeError(error.description)
        } catch let error as ModelError {
            throw RuntimeError(error.description)
        }
    }

    public static func run(_ givenArguments: [String], plugins: [Plugin] = []) -> Int32 {
        // Plugins are loaded before parsing, so every subcommand accepts --plugin and sees their kinds.
        let registry: Registry
        let arguments: [String]
        do {
            let found = try PluginLoader.pluginPaths(in: givenArguments, environment: ProcessInfo.processInfo.environment)
            arguments = found.arguments
            registry = try Self.registry(plugins: plugins, loaded: try PluginLoader.load(found.paths))
        } catch let error as UsageError {
            Console.error(error.message + " (see 'cnn-zoo --help')")
            return 2
        } catch {
            Console.error(String(describing: error))
            return 1
        }
        let command: ParsableCommand
        do {
            command = try CNNZooCommand.parseAsRoot(arguments)
        } catch {
            let code = CNNZooCommand.exitCode(for: error)
            if code == .success {
                print(CNNZooCommand.fullMessage(for: error))
                return 0
            }
            Console.error(CNNZooCommand.message(for: error) + Self.helpHint(arguments))
            return 2
        }
        do {
            if let command = command as? RegistryCommand {
                try command.run(with: registry)
            } else {
                var command = command
                try command.run()
            }
            return 0
        } catch let error as UsageError {
            Console.error(error.message + (error.pointsAtHelp ? Self.helpHint(arguments) : ""))
            return 2
        } catch let error as ExitCode {
            return error.rawValue
        } catch let error as RuntimeError {
            Console.error(error.description)
            return 1
        } catch {
            // ArgumentParser's own outcomes, such as `--help` on a subcommand, arrive here too.
            switch CNNZooCommand.exitCode(for: error) {
            case .success:
                print(CNNZooCommand.fullMessage(for: error))
                return 0
            case .validationFailure:
                Console.error(CNNZooCommand.message(for: error) + Self.helpHint(arguments))
                return 2
            default:
                Console.error(String(describing: error))
                return 1
            }
        }
    }

    private static func helpHint(_ arguments: [String]) -> String {
        let subcommands = CNNZooCommand.configuration.subcommands.map { $0._commandName }
        if let first = arguments.first, subcommands.contains(first) { return " (see 'cnn-zoo \(first) --help')" }
        return " (see 'cnn-zoo --help')"
    }
}

/// A mistake in how the command was called: reported with exit status 2.
struct UsageError: Error {
    let message: String
    /// Whether the message ends by pointing at `--help`: not for a bad spec file, which the
    /// help cannot mend.
    let pointsAtHelp: Bool
    init(_ message: String, pointsAtHelp: Bool = true) {
        self.message = message
        self.pointsAtHelp = pointsAtHelp
    }
}

/// A failure while doing the work: reported with exit status 1.
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A command that works with the program's registry, handed to it as a value.
protocol RegistryCommand: ParsableCommand {
    func run(with registry: Registry) throws
}

extension RegistryCommand {
    /// Runs with the built-in registry; ``CommandLineEntry`` calls ``run(with:)`` with the program's.
    func run() throws { try run(with: try CommandLineEntry.registry(plugins: [])) }
}
