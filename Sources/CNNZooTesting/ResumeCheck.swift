import CNNZoo
import CNNZooData
import CNNZooTraining
import Foundation
import XCTest

/// A run stopped, saved, read back and resumed must end exactly where the same run ends
/// uninterrupted: the check every zoo entry passes, for a plugin's layers and optimizers too.
public enum ResumeCheck {
    /// Trains `spec` on `data` for `epochs` straight; trains it again, stopped after `steps`
    /// steps, saved to a checkpoint in `folder`, and resumed from the file; fails the calling test
    /// unless both end with the same bits in every parameter, buffer and optimizer slot, the same
    /// step count and the same random stream.
    ///
    /// `threads` gives the thread counts of the straight, the stopped and the resumed run
    /// (empty: the machine's for all three): a run's bits do not depend on them.
    public static func check(spec: ModelSpec, registry: Registry, data: DataSet, epochs: Int = 2, batchSize: Int? = nil,
                             optimizer: OptimizerSpec? = nil, stoppingAfter steps: Int, folder: String, threads: [Int] = [],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        precondition(threads.isEmpty || threads.count == 3, "threads: the straight, the stopped and the resumed run's")
        let count = { (run: Int) in threads.isEmpty ? nil : threads[run] }
        let straight = try TrainingRun(spec: spec, registry: registry, data: data, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                                       threads: count(0))
        XCTAssertEqual(try straight.train(), .finished, file: file, line: line)

        let path = (folder as NSString).appendingPathComponent("resume-check-\(spec.name).h5")
        let stopped = try TrainingRun(spec: spec, registry: registry, data: data, epochs: epochs, batchSize: batchSize,
                                      optimizer: optimizer, checkpoint: path, threads: count(1))
        var taken = 0
        let outcome = try stopped.train(stoppingWhen: {
            taken += 1
            return taken == steps
        })
        XCTAssertEqual(outcome, .stopped, "the run ended before step \(steps)", file: file, line: line)
        let resumed = try TrainingRun(resuming: path, registry: registry, data: data, threads: count(2))
        XCTAssertEqual(try resumed.train(), .finished, file: file, line: line)

        let (a, b) = (straight.trainer, resumed.trainer)
        func tensors(_ model: Model) -> [(String, Parameter)] {
            model.namedParameters.map { ($0.path, $0.parameter) } + model.namedBuffers.map { ($0.path, $0.buffer) }
        }
        for ((path, x), (_, y)) in zip(tensors(a.model), tensors(b.model)) {
            XCTAssertEqual(x.value.scalars, y.value.scalars, "\(path) differs after the resume", file: file, line: line)
        }
        XCTAssertEqual(a.optimizerState, b.optimizerState, "the optimizer state differs after the resume", file: file, line: line)
        XCTAssertEqual(a.state.globalStep, b.state.globalStep, file: file, line: line)
        XCTAssertEqual(a.state.random, b.state.random, "the random stream differs after the resume", file: file, line: line)
        XCTAssertEqual(a.state.stepLosses, b.state.stepLosses, "the step losses differ", file: file, line: line)
    }
}
