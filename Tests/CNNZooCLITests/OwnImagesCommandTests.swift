import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import Foundation
import XCTest

/// A person's own images through the command: a folder of class folders trained on, resumed,
/// asked about one photo; CIFAR files for the CIFAR-shaped entries; and a resume on data that is
/// not the run's refused.
final class OwnImagesCommandTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "own-images-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func run(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    func python(_ script: String) throws {
        let result = try CommandRunner.run(["python3", "-c", script], in: folder, executable: URL(fileURLWithPath: "/usr/bin/env"))
        if result.stderr.contains("No module named 'PIL'") { throw XCTSkip("needs Pillow (Tools/test.sh installs it)") }
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testAFolderOfPhotosTrainedResumedAndAsked() throws {
        try python("""
            import os
            import numpy as np
            from PIL import Image
            rng = np.random.default_rng(4)
            for split, n in (("train", 24), ("test", 6)):
                for c, name in enumerate(["apple", "banana", "cherry"]):
                    os.makedirs(f"photos/{split}/{name}", exist_ok=True)
                    for i in range(n):
                        a = rng.integers(0, 60, (16, 16, 3)).astype(np.uint8)
                        a[:, :, c] += 150
                        Image.fromarray(a).save(f"photos/{split}/{name}/{i}." + ("png" if i % 2 else "jpg"), quality=95)
            """)
        let spec = """
            {"name": "fruit", "input_shape": [3, 16, 16], "classes": 3,
             "layers": [{"name": "norm", "kind": "normalize"},
                        {"name": "conv", "kind": "conv2d", "out_channels": 6, "kernel": 3, "padding": 1},
                        {"name": "relu", "kind": "relu"}, {"name": "gap", "kind": "global_avg_pool"},
                        {"name": "fc", "kind": "dense", "units": 3}],
             "loss": {"kind": "cross_entropy"},
             "training": {"epochs": 3, "batch_size": 8, "optimizer": {"kind": "adam", "lr": 0.03},
                          "augmentation": {"crop_padding": 2, "horizontal_flip": true}}}
            """
        _ = FileManager.default.createFile(atPath: folder + "/fruit.json", contents: Data(spec.utf8))
        // Straight through, and stopped after 2 epochs then resumed: the same bits.
        XCTAssertEqual(try run("train", "fruit.json", "--data", "photos", "--checkpoint", "straight.h5").status, 0)
        XCTAssertEqual(try run("train", "fruit.json", "--data", "photos", "--epochs", "2", "--checkpoint", "part.h5").status, 0)
        let resumed = try run("train", "--resume", "part.h5", "--epochs", "3")
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try Checkpoint.read(from: folder + "/straight.h5"), b = try Checkpoint.read(from: folder + "/part.h5")
        XCTAssertTrue(a.parameters.map(\.value) == b.parameters.map(\.value), "augmented training resumes bit for bit")
        XCTAssertEqual(a.run.classNames, ["apple", "banana", "cherry"])
        let norm = try XCTUnwrap(a.spec.layers.first)
        XCTAssertNotNil(norm.settings["mean"], "the training images' statistics are written into the spec")

        let eval = try run("eval", "straight.h5")
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("banana"), eval.stdout)
        let answer = try run("predict", "straight.h5", "photos/test/cherry/1.png", "--top", "2")
        XCTAssertEqual(answer.status, 0, answer.stderr)
        let lines = answer.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, answer.stdout)
        XCTAssertEqual(lines.first, "photos/test/cherry/1.png")
        XCTAssertTrue(lines[1].hasSuffix("cherry"), "a clearly red-channel image is a cherry: \(answer.stdout)")
        let json = try run("predict", "straight.h5", "photos/test/apple", "--json")
        XCTAssertEqual(json.stdout.split(separator: "\n").count, 6, "one line per image of the folder")
        let wrongSize = try run("predict", "straight.h5", "photos/test/apple/0.jpg", "photos/../fruit.json")
        XCTAssertEqual(wrongSize.status, 2)
        XCTAssertTrue(wrongSize.stderr.contains("fruit.json: is neither a PNG nor a JPEG image"), wrongSize.stderr)
    }

    func testResumingOnOtherDataIsRefusedNamingWhatDiffers() throws {
        try FixtureData.write(to: folder + "/data", trainCount: 120, testCount: 40)
        XCTAssertEqual(try run("train", "mnist-conv-pool", "--data", "data", "--epochs", "1", "--checkpoint", "run.h5").status, 0)
        // The same images, relabelled.
        try FileManager.default.copyItem(atPath: folder + "/data", toPath: folder + "/relabelled")
        let labels = folder + "/relabelled/train-labels-idx1-ubyte"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: labels)))
        bytes[8] = (bytes[8] + 1) % 10
        try Data(bytes).write(to: URL(fileURLWithPath: labels))
        let relabelled = try run("train", "--resume", "run.h5", "--data", "relabelled", "--epochs", "2")
        XCTAssertEqual(relabelled.status, 2)
        XCTAssertTrue(relabelled.stderr.contains("is not the data run.h5 trained on: the same images with other labels"), relabelled.stderr)
        // Altered images, the same labels.
        try FileManager.default.copyItem(atPath: folder + "/data", toPath: folder + "/altered")
        let images = folder + "/altered/train-images-idx3-ubyte"
        var pixels = [UInt8](try Data(contentsOf: URL(fileURLWithPath: images)))
        pixels[500] ^= 0xFF
        try Data(pixels).write(to: URL(fileURLWithPath: images))
        let altered = try run("train", "--resume", "run.h5", "--data", "altered", "--epochs", "2")
        XCTAssertEqual(altered.status, 2)
        XCTAssertTrue(altered.stderr.contains("the same labels on altered images"), altered.stderr)
        XCTAssertEqual(altered.stderr.split(separator: "\n").count, 1)
        // Continued anyway on request, and recorded.
        let anyway = try run("train", "--resume", "run.h5", "--data", "altered", "--epochs", "2", "--allow-other-data", "--checkpoint", "on.h5")
        XCTAssertEqual(anyway.status, 0, anyway.stderr)
        XCTAssertTrue(try Checkpoint.read(from: folder + "/on.h5").run.continuedOnOtherData)
        XCTAssertFalse(try Checkpoint.read(from: folder + "/run.h5").run.continuedOnOtherData)
        // eval on another test set says so.
        let other = try run("eval", "run.h5", "--data", "altered")
        XCTAssertFalse(other.stderr.contains("not the one"), "the altered set's test images are the run's own")
        try FixtureData.write(to: folder + "/fresh", trainCount: 30, testCount: 20)
        XCTAssertTrue(try run("eval", "run.h5", "--data", "fresh").stderr.contains("this test set is not the one run.h5 was tested on"))
    }

    func testTheCIFARShapedEntriesTrainOnCIFARFiles() throws {
        func records(_ count: Int, classes: Int, labelBytes: Int) -> Data {
            var bytes: [UInt8] = []
            var random = RandomGenerator(seed: 8)
            for _ in 0..<count {
                let label = UInt8(random.next() % UInt64(classes))
                bytes += labelBytes == 1 ? [label] : [label / 5, label]
                bytes += (0..<3072).map { _ in UInt8(random.next() % 256) }
            }
            return Data(bytes)
        }
        for path in ["c10", "c100"] { try FileManager.default.createDirectory(atPath: folder + "/" + path, withIntermediateDirectories: true) }
        try records(60, classes: 10, labelBytes: 1).write(to: URL(fileURLWithPath: folder + "/c10/data_batch_1.bin"))
        try records(20, classes: 10, labelBytes: 1).write(to: URL(fileURLWithPath: folder + "/c10/test_batch.bin"))
        try records(60, classes: 100, labelBytes: 2).write(to: URL(fileURLWithPath: folder + "/c100/train.bin"))
        try records(20, classes: 100, labelBytes: 2).write(to: URL(fileURLWithPath: folder + "/c100/test.bin"))
        for (entry, data, classes) in [("cifar10-dropout", "c10", 10), ("cifar100-dropout", "c100", 100)] {
            let result = try run("train", entry, "--data", data, "--epochs", "1", "--checkpoint", "\(entry).h5", "--json")
            XCTAssertEqual(result.status, 0, result.stderr)
            let saved = try Checkpoint.read(from: folder + "/\(entry).h5")
            XCTAssertEqual(saved.spec.inputShape, [3, 32, 32])
            XCTAssertEqual(saved.spec.classes, classes)
            XCTAssertEqual(saved.training.globalStep, 1, "60 images, batch 100")
        }
    }
}
