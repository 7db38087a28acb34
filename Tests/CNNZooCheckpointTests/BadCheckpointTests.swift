import CNNZoo
@testable import CNNZooCheckpoint
import Foundation
import XCTest

/// Each damaged or foreign file is refused with one line naming the file and the problem.
final class BadCheckpointTests: XCTestCase {
    var folder: String!
    var good: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "bad-checkpoints-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let trainer = try Fixture.newTrainer()
        try Fixture.advance(trainer, steps: 4)
        good = folder + "/good.h5"
        try Checkpoint(trainer: trainer, run: Fixture.run, writer: "tests").write(to: good)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A copy of the good file changed by `edit`.
    func damaged(_ name: String, _ edit: (HDF5File) throws -> Void) throws -> String {
        let target = folder + "/" + name + ".h5"
        try FileManager.default.copyItem(atPath: good, toPath: target)
        let file = try HDF5File.openForUpdate(path: target)
        try edit(file)
        try file.close()
        return target
    }

    func refusal(_ path: String) -> String {
        do { _ = try Checkpoint.read(from: path) } catch { return String(describing: error) }
        return "accepted"
    }

    func expect(_ path: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        let message = refusal(path)
        XCTAssertTrue(message.hasPrefix(path), "does not name the file: \(message)", file: file, line: line)
        XCTAssertTrue(message.contains(fragment), "\(message)\n  expected: \(fragment)", file: file, line: line)
        XCTAssertFalse(message.contains("\n"), "more than one line: \(message)", file: file, line: line)
    }

    func testTheGoodFileLoads() {
        XCTAssertEqual(refusal(good), "accepted")
    }

    func testFilesThatAreNotCheckpoints() throws {
        expect(folder + "/missing.h5", "no such file")
        expect(folder, "is a directory")
        _ = FileManager.default.createFile(atPath: folder + "/empty.h5", contents: Data())
        expect(folder + "/empty.h5", "is empty")
        var random = RandomGenerator(seed: 1)
        _ = FileManager.default.createFile(atPath: folder + "/noise.h5", contents: Data((0..<4096).map { _ in UInt8(random.next() & 0xFF) }))
        expect(folder + "/noise.h5", "is not an HDF5 file")
        let whole = try Data(contentsOf: URL(fileURLWithPath: good))
        for fraction in [0.02, 0.3, 0.7, 0.95] {
            let cut = folder + "/cut\(fraction).h5"
            _ = FileManager.default.createFile(atPath: cut, contents: whole.prefix(Int(Double(whole.count) * fraction)))
            XCTAssertTrue(refusal(cut).hasPrefix(cut), "truncated at \(fraction): \(refusal(cut))")
        }
        let other = folder + "/other.h5"
        let file = try HDF5File.create(path: other)
        try file.write("data", floats: [1, 2, 3], shape: [3])
        try file.close()
        expect(other, "not a cnn-zoo checkpoint")
    }

    func testVersionAndSpec() throws {
        expect(try damaged("future") { try $0.setAttribute("format_version", integer: 7) },
               "written in checkpoint format version 7 by a newer cnn-zoo; this program reads version 2 and older")
        expect(try damaged("notjson") { try $0.setAttribute("model_spec", string: "{ not json") }, "model_spec: not valid JSON")
        var spec = Fixture.spec
        spec.layers[2].kind = "swish"
        expect(try damaged("unknownkind") { try $0.setAttribute("model_spec", string: String(decoding: spec.jsonData(), as: UTF8.self)) },
               "model_spec: layer 'act': unknown layer kind 'swish'")
    }

