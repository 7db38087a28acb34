import CNNZoo
import Foundation

/// A NumPy `.npy` file (format 1.0) of little-endian float32 values, as `numpy.load` reads it.
enum NumPyFile {
    static func data(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.map(String.init).joined(separator: ", ") + (tensor.shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)), }"
        // The magic (6), version (2) and length (2) bytes and the header end on a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        bytes.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        bytes.append(contentsOf: Array(header.utf8))
        tensor.scalars.withUnsafeBufferPointer { bytes.append(Data(buffer: $0)) }
        return bytes
    }
}
