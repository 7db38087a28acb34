import ArgumentParser
import Foundation

/// Runs the `cnn-zoo` command and returns its exit status:
/// 0 success, 1 a runtime failure, 2 a usage error, 130 interrupted.
public enum CommandLineEntry {
    public static func main() -> Never {
        BLASRuntime.selectFastKernels()
        AllocatorTuning.apply()
        exit(run(Array(CommandLine.arguments.dropFirst())))
    }

    public static func run(_ arguments: [String]) -> Int32 {
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
            var command = command
            try command.run()
            return 0
        } catch let error as UsageError {
            Console.error(error.message + Self.helpHint(arguments))
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
    init(_ message: String) { self.message = message }
}

/// A failure while doing the work: reported with exit status 1.
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
