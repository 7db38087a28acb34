import Foundation
import Synchronization

/// Ctrl-C during training: the first one asks the loop to stop after the current step
/// (and save); a second one ends the program at once.
enum Interrupt {
    private static let requested = Atomic<Bool>(false)

    static var wasRequested: Bool { requested.load(ordering: .relaxed) }

    static func install() {
        signal(SIGINT) { _ in
            if Interrupt.requested.exchange(true, ordering: .relaxed) {
                _exit(130)
            }
        }
    }
}
