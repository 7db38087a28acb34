import CNNZoo
import CNNZooModels
import CNNZooONNX
import Foundation
import SwiftProtobuf
import XCTest

/// Every way an ONNX file can be wrong or out of reach: one line each, naming what is wrong,
/// and nothing read beyond what the check needs.
final class ONNXBadInputTests: XCTestCase {
    /// A valid file to break: mnist-resnet, with batch norm, shortcuts and a projection.
    var valid: Onnx_ModelProto!

    override func setUpWithError() throws {
        let spec = try XCTUnwrap(ZooCatalog.builtIns().first { $0.spec.name == "mnist-resnet" }).spec
        let model = try Model(spec: spec)
        model.initializeParameters(seed: 1)
        valid = try ONNXExporter().modelProto(model)
    }

    func problem(_ bytes: Data, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try ONNXImporter().read(bytes, name: "bad")
            XCTFail("imported", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            return text
        }
    }

    func problem(_ edit: (inout Onnx_ModelProto) -> Void, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var model = valid!
        edit(&model)
        return problem(try model.serializedData(), file: file, line: line)
    }

    func testTheValidFileImports() throws {
        let spec = try XCTUnwrap(ZooCatalog.builtIns().first { $0.spec.name == "mnist-resnet" }).spec
        let imported = try ONNXImporter().read(try valid.serializedData(), name: "x").spec
        XCTAssertEqual(imported.layers.map(\.name), spec.layers.map(\.name))
        XCTAssertEqual(imported.layers.map(\.kind), spec.layers.map(\.kind))
    }

    func testNotAWholeProtobufOrNotAModel() throws {
        let bytes = try valid.serializedData()
        XCTAssertTrue(problem(bytes.prefix(bytes.count / 2)).hasPrefix("not an ONNX model: the file is not a whole protobuf message"))
        XCTAssertTrue(problem(Data("hello, this is plain text\n".utf8)).hasPrefix("not an ONNX model"))
        // A tensor with only a doc string: field 12, which a ModelProto parses as an unknown field.
        var tensor = Onnx_TensorProto()
        tensor.docString = "lonely"
        XCTAssertEqual(problem(try tensor.serializedData()),
                       "not an ONNX model: a protobuf message without an IR version and a graph of nodes")
        XCTAssertTrue(problem(Data()).hasPrefix("not an ONNX model"))
    }

    func testAnUnsupportedOpNamesTheNodeAndTheOpset() throws {
        let text = try problem { $0.graph.node[2].opType = "Gelu" }
        XCTAssertEqual(text, "node 'stem_relu' (Gelu, opset 17): cnn-zoo has no layer for it")
        XCTAssertEqual(try problem { $0.graph.node[0].domain = "com.microsoft" },
                       "node 'stem' (Conv, opset 17): its domain 'com.microsoft' is not ONNX's own")
    }

    func testACycle() throws {
        let text = try problem { model in
            // The stem's convolution takes the output of the batch norm after it.
            model.graph.node[0].input[0] = model.graph.node[1].output[0]
        }
        XCTAssertTrue(text.contains("is on a cycle"), text)
    }

    func testHugeDimsAndDataThatDisagreesWithThem() throws {
        XCTAssertEqual(try problem { $0.graph.initializer[0].dims = [1 << 40] },
                       "initializer 'stem.weight' has dims [1099511627776]: beyond the cap of 268435456 values")
        XCTAssertEqual(try problem { $0.graph.initializer[0].dims = [1 << 20, 1 << 20] },
                       "initializer 'stem.weight' has dims [1048576, 1048576]: beyond the cap of 268435456 values")
        XCTAssertEqual(try problem { $0.graph.initializer[0].rawData.removeLast(4) },
                       "initializer 'stem.weight' has dims [16, 1, 3, 3] (144 floats) but 572 bytes of data")
    }

    func testExternalDataIsRefusedWithoutOpeningIt() throws {
        let text = try problem { model in
            var location = Onnx_StringStringEntryProto()
            location.key = "location"
            location.value = "/etc/shadow"
            model.graph.initializer[0].externalData = [location]
            model.graph.initializer[0].dataLocation = .external
            model.graph.initializer[0].clearRawData()
        }
        XCTAssertEqual(text, "initializer 'stem.weight' keeps its data outside the model, in '/etc/shadow'; cnn-zoo reads only self-contained files (it never opens such paths)")
    }

    func testOpsetsOutsideTheSupportedRange() throws {
        for opset: Int64 in [12, 22] {
            XCTAssertTrue(try problem { $0.opsetImport[0].version = opset }.hasPrefix("opset \(opset) is outside the supported 13…21"))
        }
    }

    func testInputsCnnZooCannotTake() throws {
        XCTAssertTrue(try problem { model in
            var second = model.graph.input[0]
            second.name = "mask"
            model.graph.input.append(second)
        }.hasPrefix("the graph takes 2 inputs (input, mask)"))
        XCTAssertTrue(try problem { $0.graph.input[0].type.tensorType.shape.dim[2].dimParam = "height" }
            .hasPrefix("input 'input' has a dynamic or unusable size on axis 2"))
        XCTAssertEqual(try problem { $0.graph.input[0].type.tensorType.elemType = 7 },
                       "input 'input' is not a float32 tensor; cnn-zoo models take float images")
        XCTAssertEqual(try problem { $0.graph.initializer[0].dataType = 11 },
                       "initializer 'stem.weight' holds double values; cnn-zoo imports float32 weights (and int64 shapes)")
    }

    func testAFileOverTwoGigabytesIsRefusedBeforeItIsRead() throws {
        let path = NSTemporaryDirectory() + "huge-\(UUID().uuidString).onnx"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(Int32.max) + 10)  // sparse: no disk is used
        try handle.close()
        XCTAssertThrowsError(try ONNXImporter().read(contentsOf: path)) { error in
            XCTAssertEqual("\(error)", "the file is 2147483657 bytes, over ONNX's 2 GB limit for a self-contained model")
        }
    }

    func testAMaxPoolOfPossiblyNegativeValuesWithPadding() throws {
        // ONNX pads a max-pool with −∞, cnn-zoo with zeros: refused unless a ReLU comes first.
        var graph = Onnx_GraphProto()
        var conv = Onnx_NodeProto()
        (conv.opType, conv.name, conv.input, conv.output) = ("Conv", "conv", ["input", "w"], ["c"])
        var pool = Onnx_NodeProto()
        (pool.opType, pool.name, pool.input, pool.output) = ("MaxPool", "pool", ["c"], ["p"])
        var kernel = Onnx_AttributeProto(), pads = Onnx_AttributeProto()
        (kernel.name, kernel.type, kernel.ints) = ("kernel_shape", .ints, [2, 2])
        (pads.name, pads.type, pads.ints) = ("pads", .ints, [1, 1, 1, 1])
        pool.attribute = [kernel, pads]
        graph.node = [conv, pool]
        var w = Onnx_TensorProto()
        (w.name, w.dims, w.dataType, w.floatData) = ("w", [1, 1, 1, 1], 1, [1])
        graph.initializer = [w]
        graph.input = [valid.graph.input[0]]
        graph.output = [valid.graph.output[0]]
        graph.output[0].name = "p"
        var model = valid!
        model.graph = graph
        XCTAssertEqual(problem(try model.serializedData()),
                       "node 'pool' (MaxPool, opset 17): its pads take −∞ where cnn-zoo's max-pool pads with zeros; they agree only after a ReLU or a sigmoid")
    }
}
