import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// A small model with every kind of state: conv, per-position bias, pool, dropout (random
/// stream), dense, and momentum buffers.
enum Fixture {
    static let spec = ModelSpec(name: "fixture", summary: "test net", origin: "tests", inputShape: [1, 6, 6], classes: 3, layers: [
        LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": .number(4), "kernel": .number(3), "padding": .number(1)]),
        LayerSpec(name: "pos", kind: "bias"),
        LayerSpec(name: "act", kind: "relu"),
        LayerSpec(name: "pool", kind: "maxpool2d", settings: ["kernel": .number(3), "stride": .number(2), "padding": .array([.number(0), .number(1), .number(0), .number(1)])]),
        LayerSpec(name: "flat", kind: "flatten"),
        LayerSpec(name: "drop", kind: "dropout", settings: ["rate": .number(0.2)]),
        LayerSpec(name: "fc", kind: "dense", settings: ["units": .number(3)]),
    ], loss: LossSpec(kind: "cross_entropy"), training: TrainingDefaults(epochs: 2, batchSize: 8))

    static let data: LabeledImages = {
        var random = RandomGenerator(seed: 5)
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for _ in 0..<100 {
            let label = Int(random.next() % 3)
            for row in 0..<6 { for _ in 0..<6 { pixels.append(UInt8(row / 2 == label ? 200 : Int(random.next() % 60))) } }
            labels.append(UInt8(label))
        }
        return try! LabeledImages(imageShape: [1, 6, 6], pixels: pixels, labels: labels)  // consistent by construction
    }()

    static let run = RunSettings(totalEpochs: 2, batchSize: 8, schedule: .warmupCosine(warmupEpochs: 0.5, startRate: 0.001, endRate: 0.001),
                                 dataset: "synthetic", dataDirectory: "/nowhere")
    static let optimizer = SGD(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4)

    static func newTrainer(optimizer: any Optimizer = optimizer) throws -> Trainer {
        let model = try Model(spec: spec)
        model.initializeParameters(seed: 11)
        return try Trainer(model: model, data: data, optimizer: optimizer, schedule: run.schedule, batchSize: run.batchSize,
                           totalEpochs: run.totalEpochs, state: TrainingState(seed: 11))
    }

    static func resume(_ checkpoint: Checkpoint) throws -> Trainer {
        try Trainer(model: try checkpoint.makeModel(), data: data, optimizer: checkpoint.optimizer, optimizerState: checkpoint.optimizerState,
                    schedule: checkpoint.run.schedule, batchSize: checkpoint.run.batchSize, totalEpochs: checkpoint.run.totalEpochs,
                    state: checkpoint.training)
    }

    /// Runs `trainer` for `steps` steps (or to the end), closing epochs as they complete.
    static func advance(_ trainer: Trainer, steps: Int = .max) throws {
        var done = 0
        while !trainer.isFinished && done < steps {
            if trainer.epochIsComplete {
                try trainer.finishEpoch(testAccuracy: 0.5, seconds: 1)
                continue
            }
            try trainer.step()
            done += 1
            if trainer.epochIsComplete { try trainer.finishEpoch(testAccuracy: 0.5, seconds: 1) }
        }
    }
}

