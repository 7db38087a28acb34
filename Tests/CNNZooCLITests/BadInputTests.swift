import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import Foundation
import XCTest

/// Hostile inputs through the real command: every case exits 1 or 2 with one line naming
/// the file (or option) and the problem, ends by no signal, and leaves no file behind.
final class BadInputTests: XCTestCase {
    nonisolated(unsafe) static var folder = ""  // set once in class setUp, before any test runs
    static var data: String { folder + "/data" }
    static var good: String { folder + "/good.h5" }

    override class func setUp() {
        folder = NSTemporaryDirectory() + "bad-inputs-\(UUID().uuidString)"
        try! FixtureData.write(to: data, trainCount: 300, testCount: 100)
        let result = try! CommandRunner.run(["train", "mnist-conv-pool", "--data", data, "--epochs", "2", "--checkpoint", good, "--json"])
        precondition(result.status == 0, "fixture checkpoint: \(result.stderr)")
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    struct Case {
        let name: String
        let arguments: [String]
        let status: Int32
        let fragment: String
    }

    var cases: [Case] = []
    var folder: String { Self.folder }

    // MARK: Building the bad files

    func path(_ name: String) -> String { folder + "/" + name }

    /// A copy of the good checkpoint changed by `edit`.
    func checkpoint(_ name: String, _ edit: (HDF5File) throws -> Void) throws -> String {
        let target = path(name + ".h5")
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: Self.good, toPath: target)
        let file = try HDF5File.openForUpdate(path: target)
        try edit(file)
        try file.close()
        return target
    }

