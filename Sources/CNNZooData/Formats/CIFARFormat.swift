import CNNZoo
import Foundation

/// The CIFAR-10 and CIFAR-100 binary files: records of label bytes then 3,072 pixel bytes
/// (1,024 red, 1,024 green, 1,024 blue: already channel-first), 32 × 32 × 3.
///
/// CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, one label byte, class
/// names in `batches.meta.txt`. CIFAR-100: `train.bin` and `test.bin`, a coarse and a fine label
/// byte, names in `fine_label_names.txt` / `coarse_label_names.txt`.
public struct CIFARFormat: Sendable {
    public enum Labels: String, Sendable, CaseIterable { case fine, coarse }

    public let train: LabeledImages
    public let test: LabeledImages
    public let classNames: [String]?
    /// `cifar-10` or `cifar-100`.
    public let variant: String

    static let imageBytes = 3072
    static let tenTrain = (1...5).map { "data_batch_\($0).bin" }

    /// Whether `directory` holds CIFAR-10's or CIFAR-100's binary files.
    public static func isPresent(in directory: String) -> Bool {
        exists(directory, "test_batch.bin") || (exists(directory, "train.bin") && exists(directory, "test.bin"))
    }

    static func exists(_ directory: String, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name))
    }

    public init(directory: String, labels: Labels = .fine, options: ReadOptions = ReadOptions()) throws {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        // Sized from the files before any is read: refused whole when it is larger than memory allows.
        let files = ["test_batch.bin", "train.bin", "test.bin"] + Self.tenTrain
        let bytes = files.compactMap { try? FileManager.default.attributesOfItem(atPath: path($0))[.size] as? NSNumber }.reduce(0) { $0 + $1.intValue }
        try options.check(images: bytes / Self.imageBytes, shape: [3, 32, 32], in: directory)
        if Self.exists(directory, "test_batch.bin") {
            variant = "cifar-10"
            let trainFiles = Self.tenTrain.filter { Self.exists(directory, $0) }
            guard !trainFiles.isEmpty else { throw DataError.missingFile(path: path("data_batch_1.bin")) }
            train = try Self.read(trainFiles.map(path), labelBytes: 1, labelIndex: 0, classes: 10)
            test = try Self.read([path("test_batch.bin")], labelBytes: 1, labelIndex: 0, classes: 10)
            classNames = Self.names(path("batches.meta.txt"), count: 10)
        } else {
            variant = "cifar-100"
            let (index, classes) = labels == .fine ? (1, 100) : (0, 20)
            train = try Self.read([path("train.bin")], labelBytes: 2, labelIndex: index, classes: classes)
            test = try Self.read([path("test.bin")], labelBytes: 2, labelIndex: index, classes: classes)
            classNames = Self.names(path(labels == .fine ? "fine_label_names.txt" : "coarse_label_names.txt"), count: classes)
        }
    }

    /// Every record of `paths`, in order; a file that is not a whole number of records, or a
    /// label beyond `classes`, is refused naming the file.
    static func read(_ paths: [String], labelBytes: Int, labelIndex: Int, classes: Int) throws -> LabeledImages {
        let record = labelBytes + imageBytes
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw DataError.missingFile(path: path) }
            guard !data.isEmpty, data.count % record == 0 else {
                throw DataError.badFile(path: path, problem: "is \(data.count) bytes, not a whole number of \(record)-byte CIFAR records")
            }
            let count = data.count / record
            pixels.reserveCapacity(pixels.count + count * imageBytes)
            try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                let base = bytes.bindMemory(to: UInt8.self)
                for n in 0..<count {
                    let label = base[n * record + labelIndex]
                    guard Int(label) < classes else {
                        throw DataError.badFile(path: path, problem: "record \(n) has label \(label); there are \(classes) classes")
                    }
                    labels.append(label)
                    pixels.append(contentsOf: base[(n * record + labelBytes) ..< ((n + 1) * record)])
                }
            }
        }
        return try LabeledImages(imageShape: [3, 32, 32], pixels: pixels, labels: labels)
    }

    /// The class names one a line, when the file is there and has `count` of them.
    static func names(_ path: String, count: Int) -> [String]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.count == count ? names : nil
    }
}