final class CheckpointTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "checkpoint-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func path(_ name: String) -> String { folder + "/" + name }

    func save(_ trainer: Trainer, _ name: String) throws -> String {
        try Checkpoint(trainer: trainer, run: Fixture.run, writer: "tests").write(to: path(name))
        return path(name)
    }

    func assertSameRun(_ a: Trainer, _ b: Trainer, file: StaticString = #filePath, line: UInt = #line) {
        for (pa, pb) in zip(a.model.namedParameters, b.model.namedParameters) {
            XCTAssertEqual(pa.parameter.value.scalars, pb.parameter.value.scalars, "weights \(pa.path)", file: file, line: line)
        }
        XCTAssertEqual(a.optimizerState, b.optimizerState, "optimizer state and step", file: file, line: line)
        XCTAssertEqual(a.state.random, b.state.random, "random stream", file: file, line: line)
        XCTAssertEqual(a.state.globalStep, b.state.globalStep, file: file, line: line)
    }

    func testRoundTripKeepsEveryArrayAndState() throws {
        let trainer = try Fixture.newTrainer()
        try Fixture.advance(trainer, steps: 17)
        let saved = Checkpoint(trainer: trainer, run: Fixture.run, writer: "tests")
        try saved.write(to: path("a.h5"))
        let loaded = try Checkpoint.read(from: path("a.h5"))
        XCTAssertEqual(loaded.spec, saved.spec)
        XCTAssertEqual(loaded.parameters.map(\.path), saved.parameters.map(\.path))
        XCTAssertEqual(loaded.parameters.map(\.value), saved.parameters.map(\.value))
        XCTAssertEqual(loaded.optimizer.spec, saved.optimizer.spec)
        XCTAssertEqual(loaded.optimizerState, saved.optimizerState)
        XCTAssertEqual(loaded.training, saved.training)
        XCTAssertEqual(loaded.run, saved.run)
        XCTAssertEqual(loaded.training.batchInEpoch, 17 - 13)  // 13 steps per epoch of 100 at batch 8
        XCTAssertEqual(loaded.training.history.count, 1)
    }

    func testResumeAtEpochBoundaryIsBitExact() throws {
        let straight = try Fixture.newTrainer()
        try Fixture.advance(straight)

        let first = try Fixture.newTrainer()
        try Fixture.advance(first, steps: first.stepsPerEpoch)
        XCTAssertEqual(first.state.epoch, 1)
        let resumed = try Fixture.resume(try Checkpoint.read(from: try save(first, "epoch1.h5")))
        try Fixture.advance(resumed)
        assertSameRun(straight, resumed)
    }

    func testResumeMidEpochIsBitExact() throws {
        let straight = try Fixture.newTrainer()
        try Fixture.advance(straight)
        for stop in [5, 13 + 7] {
            let first = try Fixture.newTrainer()
            try Fixture.advance(first, steps: stop)
            let resumed = try Fixture.resume(try Checkpoint.read(from: try save(first, "mid\(stop).h5")))
            XCTAssertGreaterThan(resumed.state.batchInEpoch, 0)
            try Fixture.advance(resumed)
            assertSameRun(straight, resumed)
            XCTAssertEqual(resumed.state.history.map(\.trainLoss), straight.state.history.map(\.trainLoss))
        }
        // The comparison can fail: a run with another seed differs.
        let other = try Trainer(model: try Model(spec: Fixture.spec), data: Fixture.data, optimizer: Fixture.optimizer,
                                schedule: Fixture.run.schedule, batchSize: 8, totalEpochs: 2, state: TrainingState(seed: 12))
        other.model.initializeParameters(seed: 11)
        try Fixture.advance(other)
        XCTAssertNotEqual(other.model.namedParameters[0].parameter.value, straight.model.namedParameters[0].parameter.value)
    }

    /// Adam (also with AMSGrad) and AdamW through a model with dropout: two epochs straight equal one
    /// epoch plus a resume, and equal a resume from a mid-epoch checkpoint, in every weight and slot.
    func testAdamResumesBitExactlyAtEpochBoundaryAndMidEpoch() throws {
        let optimizers: [any Optimizer] = [Adam(learningRate: 0.01, weightDecay: 1e-3), Adam(learningRate: 0.01, amsgrad: true),
                                           AdamW(learningRate: 0.01)]
        for optimizer in optimizers {
            let straight = try Fixture.newTrainer(optimizer: optimizer)
            try Fixture.advance(straight)
            XCTAssertEqual(Set(straight.optimizerState.slots.keys), Set(optimizer.slots))
            for stop in [13, 5, 13 + 7] {
                let first = try Fixture.newTrainer(optimizer: optimizer)
                try Fixture.advance(first, steps: stop)
                let loaded = try Checkpoint.read(from: try save(first, "\(optimizer.kind)-\(stop).h5"))
                XCTAssertEqual(loaded.optimizer.summaryLine, optimizer.summaryLine)
                XCTAssertEqual(loaded.optimizerState, first.optimizerState)
                let resumed = try Fixture.resume(loaded)
                try Fixture.advance(resumed)
                assertSameRun(straight, resumed)
                XCTAssertEqual(resumed.state, straight.state, "\(optimizer.summaryLine) resumed at step \(stop)")
            }
        }
    }

    func testSaveReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let trainer = try Fixture.newTrainer()
        let target = try save(trainer, "c.h5")
        try Fixture.advance(trainer, steps: 3)
        _ = try save(trainer, "c.h5")
        XCTAssertEqual(try Checkpoint.read(from: target).training.globalStep, 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["c.h5"])
        XCTAssertThrowsError(try Checkpoint(trainer: trainer, run: Fixture.run, writer: "t").write(to: path("missing/dir/c.h5")))
    }

    func testH5DumpReadsItCleanly() throws {
        let target = try save(try Fixture.newTrainer(), "d.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/h5dump")
        process.arguments = ["-A", target]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("\"cnn-zoo checkpoint\""), output)
        XCTAssertTrue(output.contains("GROUP \"state\""), output)
        XCTAssertFalse(output.contains("error"))
    }
}