    func testWeightsThatDoNotFitTheSpec() throws {
        expect(try damaged("missing") { try $0.group("weights").group("fc").remove("weight") }, "/weights/fc/weight is missing; the file is incomplete")
        expect(try damaged("nogroup") { try $0.remove("weights") }, "weights is missing")
        expect(try damaged("shape") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("weight")
            try fc.write("weight", floats: [Float](repeating: 0, count: 3 * 8), shape: [3, 8])
        }, "/weights/fc/weight has shape [3, 8], but fc.weight is [3, 36] in the model")
        expect(try damaged("rank") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("bias")
            try fc.write("bias", floats: [0, 0, 0], shape: [1, 3])
        }, "/weights/fc/bias has shape [1, 3], but fc.bias is [3] in the model")
        expect(try damaged("dtype") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("bias")
            try fc.write("bias", doubles: [0, 0, 0], shape: [3])
        }, "/weights/fc/bias holds float64 values, expected float32")
        expect(try damaged("nan") { file in
            let conv = try file.group("weights").group("conv")
            var values = try conv.readFloats("bias").values
            values[2] = .nan
            try conv.remove("bias")
            try conv.write("bias", floats: values, shape: [4])
        }, "/weights/conv/bias: value nan at index 2 is not finite")
        expect(try damaged("extra") { try $0.group("weights").group("fc").write("scale", floats: [1], shape: [1]) },
               "/weights/fc/scale is unexpected: the model has no parameter fc.scale")
    }

    /// The reader knows from the kind, its settings and the step which slots must exist.
    func testOptimizerStateMustBeCompleteAndNothingMore() throws {
        func slot(_ file: HDF5File, _ name: String) throws -> HDF5Group { try file.group("optimizer").group("state").group(name) }
        expect(try damaged("missing-slot-tensor") { try slot($0, "momentum_buffer").group("fc").remove("weight") },
               ":/optimizer/state/momentum_buffer/fc/weight is missing (sgd at step 4 keeps momentum_buffer for every parameter); the file is incomplete")
        expect(try damaged("missing-slot") { try $0.group("optimizer").group("state").remove("momentum_buffer") },
               ":/optimizer/state/momentum_buffer is missing (sgd at step 4 keeps momentum_buffer for every parameter); the file is incomplete")
        expect(try damaged("extra-slot") { file in
            try file.group("optimizer").group("state").createGroup("exp_avg").createGroup("fc").write("bias", floats: [0, 0, 0], shape: [3])
        }, ":/optimizer/state/exp_avg is not expected (sgd at step 4 keeps momentum_buffer); the file is inconsistent")
        expect(try damaged("extra-slot-tensor") { try slot($0, "momentum_buffer").group("fc").write("scale", floats: [1], shape: [1]) },
               ":/optimizer/state/momentum_buffer/fc/scale is unexpected: the model has no parameter fc.scale")
        expect(try damaged("slot-shape") { file in
            let fc = try slot(file, "momentum_buffer").group("fc")
            try fc.remove("weight")
            try fc.write("weight", floats: [0], shape: [1])
        }, ":/optimizer/state/momentum_buffer/fc/weight has shape [1], but fc.weight is [3, 36] in the model")
        // Momentum 0 keeps no state, so a buffer is one too many.
        expect(try damaged("no-momentum") { file in
            try file.group("optimizer").setAttribute("momentum", double: 0)
            try file.group("optimizer").setAttribute("nesterov", integer: 0)
        },
               ":/optimizer/state/momentum_buffer is not expected (sgd at step 4 keeps no state); the file is inconsistent")
        expect(try damaged("bad-setting") { try $0.group("optimizer").setAttribute("momentun", double: 0.9) },
               ":/optimizer: optimizer 'sgd': unknown setting 'momentun' (did you mean 'momentum'?)")
        expect(try damaged("unknown-kind") { try $0.group("optimizer").setAttribute("kind", string: "adagrad") },
               "unknown optimizer 'adagrad'")
        expect(try damaged("no-step") { try $0.group("optimizer").removeAttribute("step") }, ":/optimizer has no attribute 'step'")
    }

    func testAnAdamCheckpointNeedsBothMomentsAndItsMaximumWithAMSGrad() throws {
        let trainer = try Trainer(model: try Model(spec: Fixture.spec), data: Fixture.data, optimizer: Adam(amsgrad: true),
                                  schedule: .constant, batchSize: 8, totalEpochs: 1, state: TrainingState(seed: 1))
        try Fixture.advance(trainer, steps: 3)
        good = folder + "/adam.h5"
        try Checkpoint(trainer: trainer, run: Fixture.run, writer: "tests").write(to: good)
        XCTAssertEqual(refusal(good), "accepted")
        for slot in ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] {
            expect(try damaged("adam-\(slot)") { try $0.group("optimizer").group("state").group(slot).group("conv").remove("weight") },
                   ":/optimizer/state/\(slot)/conv/weight is missing (adam at step 3 keeps \(slot) for every parameter); the file is incomplete")
        }
        expect(try damaged("adam-no-amsgrad") { try $0.group("optimizer").setAttribute("amsgrad", integer: 0) },
               ":/optimizer/state/max_exp_avg_sq is not expected (adam at step 3 keeps exp_avg, exp_avg_sq); the file is inconsistent")
    }

    func testTrainingState() throws {
        expect(try damaged("negative") { try $0.group("training").setAttribute("epoch", integer: -3) }, "training/epoch = -3 is out of range")
        expect(try damaged("absurd") { try $0.group("training").setAttribute("global_step", integer: Int64.max) }, "global_step")
        expect(try damaged("steps") { try $0.group("training").setAttribute("global_step", integer: 99) },
               "optimizer step 4 disagrees with training/global_step 99")
        expect(try damaged("no-random") { try $0.group("training").remove("random_state") },
               ":/training/random_state is missing (the dropout stream); the file is incomplete")
        for attribute in ["epoch", "seed", "threads", "running_loss_sum", "dataset"] {
            expect(try damaged("no-\(attribute)") { try $0.group("training").removeAttribute(attribute) },
                   ":/training attribute '\(attribute)' is missing; the file is incomplete")
        }
        expect(try damaged("no-step-loss") { try $0.group("training").remove("step_loss") },
               ":/training/step_loss is missing; the file is incomplete")
        expect(try damaged("random") { file in
            let training = try file.group("training")
            try training.remove("random_state")
            try training.write("random_state", unsigned: [0, 0, 0, 0], shape: [4])
        }, "random_state must be 4 words")
        expect(try damaged("wrongtype") { try $0.group("training").setAttribute("epoch", string: "one") }, "is not a single integer")
        expect(try damaged("schedule") { try $0.group("training").setAttribute("lr_schedule", string: "{\"kind\": \"zigzag\"}") },
               "lr_schedule is not a schedule")
    }
}
