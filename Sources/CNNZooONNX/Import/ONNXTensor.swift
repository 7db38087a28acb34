import CNNZoo
import Foundation

/// A constant of an ONNX graph (an initializer or a `Constant` node's value), checked before
/// any of it is copied: self-contained, of a known element type, its dims sensible and its data
/// exactly as long as they say.
enum ONNXTensor {
    case float(Tensor)
    case int64([Int], dims: [Int])

    /// The most values one constant may hold: the engine's cap on a parameter.
    static let valueCap = 1 << 28

    init(_ proto: Onnx_TensorProto, what: String) throws {
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            let location = proto.externalData.first { $0.key == "location" }?.value ?? "another file"
            throw ONNXImportError("\(what) keeps its data outside the model, in '\(location)'; cnn-zoo reads only self-contained files (it never opens such paths)")
        }
        var count = 1
        for dim in proto.dims {
            guard dim >= 0, dim <= Int64(Self.valueCap) else { throw ONNXImportError("\(what) has dims \(proto.dims): beyond the cap of \(Self.valueCap) values") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product <= Self.valueCap else { throw ONNXImportError("\(what) has dims \(proto.dims): beyond the cap of \(Self.valueCap) values") }
            count = product
        }
        let dims = proto.dims.map(Int.init)
        switch Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)) {
        case .float?:
            let scalars: [Float]
            if proto.hasRawData {
                guard proto.rawData.count == count * 4 else {
                    throw ONNXImportError("\(what) has dims \(dims) (\(count) floats) but \(proto.rawData.count) bytes of data")
                }
                scalars = proto.rawData.withUnsafeBytes { raw in (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
            } else {
                guard proto.floatData.count == count else {
                    throw ONNXImportError("\(what) has dims \(dims) (\(count) floats) but \(proto.floatData.count) values")
                }
                scalars = proto.floatData
            }
            self = .float(Tensor(shape: dims.isEmpty ? [1] : dims, scalars: scalars))
        case .int64?:
            let values: [Int]
            if proto.hasRawData {
                guard proto.rawData.count == count * 8 else {
                    throw ONNXImportError("\(what) has dims \(dims) (\(count) int64s) but \(proto.rawData.count) bytes of data")
                }
                values = proto.rawData.withUnsafeBytes { raw in (0..<count).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) } }
            } else {
                guard proto.int64Data.count == count else {
                    throw ONNXImportError("\(what) has dims \(dims) (\(count) int64s) but \(proto.int64Data.count) values")
                }
                values = proto.int64Data.map(Int.init)
            }
            self = .int64(values, dims: dims)
        default:
            let type = Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)).map { "\($0)" } ?? "type \(proto.dataType)"
            throw ONNXImportError("\(what) holds \(type) values; cnn-zoo imports float32 weights (and int64 shapes)")
        }
    }
}
