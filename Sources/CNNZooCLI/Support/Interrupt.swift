import Foundation
import Synchronization

/// Ctrl-C during training: the first one asks the loop to stop after the current step
/// (and save); a second one ends the program at once. SIGTERM counts as Ctrl-C: it is what
/// mpirun sends a job's processes when it is interrupted.
enum Interrupt {
    private static let requested = Atomic<Bool>(false)

    static var wasRequested: Bool { requested.load(ordering: .relaxed) }

    static func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in
                if Interrupt.requested.exchange(true, ordering: .relaxed) {
                    _exit(130)
                }
            }
        }
    }
}
