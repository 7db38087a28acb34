import CNNZoo
import CNNZooData
import CNNZooModels
import CNNZooTesting
import CNNZooTraining
import Foundation
import XCTest

/// The training API as a Swift program uses it: the README's example, resuming bit for bit,
/// stopping, and the refusals.
final class TrainingRunTests: XCTestCase {
    var folder: String!
    let registry = try! Registry(plugins: [ZooCatalog.builtInPlugin()])

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "training-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Random 28×28 images of `classes` classes, in memory.
    func syntheticData(train: Int = 160, test: Int = 40, classes: Int = 10) throws -> DataSet {
        var random = RandomGenerator(seed: 5)
        func images(_ count: Int) throws -> LabeledImages {
            try LabeledImages(imageShape: [1, 28, 28], pixels: (0..<count * 784).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                              labels: (0..<count).map { UInt8($0 % classes) })
        }
        return DataSet(name: "synthetic", train: try images(train), test: try images(test))
    }

    /// The README's "Train from Swift" lines, word for word, in a folder of their own.
    func testTheReadmeExample() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist"),
                          "needs Debian's dataset-fashion-mnist (Tools/setup.sh installs it)")
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        var printed: [String] = []
        func print(_ line: String) { printed.append(line) }

        // README begins
        let registry = try Registry(plugins: [ZooCatalog.builtInPlugin()])
        let data = try DataSet.load(name: "fashion-mnist", limit: 1000)

        let run = try TrainingRun(model: "mnist-conv-pool", registry: registry, data: data, epochs: 2, checkpoint: "run.h5")
        try run.train { event in
            if case let .epoch(record, _, _) = event { print("epoch \(record.epoch): \(record.testAccuracy ?? 0) on the test set") }
        }

        let resumed = try TrainingRun(resuming: "run.h5", registry: registry, epochs: 3)
        try resumed.train()
        print("accuracy \(try resumed.evaluate().accuracy) after \(resumed.trainer.state.epoch) epochs")
        // README ends

        XCTAssertEqual(printed.count, 3, "\(printed)")
        XCTAssertTrue(printed[2].hasPrefix("accuracy "), printed[2])
        XCTAssertTrue(printed[2].hasSuffix(" after 3 epochs"), printed[2])
        XCTAssertGreaterThan(try resumed.evaluate().accuracy, 0.5, "three epochs on 1,000 images learn something")
        XCTAssertEqual(resumed.trainer.state.history.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(resumed.settings.dataset, "fashion-mnist", "resumed on the data the run recorded")
    }

    func testAStoppedAndResumedRunEndsBitForBitWhereAStraightOneEnds() throws {
        let data = try syntheticData()
        for name in ["mnist-small", "mnist-dropout"] {
            let spec = try XCTUnwrap(registry.models.first { $0.name == name })
            // 160 images in batches of 32: five steps an epoch, stopped mid-way through the second.
            try ResumeCheck.check(spec: spec, registry: registry, data: data, epochs: 2, batchSize: 32, stoppingAfter: 7, folder: folder)
        }
        let spec = try XCTUnwrap(registry.models.first { $0.name == "mnist-small" })
        try ResumeCheck.check(spec: spec, registry: registry, data: data, epochs: 2, batchSize: 32,
                              optimizer: OptimizerSpec(kind: "adam", settings: ["lr": 0.001, "amsgrad": true]), stoppingAfter: 3, folder: folder)
    }

    /// A run stopped on one machine resumes bit for bit on another with other cores: 2 threads
    /// straight, 3 threads stopped, 1 thread resumed — for a chain with dropout and a residual
    /// graph with batch normalisation.
    func testARunResumesBitForBitUnderAnotherThreadCount() throws {
        let previous = Parallelism.threads
        defer { Parallelism.setThreads(previous) }
        let data = try syntheticData()
        for name in ["mnist-dropout", "mnist-resnet"] {
            let spec = try XCTUnwrap(registry.models.first { $0.name == name })
            // Batches of 48 (three chunks), the last of each epoch 16: stopped in the second epoch.
            try ResumeCheck.check(spec: spec, registry: registry, data: data, epochs: 2, batchSize: 48, stoppingAfter: 6,
                                  folder: folder, threads: [2, 3, 1])
        }
    }

    func testEventsComeInOrderAndAStopSaves() throws {
        let data = try syntheticData()
        let path = folder + "/run.h5"
        let run = try TrainingRun(model: "mnist-small", registry: registry, data: data, epochs: 2, batchSize: 64, checkpoint: path)
        run.saveEvery = 2
        var events: [String] = []
        var steps = 0
        let outcome = try run.train { event in
            switch event {
            case let .step(step, of, _, _): steps += 1; events.append("step \(step)/\(of)")
            case let .epoch(record, images, _): events.append("epoch \(record.epoch) \(images)")
            case let .saved(_, reason): events.append("saved \(reason.rawValue)")
            }
        } stoppingWhen: {
            steps == 4
        }
        XCTAssertEqual(outcome, .stopped)
        XCTAssertEqual(events, ["step 1/3", "step 2/3", "saved step", "step 3/3", "saved epoch", "epoch 1 160", "step 1/3", "saved stop"])
        let resumed = try TrainingRun(resuming: path, registry: registry, data: data)
        XCTAssertEqual(resumed.trainer.state.globalStep, 4)
        XCTAssertEqual(resumed.checkpointPath, path, "a resumed run saves back where it came from")
    }

    /// A model far larger than any machine builds without allocating its weights — so it can be
    /// listed and shown — and a run of it is refused in one line before anything is allocated.
    func testAModelTooLargeForTheMachineIsRefusedBeforeAllocating() throws {
        let layers = [LayerSpec(name: "flat", kind: "flatten")]
            + (1...40).map { LayerSpec(name: "fc\($0)", kind: "dense", settings: ["units": 16384]) }
            + [LayerSpec(name: "out", kind: "dense", settings: ["units": 10])]
        let spec = ModelSpec(name: "huge", inputShape: [1, 28, 28], classes: 10, layers: layers, loss: LossSpec(kind: "cross_entropy"))
        let model = try Model(spec: spec)
        XCTAssertEqual(model.parameterCount, 784 * 16384 + 16384 + 39 * (16384 * 16384 + 16384) + 16384 * 10 + 10)
        XCTAssertFalse(model.namedParameters.contains { $0.parameter.isAllocated }, "building allocates no weights")
        let data = try syntheticData()
        XCTAssertThrowsError(try TrainingRun(spec: spec, registry: registry, data: data, optimizer: OptimizerSpec(kind: "adam"))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix("huge needs about "), message)
            XCTAssertTrue(message.contains("10,482,647,050 parameters, their gradients and adam's exp_avg, exp_avg_sq, and the activations of a batch of 64); this process may use "), message)
        }
    }

    func testRefusalsNameWhatToFix() throws {
        let data = try syntheticData()
        func message(_ make: () throws -> Any) -> String {
            do { _ = try make(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { try TrainingRun(model: "mnist-tiny", registry: self.registry, data: data) },
                       "unknown model 'mnist-tiny'; the zoo has \(registry.models.map(\.name).joined(separator: ", "))")
        let path = folder + "/done.h5"
        try TrainingRun(model: "mnist-small", registry: registry, data: data, epochs: 1, checkpoint: path).train()
        XCTAssertEqual(message { try TrainingRun(resuming: path, registry: self.registry, data: data) },
                       "\(path) has finished all 1 epochs; ask for more than 1 to train on")
        XCTAssertEqual(message { try TrainingRun(resuming: path, registry: self.registry, data: data, epochs: 1) },
                       "the checkpoint has already finished 1 epochs; ask for more")
        let colour = DataSet(name: "colour", train: try LabeledImages(imageShape: [3, 28, 28], pixels: [UInt8](repeating: 0, count: 3 * 784), labels: [0]),
                             test: try LabeledImages(imageShape: [3, 28, 28], pixels: [], labels: []))
        XCTAssertEqual(message { try TrainingRun(model: "mnist-small", registry: self.registry, data: colour) },
                       "mnist-small takes 1×28×28 images but colour has 3×28×28")
    }
}
