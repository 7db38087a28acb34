import Foundation
import Synchronization

/// Ends this process when one of MPI's blocking calls has waited longer than a time limit.
///
/// MPI has no timeout of its own: a process that stops answering — stopped, swapped out for
/// good, cut off behind a dead link without the connection closing — leaves every other one
/// waiting in its next collective for ever. A thread of our own watches the call in progress
/// and, past the limit, prints one line and exits; `mpirun` then ends the rest of the job.
/// It makes no MPI call itself.
final class Watchdog: @unchecked Sendable {
    /// The wait beyond which a call counts as unanswered.
    let limit: Duration
    private let label: String
    private let current = Mutex<(operation: String, since: ContinuousClock.Instant)?>(nil)

    /// Watches calls of the process labelled `label` ("rank 1 of 4"), checking every `interval`.
    init(limit: Duration, label: String, interval: Duration = .milliseconds(500)) {
        self.limit = limit
        self.label = label
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) * 1e-18)
                check()
            }
        }
        thread.name = "cnn-zoo MPI watchdog"
        thread.start()
    }

    /// Runs `body`, a blocking MPI call described by `operation`, under watch.
    func watch<T>(_ operation: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        current.withLock { $0 = (operation(), ContinuousClock.now) }
        defer { current.withLock { $0 = nil } }
        return try body()
    }

    private func check() {
        guard let (operation, since) = current.withLock({ $0 }), ContinuousClock.now - since > limit else { return }
        let seconds = limit.components.seconds
        FileHandle.standardError.write(Data(("cnn-zoo: error: \(label): no answer for \(seconds) s in \(operation): a process has "
            + "stopped answering; ending the job (CNN_ZOO_MPI_TIMEOUT sets the wait)\n").utf8))
        exit(3)
    }

    /// The limit `CNN_ZOO_MPI_TIMEOUT` sets in seconds (default 600; 0 watches nothing), or a
    /// one-line reason it cannot be read.
    static func limit(environment: [String: String]) throws -> Duration? {
        guard let text = environment["CNN_ZOO_MPI_TIMEOUT"] else { return .seconds(600) }
        guard let seconds = Int(text), seconds >= 0 else {
            throw MPIError("CNN_ZOO_MPI_TIMEOUT must be a whole number of seconds (0: wait for ever), got '\(text)'")
        }
        return seconds == 0 ? nil : .seconds(seconds)
    }
}
