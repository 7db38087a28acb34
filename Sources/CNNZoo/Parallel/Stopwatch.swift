/// Adds up the time spent in pieces of work.
enum Stopwatch {
    /// Runs `body`, adding the seconds it took to `total`.
    static func time<T>(into total: inout Double, _ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let elapsed = clock.now - start
            total += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        return try body()
    }
}
