import Foundation

/// Progress through an epoch: a redrawn bar on a terminal, a plain line every tenth otherwise.
struct Progress {
    let total: Int
    let label: String
    let interactive: Bool
    private let start = Date()
    private var startStep: Int
    private var lastDraw = Date.distantPast
    private var lastDecile = -1

    init(total: Int, label: String, startingAt step: Int, interactive: Bool = Console.errorIsTerminal) {
        self.total = total
        self.label = label
        self.interactive = interactive
        self.startStep = step
        lastDecile = step * 10 / max(total, 1)
    }

    /// Reports that `step` of `total` batches are done, `images` images since the start, with the running loss.
    mutating func update(step: Int, images: Int, loss: Double) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(images) / max(elapsed, 1e-9)
        let remaining = Double(total - step) * elapsed / Double(max(step - startStep, 1))
        if interactive {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || step == total else { return }
            lastDraw = Date()
            let width = 24
            let filled = width * step / max(total, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            Console.status(String(format: "\r\u{1B}[2K%@ %@ %d/%d  loss %.4f  %.0f img/s  ETA %@",
                                  label, bar, step, total, loss, rate, Format.duration(remaining)))
        } else {
            let decile = step * 10 / max(total, 1)
            guard decile > lastDecile, decile < 10 else { return }
            lastDecile = decile
            Console.status(String(format: "%@ %3d%%  step %d/%d  loss %.4f  %.0f img/s  ETA %@\n",
                                  label, decile * 10, step, total, loss, rate, Format.duration(remaining)))
        }
    }

    /// Clears the bar before the epoch's summary line.
    func finish() {
        if interactive { Console.status("\r\u{1B}[2K") }
    }
}
