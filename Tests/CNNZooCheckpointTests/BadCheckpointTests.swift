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
        FileManager.default.createFile(atPath: folder + "/empty.h5", contents: Data())
        expect(folder + "/empty.h5", "is empty")
        var random = RandomGenerator(seed: 1)
        FileManager.default.createFile(atPath: folder + "/noise.h5", contents: Data((0..<4096).map { _ in UInt8(random.next() & 0xFF) }))
        expect(folder + "/noise.h5", "is not an HDF5 file")
        let whole = try Data(contentsOf: URL(fileURLWithPath: good))
        for fraction in [0.02, 0.3, 0.7, 0.95] {
            let cut = folder + "/cut\(fraction).h5"
            FileManager.default.createFile(atPath: cut, contents: whole.prefix(Int(Double(whole.count) * fraction)))
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
               "written in checkpoint format version 7 by a newer cnn-zoo; this program reads version 1")
        expect(try damaged("notjson") { try $0.setAttribute("model_spec", string: "{ not json") }, "model_spec: not valid JSON")
        var spec = Fixture.spec
        spec.layers[2].kind = "swish"
        expect(try damaged("unknownkind") { try $0.setAttribute("model_spec", string: String(decoding: spec.jsonData(), as: UTF8.self)) },
               "model_spec: layer 'act': unknown layer kind 'swish'")
    }

    func testWeightsThatDoNotFitTheSpec() throws {
        expect(try damaged("missing") { try $0.group("weights").group("fc").remove("weight") }, "fc.weight: missing")
        expect(try damaged("nogroup") { try $0.remove("weights") }, "weights is missing")
        expect(try damaged("shape") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("weight")
            try fc.write("weight", floats: [Float](repeating: 0, count: 3 * 8), shape: [3, 8])
        }, "fc.weight: checkpoint has [3, 8], model expects [3, 36]")
        expect(try damaged("rank") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("bias")
            try fc.write("bias", floats: [0, 0, 0], shape: [1, 3])
        }, "fc.bias: checkpoint has [1, 3], model expects [3]")
        expect(try damaged("dtype") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("bias")
            try fc.write("bias", doubles: [0, 0, 0], shape: [3])
        }, "fc.bias: holds float64 values")
        expect(try damaged("nan") { file in
            let conv = try file.group("weights").group("conv")
            var values = try conv.readFloats("bias").values
            values[2] = .nan
            try conv.remove("bias")
            try conv.write("bias", floats: values, shape: [4])
        }, "conv.bias: value nan at index 2")
        expect(try damaged("extra") { try $0.group("weights").group("fc").write("scale", floats: [1], shape: [1]) },
               "fc.scale: unexpected")
        expect(try damaged("momentum") { file in
            let fc = try file.group("optimizer").group("momentum_buffers").group("fc")
            try fc.remove("weight")
            try fc.write("weight", floats: [0], shape: [1])
        }, "fc.weight: checkpoint has [1], model expects [3, 36]")
    }

    func testTrainingState() throws {
        expect(try damaged("negative") { try $0.group("training").setAttribute("epoch", integer: -3) }, "training/epoch = -3 is out of range")
        expect(try damaged("absurd") { try $0.group("training").setAttribute("global_step", integer: Int64.max) }, "global_step")
        expect(try damaged("steps") { try $0.group("training").setAttribute("global_step", integer: 99) },
               "optimizer step 4 disagrees with training/global_step 99")
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