    /// A copy of the good checkpoint with the byte at the offset `locate` finds (from the original) inverted.
    func flipped(_ name: String, _ locate: (HDF5File) throws -> Int) throws -> String {
        let original = try HDF5File.open(path: Self.good)
        let offset = try locate(original)
        try original.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.good))
        bytes[offset] ^= 0xFF
        return self.bytes(name + ".h5", bytes)
    }

    func bytes(_ name: String, _ data: Data) -> String {
        _ = FileManager.default.createFile(atPath: path(name), contents: data)
        return path(name)
    }

    func replace(_ group: HDF5Object, _ name: String, floats: [Float], shape: [Int]) throws {
        try group.remove(name)
        try group.write(name, floats: floats, shape: shape)
    }

    /// A spec file holding `json`.
    func spec(_ name: String, _ json: String) -> String { bytes(name + ".json", Data(json.utf8)) }

    /// A valid spec with its layers replaced.
    func specWithLayers(_ name: String, _ layers: String, classes: Int = 10, loss: String = "cross_entropy") -> String {
        spec(name, """
            {"name": "\(name)", "input_shape": [1, 28, 28], "classes": \(classes), "loss": {"kind": "\(loss)"},
             "layers": [\(layers)]}
            """)
    }

    /// A data folder: the good fixture with one file replaced by `contents` (nil removes it).
    func dataFolder(_ name: String, _ file: String, _ contents: Data?, replacing original: String? = nil) throws -> String {
        let target = path(name)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: Self.data, toPath: target)
        try FileManager.default.removeItem(atPath: target + "/" + (original ?? file))
        if let contents { _ = FileManager.default.createFile(atPath: target + "/" + file, contents: contents) }
        return target
    }

    func idx(_ dimensions: [UInt32], _ payload: [UInt8], magic: [UInt8] = [0, 0, 8]) -> Data {
        var data = Data(magic + [UInt8(dimensions.count)])
        for d in dimensions { data.append(contentsOf: [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]) }
        data.append(contentsOf: payload)
        return data
    }

    func add(_ name: String, _ arguments: [String], status: Int32, _ fragment: String) {
        cases.append(Case(name: name, arguments: arguments, status: status, fragment: fragment))
    }

    func buildCheckpointCases() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.good))
        for percent in [1, 10, 50, 90, 99] {
            let file = bytes("cut\(percent).h5", whole.prefix(whole.count * percent / 100))
            add("checkpoint truncated at \(percent)%", ["inspect", file], status: 1, file)
        }
        add("empty checkpoint", ["inspect", bytes("empty.h5", Data())], status: 1, "is empty")
        var random = RandomGenerator(seed: 9)
        let noise = bytes("noise.h5", Data((0..<20_000).map { _ in UInt8(random.next() & 0xFF) }))
        add("random bytes", ["inspect", noise], status: 1, "is not an HDF5 file")
        add("random bytes to resume", ["train", "--resume", noise], status: 1, "is not an HDF5 file")
        let other = path("other.h5")
        let file = try HDF5File.create(path: other)
        try file.write("images", floats: [1, 2, 3, 4], shape: [2, 2])
        try file.close()
        add("another program's HDF5", ["eval", other], status: 1, "not a cnn-zoo checkpoint")
        for group in ["weights", "optimizer", "training"] {
            add("missing /\(group)", ["inspect", try checkpoint("no-\(group)") { try $0.remove(group) }], status: 1, "\(group) is missing")
        }
        add("missing parameter", ["inspect", try checkpoint("no-param") { try $0.group("weights").group("fc").remove("weight") }],
            status: 1, "/weights/fc/weight is missing; the file is incomplete")
        add("float64 weights", ["inspect", try checkpoint("dtype") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("bias")
            try fc.write("bias", doubles: [Double](repeating: 0, count: 10), shape: [10])
        }], status: 1, "/weights/fc/bias holds float64 values")
        add("integer weights", ["inspect", try checkpoint("itype") { file in
            let fc = try file.group("weights").group("fc")
            try fc.remove("bias")
            try fc.write("bias", integers: [Int64](repeating: 0, count: 10), shape: [10])
        }], status: 1, "/weights/fc/bias holds int64 values")
        add("wrong rank", ["inspect", try checkpoint("rank") { file in
            try replace(try file.group("weights").group("fc"), "bias", floats: [Float](repeating: 0, count: 10), shape: [10, 1])
        }], status: 1, "/weights/fc/bias has shape [10, 1], but fc.bias is [10] in the model")
        add("shape disagrees with the spec", ["eval", try checkpoint("shape") { file in
            try replace(try file.group("weights").group("conv"), "weight", floats: [Float](repeating: 0, count: 72), shape: [8, 1, 3, 3])
        }], status: 1, "/weights/conv/weight has shape [8, 1, 3, 3], but conv.weight is [16, 1, 3, 3] in the model")
        add("NaN weight", ["inspect", try checkpoint("nan") { file in
            try replace(try file.group("weights").group("fc"), "bias", floats: [1, 2, .nan, 4, 5, 6, 7, 8, 9, 10], shape: [10])
        }], status: 1, "/weights/fc/bias: value nan")
        add("infinite momentum", ["train", "--resume", try checkpoint("inf") { file in
            try replace(try file.group("optimizer").group("state").group("momentum_buffer").group("fc"), "bias",
                        floats: [1, 2, 3, .infinity, 5, 6, 7, 8, 9, 10], shape: [10])
        }], status: 1, "/optimizer/state/momentum_buffer/fc/bias: value inf")
        add("negative epoch", ["inspect", try checkpoint("negative") { try $0.group("training").setAttribute("epoch", integer: -1) }],
            status: 1, "training/epoch = -1 is out of range")
        add("absurd step", ["inspect", try checkpoint("absurd") { try $0.group("training").setAttribute("batch_in_epoch", integer: Int64.max) }],
            status: 1, "training/batch_in_epoch")
        add("history disagrees", ["inspect", try checkpoint("history") { try $0.group("training").setAttribute("epoch", integer: 5) }],
            status: 1, "/training/history has 2 epochs but epoch is 5")
        add("version from the future", ["eval", try checkpoint("future") { try $0.setAttribute("format_version", integer: 3) }],
            status: 1, "format version 3 by a newer cnn-zoo; this program reads version 2 and older")
        for command in [["eval"], ["inspect"], ["train", "--resume"]] {
            add("missing optimizer slot: \(command[0])", command + [try checkpoint("no-slot") { file in
                try file.group("optimizer").group("state").group("momentum_buffer").group("conv").remove("weight")
            }], status: 1, "/optimizer/state/momentum_buffer/conv/weight is missing (sgd at step 20 keeps momentum_buffer for every parameter); the file is incomplete")
        }
        add("missing random state", ["train", "--resume", try checkpoint("no-random") { try $0.group("training").remove("random_state") }],
            status: 1, "/training/random_state is missing (the dropout stream); the file is incomplete")
        add("one byte of a weight flipped", ["eval", try flipped("flip-weight") { file in
            let chunk = try file.group("weights").group("fc").firstChunk(of: "weight")!
            return chunk.offset + chunk.size / 2
        }], status: 1, "/weights/fc/weight: data checksum mismatch; the file is damaged")
        add("one byte of the spec flipped", ["inspect", try flipped("flip-spec") { _ in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.good))
            return bytes.range(of: Data("\"out_channels\"".utf8))!.lowerBound + 3
        }], status: 1, "metadata checksum mismatch; the file is damaged")
        add("spec is not JSON", ["inspect", try checkpoint("notjson") { try $0.setAttribute("model_spec", string: "layers: conv") }],
            status: 1, "model_spec: not valid JSON")
        add("spec names an unknown kind", ["inspect", try checkpoint("unknownkind") { file in
            try file.setAttribute("model_spec", string: try file.stringAttribute("model_spec").replacingOccurrences(of: "maxpool2d", with: "maxpool3d"))
        }], status: 1, "unknown layer kind 'maxpool3d'")
        try FileManager.default.createDirectory(atPath: path("a-directory.h5"), withIntermediateDirectories: true)
        add("a directory", ["inspect", path("a-directory.h5")], status: 1, "is a directory")
        add("a missing path", ["eval", path("missing.h5")], status: 1, "no such file")
        // Found by Tools/fuzz/run.sh checkpoint: libhdf5 1.10.8 segfaults in H5HG_read on this file.
        let heapCrash = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/hdf5-global-heap-crash", withExtension: "h5")).path
        try? FileManager.default.removeItem(atPath: path("heap-crash.h5"))
        try FileManager.default.copyItem(atPath: heapCrash, toPath: path("heap-crash.h5"))
        add("a file that crashes libhdf5", ["inspect", path("heap-crash.h5")], status: 1, path("heap-crash.h5"))
        add("a file that crashes libhdf5, resumed", ["train", "--resume", path("heap-crash.h5")], status: 1, path("heap-crash.h5"))
    }

    func buildSpecCases() {
        let conv = #"{"name": "c", "kind": "conv2d", "out_channels": 4, "kernel": 3}"#
        let tail = #"{"name": "f", "kind": "flatten"}, {"name": "d", "kind": "dense", "units": 10}"#
        add("spec: invalid JSON", ["show", spec("invalid", "{\"name\": ")], status: 2, "not valid JSON")
        add("spec: empty file", ["show", spec("emptyspec", "")], status: 2, "not valid JSON")
        add("spec: a JSON array", ["show", spec("array", "[1, 2]")], status: 2, "expected an object")
        add("spec: missing layers", ["show", spec("nolayers", #"{"name": "x", "input_shape": [1, 28, 28], "classes": 10, "loss": {"kind": "mse"}}"#)],
            status: 2, "missing field 'layers'")
        add("spec: no layers", ["show", specWithLayers("emptylayers", "")], status: 2, "at least one layer")
        add("spec: unknown kind", ["show", specWithLayers("kind", #"{"name": "c", "kind": "conv2", "out_channels": 4, "kernel": 3}, "# + tail)],
            status: 2, "did you mean 'conv2d'?")
        add("spec: zero kernel", ["show", specWithLayers("zerokernel", #"{"name": "c", "kind": "conv2d", "out_channels": 4, "kernel": 0}, "# + tail)],
            status: 2, "layer 'c': 'kernel' values must be between 1 and 1024, got 0")
        add("spec: negative units", ["show", specWithLayers("negunits", conv + #", {"name": "f", "kind": "flatten"}, {"name": "d", "kind": "dense", "units": -10}"#)],
            status: 2, "layer 'd': 'units' must be between 1")
        add("spec: huge channels", ["show", specWithLayers("hugechannels", #"{"name": "c", "kind": "conv2d", "out_channels": 1000000000, "kernel": 3}, "# + tail)],
            status: 2, "layer 'c': 'out_channels' must be between 1 and 65536")
        add("spec: huge activations", ["show", specWithLayers("hugeshape", #"{"name": "c", "kind": "conv2d", "out_channels": 65536, "kernel": 1, "padding": 1000}, "# + tail)],
            status: 2, "too large")
        add("spec: chain does not fit", ["show", specWithLayers("misfit", #"{"name": "c", "kind": "conv2d", "out_channels": 4, "kernel": 30}, "# + tail)],
            status: 2, "kernel 30×30 does not fit the 28×28 input")
        add("spec: dense on a map", ["show", specWithLayers("noflatten", conv + #", {"name": "d", "kind": "dense", "units": 10}"#)],
            status: 2, "add a flatten or reshape layer")
        add("spec: duplicate names", ["show", specWithLayers("duplicate", conv + #", {"name": "c", "kind": "relu"}, "# + tail)],
            status: 2, "name 'c' is used twice")
        add("spec: unsafe name", ["show", specWithLayers("unsafe", #"{"name": "../c", "kind": "conv2d", "out_channels": 4, "kernel": 3}, "# + tail)],
            status: 2, "name '../c' must be 1–64 letters")
        add("spec: wrong type", ["show", specWithLayers("wrongtype", #"{"name": "c", "kind": "conv2d", "out_channels": 4, "kernel": "three"}, "# + tail)],
            status: 2, "'kernel' must hold whole numbers")
        add("spec: classes disagree", ["show", specWithLayers("classes", conv + ", " + tail, classes: 7)],
            status: 2, "ends with shape [10] but the spec has 7 classes")
        add("spec: unknown loss", ["show", specWithLayers("loss", conv + ", " + tail, loss: "hinge")], status: 2, "unknown loss 'hinge'")
        add("spec: unknown setting", ["train", specWithLayers("setting", #"{"name": "c", "kind": "conv2d", "out_channels": 4, "kernal": 3}, "# + tail), "--data", Self.data],
            status: 2, "unknown setting 'kernal' (did you mean 'kernel'?)")
    }

    func buildDataCases() throws {
        let train = ["train", "mnist-conv-pool", "--no-checkpoint", "--epochs", "1", "--data"]
        let images = "train-images-idx3-ubyte", labels = "train-labels-idx1-ubyte"
        let good = try Data(contentsOf: URL(fileURLWithPath: Self.data + "/" + images))
        add("IDX: bad magic", train + [try dataFolder("magic", images, Data([0x12, 0x34]) + good.dropFirst(2))], status: 1, "not an IDX file")
        add("IDX: truncated", train + [try dataFolder("truncated", images, good.prefix(good.count - 100))], status: 1, "is truncated")
        add("IDX: dimensions overflow", train + [try dataFolder("overflow", images, idx([0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF], []))],
            status: 1, "describe more than")
        add("IDX: dimensions exceed the file", train + [try dataFolder("exceed", images, idx([60000, 28, 28], [1, 2, 3]))],
            status: 1, "is truncated")
        add("IDX: absurd image size", train + [try dataFolder("absurd", images, idx([1, 5000, 5000], [UInt8](repeating: 0, count: 25_000_000)))],
            status: 1, "beyond 4096×4096")
        add("IDX: count mismatch", train + [try dataFolder("mismatch", labels, idx([299], [UInt8](repeating: 1, count: 299)))],
            status: 1, "has 300 images but")
        add("IDX: labels out of range", train + [try dataFolder("range", labels, idx([300], [UInt8](repeating: 200, count: 300)))],
            status: 1, "labels go up to 200 but mnist-conv-pool scores 10 classes")
        add("IDX: images of rank 2", train + [try dataFolder("rank2", images, idx([300, 784], [UInt8](repeating: 0, count: 300 * 784)))],
            status: 1, "an images file has 3")
        add("IDX: corrupt gzip", train + [try dataFolder("gzip", images + ".gz", Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]), replacing: images)],
            status: 1, "gzip")
        add("IDX: missing test files", train + [try dataFolder("notest", "t10k-labels-idx1-ubyte", nil)], status: 1, "t10k-labels-idx1-ubyte[.gz]: no such file")
    }

    func buildOptionCases() throws {
        let train = ["train", "mnist-conv-pool", "--data", Self.data]
        add("option: zero batch", train + ["--batch-size", "0"], status: 2, "--batch-size must be at least 1")
        add("option: negative learning rate", train + ["--lr=-0.5"], status: 2, "--lr must be a positive number")
        add("option: NaN learning rate", train + ["--lr", "nan"], status: 2, "--lr must be a positive number")
        add("option: infinite learning rate", train + ["--lr", "inf"], status: 2, "--lr must be a positive number")
        add("option: epochs before the checkpoint's", ["train", "--resume", Self.good, "--epochs", "1"], status: 2,
            "the checkpoint has already finished 2 epochs")
        add("option: finished run without more epochs", ["train", "--resume", Self.good], status: 2, "has finished all 2 epochs")
        _ = FileManager.default.createFile(atPath: path("a-file"), contents: Data("x".utf8))
        add("option: checkpoint folder is a file", train + ["--checkpoint", path("a-file") + "/run.h5"], status: 1, "is not a folder")
        add("option: checkpoint is a directory", train + ["--checkpoint", path("a-directory.h5")], status: 1, "is a directory")
        add("option: unwritable checkpoint folder", train + ["--checkpoint", "/proc/run.h5"], status: 1, "cannot write in the folder /proc")
        add("option: zero threads", train + ["--threads", "0"], status: 2, "--threads must be between 1 and 64")
        add("option: zero save interval", train + ["--save-every", "0"], status: 2, "--save-every must be at least 1")
        add("option: class out of range", train + ["--classes", "0,99"], status: 2, "class 99 is out of range")
        add("option: huge batch", train + ["--batch-size", "100000000"], status: 2, "--batch-size must be at most 65536")
        add("option: unknown optimizer", train + ["--optimizer", "adma"], status: 2,
            "--optimizer: unknown optimizer 'adma' (did you mean 'adam'?); known: adam, adamw, sgd")
        add("option: momentum for adam", train + ["--optimizer", "adam", "--momentum", "0.9"], status: 2,
            "--momentum does not apply to adam; it takes --lr, --betas, --eps, --weight-decay, --amsgrad")
        add("option: betas for sgd", train + ["--betas", "0.9,0.99"], status: 2, "--betas does not apply to sgd")
        add("option: one beta", train + ["--optimizer", "adam", "--betas", "0.9"], status: 2, "--betas must be two numbers in [0, 1)")
        add("option: beta of one", train + ["--optimizer", "adam", "--betas", "0.9,1"], status: 2, "--betas must be two numbers in [0, 1)")
        add("option: negative eps", train + ["--optimizer", "adam", "--eps=-1"], status: 2, "--eps must be between 0 and 1")
        add("option: changing the optimizer on resume", ["train", "--resume", Self.good, "--epochs", "3", "--optimizer", "adam"], status: 2,
            "--optimizer cannot change when resuming")
    }

    /// Found by Tools/fuzz/run.sh checkpoint: libhdf5 1.10.8 loops forever in H5C_protect on this
    /// file. The command must give up at its deadline (shortened here) with one line.
    func testAFileThatHangsLibHDF5IsCutOff() throws {
        let hang = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/hdf5-global-heap-hang", withExtension: "h5")).path
        let start = Date()
        let result = try CommandRunner.run(["inspect", hang], environment: ["CNN_ZOO_HDF5_DEADLINE": "3"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertFalse(result.signalled)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(hang), result.stderr)
    }

    /// Every file under the shared folder, with its size.
    func snapshot() -> [String: Int] {
        var files: [String: Int] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            files[name] = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size] as? Int) ?? -1
        }
        return files
    }

    func testEveryBadInputIsOneLineAndNoCrash() throws {
        try buildCheckpointCases()
        buildSpecCases()
        try buildDataCases()
        try buildOptionCases()
        XCTAssertEqual(cases.count, 83)
        let run = folder + "/cwd"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        for testCase in cases {
            let before = snapshot()
            let result = try CommandRunner.run(testCase.arguments, in: run)
            let label = "\(testCase.name): \(result.stderr)"
            XCTAssertFalse(result.signalled, label)
            XCTAssertEqual(result.status, testCase.status, label)
            XCTAssertTrue(result.stderr.contains(testCase.fragment), "\(label)   [expected: \(testCase.fragment)]")
            XCTAssertTrue(result.stderr.hasPrefix("cnn-zoo: error: "), label)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, label)
            XCTAssertEqual(snapshot(), before, "\(testCase.name) left files behind")
        }
    }
}
