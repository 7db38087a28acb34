import CNNZoo
import Foundation

/// Writes unsigned-byte IDX files (uncompressed), e.g. to export a subset of a data set.
public enum IDXWriter {
    /// Writes `elements` with `dimensions` to `path`.
    public static func write(dimensions: [Int], elements: [UInt8], to path: String) throws {
        guard (1...4).contains(dimensions.count), dimensions.allSatisfy({ (1...Int(Int32.max)).contains($0) }),
              dimensions.reduce(1, *) == elements.count else {
            throw DataError.badFile(path: path, problem: "dimensions \(dimensions) do not describe \(elements.count) elements")
        }
        var data = Data([0, 0, 0x08, UInt8(dimensions.count)])
        for dimension in dimensions {
            let value = UInt32(dimension)
            data.append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
        }
        data.append(contentsOf: elements)
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw DataError.badFile(path: path, problem: "cannot be written")
        }
    }

    /// Writes `set` as the images and labels files of an MNIST-format folder.
    public static func write(_ set: LabeledImages, imagesPath: String, labelsPath: String) throws {
        try write(dimensions: [set.count, set.imageShape[1], set.imageShape[2]], elements: set.pixels, to: imagesPath)
        try write(dimensions: [set.count], elements: set.labels, to: labelsPath)
    }
}
