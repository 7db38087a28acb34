import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// The example plugin package (Tools/groupnorm-plugin), built by the test command, loaded into the
/// real cnn-zoo binary at run time — and its cnn-zoo-gn, the command with the plugin built in.
final class RuntimePluginTests: XCTestCase {
    var folder: String!
    var plugins: String!

    override func setUpWithError() throws {
        // Tools/test.sh builds the plugin package first and says where.
        guard let built = ProcessInfo.processInfo.environment["CNN_ZOO_TEST_PLUGINS"] else {
            throw XCTSkip("run through Tools/test.sh, which builds Tools/groupnorm-plugin and sets CNN_ZOO_TEST_PLUGINS")
        }
        plugins = built
        XCTAssertTrue(FileManager.default.fileExists(atPath: plugins + "/libCNNZooGroupNorm.so"), "the plugin package is not built in \(built)")
        folder = NSTemporaryDirectory() + "runtime-plugin-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 192, testCount: 64)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
    }

    var groupNorm: String { plugins + "/libCNNZooGroupNorm.so" }

    func command(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder, environment: environment)
    }

    func testTheStockProgramLoadsTrainsResumesAndEvaluatesWithThePlugin() throws {
        let listed = try command(["plugins", "--plugin", groupNorm])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("cnn-zoo-groupnorm 0.3.0 (\(URL(fileURLWithPath: groupNorm).standardizedFileURL.path))"), listed.stdout)
        XCTAssertTrue(listed.stdout.contains("zoo: mnist-16-32-64-gn"), listed.stdout)
        XCTAssertTrue(try command(["layers", "--plugin", groupNorm]).stdout.contains("group_norm — group normalisation per sample"))
        XCTAssertTrue(try command(["list", "--plugin", groupNorm]).stdout.contains("[plugin cnn-zoo-groupnorm]"))

        // The plugin's layer and its optimizer, whose state the engine keeps and saves.
        let train = ["train", "mnist-16-32-64-gn", "--data", "data", "--batch-size", "32", "--optimizer", "rmsprop", "--lr", "0.001", "--json"]
        XCTAssertEqual(try command(train + ["--epochs", "2", "--checkpoint", "straight.h5", "--plugin", groupNorm]).status, 0)
        // The environment works as well as the option.
        let half = try command(train + ["--epochs", "1", "--checkpoint", "half.h5"], environment: ["CNN_ZOO_PLUGINS": groupNorm])
        XCTAssertEqual(half.status, 0, half.stderr)
        // Named twice, by the option and the environment, the library loads once.
        let resumed = try command(["train", "--resume", "half.h5", "--epochs", "2", "--json", "--plugin", groupNorm],
                                  environment: ["CNN_ZOO_PLUGINS": groupNorm])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)

        // Read in this process, the plugin's types are unknown: the test compares the raw datasets.
        func datasets(_ name: String) throws -> [String: [Float]] {
            let file = try HDF5File.open(path: folder + "/" + name)
            let weights = try file.group("weights")
            var out: [String: [Float]] = [:]
            for layer in try weights.names() {
                let group = try weights.group(layer)
                for dataset in try group.names() { out["\(layer).\(dataset)"] = try group.readFloats(dataset).values }
            }
            return out
        }
        let straight = try datasets("straight.h5"), continued = try datasets("half.h5")
        let file = try HDF5File.open(path: folder + "/half.h5")
        let squareAverages = try file.group("optimizer").group("state").group("square_avg")
        XCTAssertEqual(try squareAverages.names().reduce(0) { $0 + (try squareAverages.group($1).names().count) }, straight.count,
                       "a square_avg for every trained parameter")
        XCTAssertEqual(straight.count, continued.count)
        XCTAssertEqual(straight, continued, "the resumed run ends bit-identical")
        XCTAssertNotEqual(straight["gn1.weight"], [Float](repeating: 1, count: 16), "the plugin's parameters trained")

        let inspect = try command(["inspect", "straight.h5", "--plugin", groupNorm])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("gn1.weight"), inspect.stdout)
        let eval = try command(["eval", "straight.h5", "--plugin", groupNorm, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)

        // inspect only reads: without the plugin it shows the checkpoint as stored, and says so.
        let unplugged = try command(["inspect", "straight.h5"])
        XCTAssertEqual(unplugged.status, 0, unplugged.stderr)
        XCTAssertEqual(unplugged.stderr, "cnn-zoo: straight.h5: plugin 'cnn-zoo-groupnorm' 0.3.0 is not loaded: shown as stored, not checked against the model\n")
        XCTAssertTrue(unplugged.stdout.contains("gn2.bias"), unplugged.stdout)
        XCTAssertTrue(unplugged.stdout.contains("optimizer: rmsprop alpha 0.99, eps 1e-08, lr 0.001, weight_decay 0; step 12, state square_avg"), unplugged.stdout)
        let plugged = try command(["inspect", "straight.h5", "--json", "--plugin", groupNorm])
        let unpluggedJSON = try command(["inspect", "straight.h5", "--json"])
        XCTAssertEqual(plugged.stdout, unpluggedJSON.stdout, "the same figures either way")

        let missing = try command(["eval", "straight.h5"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "cnn-zoo: error: straight.h5: model 'mnist-16-32-64-gn' uses layer kind 'group_norm' from plugin "
                       + "'cnn-zoo-groupnorm' 0.3.0, which is not loaded; pass --plugin PATH or set CNN_ZOO_PLUGINS\n")

        // h5py reads the plugin's parameters as PyTorch names them.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import h5py, sys; f = h5py.File(sys.argv[1]); print(f['weights/gn2/weight'].shape)", folder + "/straight.h5"]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        python.waitUntilExit()
        XCTAssertEqual(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "(32,)\n")
    }

    func testTheCommandWithThePluginBuiltIn() throws {
        let builtIn = try CommandRunner.run(["plugins"], executable: URL(fileURLWithPath: plugins + "/cnn-zoo-gn"))
        XCTAssertEqual(builtIn.status, 0, builtIn.stderr)
        XCTAssertTrue(builtIn.stdout.contains("cnn-zoo-groupnorm 0.3.0 (built in)"), builtIn.stdout)
        let trained = try CommandRunner.run(["train", "mnist-16-32-64-gn", "--data", "data", "--epochs", "1", "--limit", "64",
                                             "--checkpoint", "static.h5", "--json"], in: folder, executable: URL(fileURLWithPath: plugins + "/cnn-zoo-gn"))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        // The stock program reads what the static one wrote, given the plugin.
        XCTAssertEqual(try command(["inspect", "static.h5", "--plugin", groupNorm]).status, 0)
    }

    /// The configuration the program under test is built in, and the other one.
    var configuration: String { String(PluginABI.identity.split(separator: " ").last!) }
    var otherConfiguration: String { configuration == "debug" ? "release" : "debug" }

    /// A plugin written in C against cnnzoo_plugin.h alone trains in the stock program.
    func testAPluginWrittenInC() throws {
        let swish = plugins + "/libSwishPlugin.so"
        let layers = try command(["layers", "--plugin", swish])
        XCTAssertTrue(layers.stdout.contains("swish — Swish activation x·σ(βx), a plugin written in C"), layers.stdout)
        XCTAssertTrue(layers.stdout.contains("beta: number, default 1"), layers.stdout)
        let spec = """
            {"name": "swish-net", "input_shape": [1, 28, 28], "classes": 10, "loss": {"kind": "cross_entropy"},
             "layers": [{"kind": "conv2d", "out_channels": 4, "kernel": 3}, {"kind": "swish", "beta": 1.5},
                        {"kind": "flatten"}, {"kind": "dense", "units": 10}]}
            """
        _ = FileManager.default.createFile(atPath: folder + "/swish.json", contents: Data(spec.utf8))
        let trained = try command(["train", "swish.json", "--data", "data", "--epochs", "1", "--checkpoint", "swish.h5", "--json", "--plugin", swish])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertEqual(try command(["eval", "swish.h5", "--data", "data", "--json", "--plugin", swish]).status, 0)
        _ = FileManager.default.createFile(atPath: folder + "/bad.json", contents: Data(spec.replacingOccurrences(of: "1.5", with: "-2").utf8))
        let refused = try command(["show", "bad.json", "--plugin", swish])
        XCTAssertEqual(refused.status, 2, "a bad spec file is a usage error")
        XCTAssertEqual(refused.stderr, "cnn-zoo: error: bad.json: layer 'swish2': 'beta' must be a number in (0, 100]\n")
    }

    /// Each bad plugin is one line, exit status 1 or 2, no crash, and nothing written.
    func testBadPluginsAreOneLine() throws {
        _ = FileManager.default.createFile(atPath: folder + "/notes.txt", contents: Data(String(repeating: "These are notes, not a plugin library.\n", count: 8).utf8))
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["list", "--plugin", "missing.so"], 1, "missing.so: no such plugin file"),
            (["list", "--plugin", "notes.txt"], 1, "notes.txt: cannot be loaded as a plugin library: invalid ELF header"),
            (["list", "--plugin", CommandRunner.executable.path], 1, "cannot be loaded as a plugin library: cannot dynamically load position-independent executable"),
            (["list", "--plugin", plugins + "/libNotAPlugin.so"], 1, "is a shared library but not a cnn-zoo plugin (it has no cnnzoo_plugin_abi symbol)"),
            (["list", "--plugin", plugins + "/libStalePlugin.so"], 1,
             "libStalePlugin.so was built for cnn-zoo plugin ABI 0 release; this program is \(PluginABI.identity): rebuild the plugin against this cnn-zoo"),
            (["list", "--plugin", plugins + "/libOtherConfigurationPlugin.so"], 1,
             "libOtherConfigurationPlugin.so was built for cnn-zoo plugin ABI \(PluginABI.version) \(otherConfiguration); this program is \(PluginABI.identity): "
             + "rebuild the plugin against this cnn-zoo with -c \(configuration)"),
            (["list", "--plugin", plugins + "/libClashPlugin.so"], 1, "registers layer kind 'relu', which plugin 'cnn-zoo' \(CNNZooVersion.current) (built in) already registers"),
            (["list", "--plugin", groupNorm, "--plugin", plugins + "/libTwinPlugin.so"], 1,
             "plugin 'groupnorm-twin' 9.9.9 (\(URL(fileURLWithPath: plugins + "/libTwinPlugin.so").standardizedFileURL.path)) registers layer kind 'group_norm', which plugin 'cnn-zoo-groupnorm' 0.3.0"),
            (["list", "--plugin", plugins + "/libBadZooPlugin.so"], 1, "zoo entry 'broken-net' does not build: layer 'mystery': unknown layer kind 'conv3d'"),
            (["list", "--plugin"], 2, "--plugin needs the path of a plugin library"),
            (["train", "mnist-16-32-64-gn", "--data", "data"], 2, "unknown model 'mnist-16-32-64-gn'"),
        ]
        for (arguments, status, message) in cases {
            let result = try command(arguments)
            XCTAssertFalse(result.signalled, "\(arguments) crashed")
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)\n  expected: \(message)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["data", "notes.txt"], "nothing written")
    }
}
