import CNNZoo
import Foundation

/// An MNIST-format data set: the four IDX files of MNIST and Fashion-MNIST.
public struct MNISTFormat: Sendable {
    public let name: String
    /// The folder the files were read from.
    public let directory: String
    public let train: LabeledImages
    public let test: LabeledImages

    /// The file stems of the four files; each may also end in `.gz`.
    public static let fileStems = (trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
                                   testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    /// Whether `directory` holds at least the two training files.
    public static func isPresent(in directory: String) -> Bool {
        file(fileStems.trainImages, in: directory) != nil && file(fileStems.trainLabels, in: directory) != nil
    }

    /// Reads the four files from `directory`.
    public init(name: String, directory: String) throws {
        self.name = name
        self.directory = directory
        func path(_ stem: String) throws -> String {
            guard let path = Self.file(stem, in: directory) else {
                throw DataError.missingFile(path: (directory as NSString).appendingPathComponent(stem + "[.gz]"))
            }
            return path
        }
        let s = Self.fileStems
        train = try Self.read(images: try path(s.trainImages), labels: try path(s.trainLabels))
        test = try Self.read(images: try path(s.testImages), labels: try path(s.testLabels))
        guard train.imageShape == test.imageShape else {
            throw DataError.mismatch("\(directory): training images are \(train.imageShape) but test images are \(test.imageShape)")
        }
    }

    /// Reads one images file and its labels file into ``LabeledImages``.
    public static func read(images imagesPath: String, labels labelsPath: String) throws -> LabeledImages {
        let images = try IDXReader.read(path: imagesPath)
        guard images.dimensions.count == 3 else {
            throw DataError.badFile(path: imagesPath, problem: "has dimensions \(images.dimensions); an images file has 3 (count, rows, columns)")
        }
        let (count, rows, columns) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard rows <= 4096, columns <= 4096 else {
            throw DataError.badFile(path: imagesPath, problem: "images of \(rows)×\(columns) are beyond 4096×4096")
        }
        let labels = try IDXReader.read(path: labelsPath)
        guard labels.dimensions.count == 1 else {
            throw DataError.badFile(path: labelsPath, problem: "has dimensions \(labels.dimensions); a labels file has 1")
        }
        guard labels.dimensions[0] == count else {
            throw DataError.mismatch("\(imagesPath) has \(count) images but \(labelsPath) has \(labels.dimensions[0]) labels")
        }
        if let bad = labels.elements.firstIndex(where: { $0 > 254 }) {
            throw DataError.badFile(path: labelsPath, problem: "label \(labels.elements[bad]) at index \(bad) is out of range")
        }
        do {
            return try LabeledImages(imageShape: [1, rows, columns], pixels: images.elements, labels: labels.elements)
        } catch {
            throw DataError.mismatch("\(imagesPath): \(error)")
        }
    }

    static func file(_ stem: String, in directory: String) -> String? {
        for name in [stem + ".gz", stem, stem.replacingOccurrences(of: "-idx", with: ".idx")] {
            let path = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.isReadableFile(atPath: path) { return path }
        }
        return nil
    }
}
