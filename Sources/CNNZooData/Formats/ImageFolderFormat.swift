import CNNZoo
import Foundation

/// Folders of images in torchvision's `ImageFolder` layout: one sub-folder per class, named as the
/// class, holding PNG or JPEG files (in folders below it too, symbolic links followed).
/// `DIR/train/<class>/…` and `DIR/test/<class>/…`, or `DIR/<class>/…` split into training and
/// test images by a seeded fraction. Classes are the folder names in sorted order.
///
/// Every image must have the size of the first: nothing is resized. Colour images in a grey set
/// are read as their luminance and grey ones in a colour set as three equal channels, so one run
/// sees one channel count. Files are read and decoded in parallel, one chunk per engine thread.
public struct ImageFolderFormat: Sendable {
    public let train: LabeledImages
    public let test: LabeledImages
    public let classNames: [String]
    /// Files that could not be decoded and were left out (with ``Options/skipsBadImages``).
    public let skipped: [String]

    /// How a folder is read.
    public struct Options: Sendable {
        /// The share of each class kept for testing when the folder has no `train/` and `test/`.
        public var validationSplit: Double
        /// The seed of that split.
        public var seed: UInt64
        /// Leave undecodable files out (and count them) instead of stopping at the first.
        public var skipsBadImages: Bool

        public init(validationSplit: Double = 0.2, seed: UInt64 = 1, skipsBadImages: Bool = false) {
            self.validationSplit = validationSplit
            self.seed = seed
            self.skipsBadImages = skipsBadImages
        }
    }

    static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// Labels are bytes.
    static let classCap = 256

    /// Whether `directory` looks like an image folder: `train/` and `test/` folders, or class
    /// folders holding images.
    public static func isPresent(in directory: String) -> Bool {
        if isDirectory(join(directory, "train")) && isDirectory(join(directory, "test")) { return true }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return false }
        return entries.contains { entry in
            let folder = join(directory, entry)
            guard isDirectory(folder), let inside = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
            return inside.contains { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
        }
    }

    /// Reads the folder; `progress(done, total)` is told as files are decoded.
    public init(directory: String, options: Options = Options(), progress: (@Sendable (Int, Int) -> Void)? = nil,
                budget: ReadOptions = ReadOptions()) throws {
        let split = Self.isDirectory(Self.join(directory, "train")) && Self.isDirectory(Self.join(directory, "test"))
        let trainRoot = split ? Self.join(directory, "train") : directory
        let classNames = try Self.classFolders(trainRoot)
        var trainFiles: [(String, Int)] = [], testFiles: [(String, Int)] = []
        for (label, name) in classNames.enumerated() {
            let files = try Self.images(under: Self.join(trainRoot, name))
            guard !files.isEmpty else { throw DataError.badFile(path: Self.join(trainRoot, name), problem: "is a class folder with no PNG or JPEG images") }
            if split {
                trainFiles += files.map { ($0, label) }
            } else {
                // A seeded, per-class split: every class keeps its share in both parts.
                var random = RandomGenerator(seed: options.seed &+ UInt64(label))
                let shuffled = files.shuffled(using: &random)
                let testCount = Int((Double(files.count) * options.validationSplit).rounded())
                testFiles += shuffled.prefix(testCount).sorted().map { ($0, label) }
                trainFiles += shuffled.dropFirst(testCount).sorted().map { ($0, label) }
            }
        }
        if split {
            let testRoot = Self.join(directory, "test")
            for name in try Self.classFolders(testRoot) {
                guard let label = classNames.firstIndex(of: name) else {
                    throw DataError.mismatch("\(Self.join(testRoot, name)): class '\(name)' is not among the training classes (\(classNames.joined(separator: ", ")))")
                }
                testFiles += try Self.images(under: Self.join(testRoot, name)).map { ($0, label) }
            }
        }
        let total = trainFiles.count + testFiles.count
        guard let first = trainFiles.first else { throw DataError.badFile(path: directory, problem: "holds no PNG or JPEG images") }
        let firstData = try Self.contents(first.0)
        let info = try ImageDecoder.info(firstData, path: first.0)
        let shape = [info.channels, info.height, info.width]
        try budget.check(images: total, shape: shape, in: directory)
        let decoder = FolderDecoder(shape: shape, skipsBadImages: options.skipsBadImages, total: total, progress: progress)
        let train = try decoder.decode(trainFiles)
        let test = try decoder.decode(testFiles, doneBefore: trainFiles.count)
        self.train = train.images
        self.test = test.images
        self.classNames = classNames
        skipped = train.skipped + test.skipped
    }

    /// The class folders of `root`, sorted; refused when there are none or too many.
    static func classFolders(_ root: String) throws -> [String] {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: root) } catch {
            throw DataError.badFile(path: root, problem: "cannot be read as a folder")
        }
        let folders = entries.filter { !$0.hasPrefix(".") && isDirectory(join(root, $0)) }.sorted()
        guard !folders.isEmpty else { throw DataError.badFile(path: root, problem: "has no class folders (one sub-folder of images per class)") }
        guard folders.count <= classCap else {
            throw DataError.badFile(path: root, problem: "has \(folders.count) class folders; cnn-zoo takes at most \(classCap) classes")
        }
        return folders
    }

    /// Every PNG or JPEG file below `folder`, sorted, following symbolic links as torchvision
    /// does; a link back to a folder already being walked is a loop, refused naming it.
    public static func images(under folder: String) throws -> [String] {
        var found: [String] = []
        var walking: Set<String> = []
        func walk(_ path: String) throws {
            let real = (path as NSString).resolvingSymlinksInPath
            guard walking.insert(real).inserted else {
                throw DataError.badFile(path: path, problem: "is a symbolic link loop (it leads back to \(real))")
            }
            defer { walking.remove(real) }
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for entry in entries where !entry.hasPrefix(".") {
                let child = join(path, entry)
                if isDirectory(child) {
                    try walk(child)
                } else if extensions.contains((entry as NSString).pathExtension.lowercased()) {
                    found.append(child)
                }
            }
        }
        try walk(folder)
        return found
    }

    static func contents(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.badFile(path: path, problem: "cannot be read") }
        return data
    }

    static func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}

/// Reads and decodes files into one byte buffer, channel-first, in parallel.
struct FolderDecoder: Sendable {
    let shape: [Int]
    let skipsBadImages: Bool
    let total: Int
    let progress: (@Sendable (Int, Int) -> Void)?

    func decode(_ files: [(path: String, label: Int)], doneBefore: Int = 0) throws -> (images: LabeledImages, skipped: [String]) {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let size = channels * height * width
        var pixels = [UInt8](repeating: 0, count: files.count * size)
        var failures = [String?](repeating: nil, count: files.count)
        pixels.withUnsafeMutableBufferPointer { pixels in
            failures.withUnsafeMutableBufferPointer { failures in
                let (pixels, failures) = (pixels, failures)
                Parallelism.forEachChunk(files.count) { chunk, range in
                    var interleaved = [UInt8](repeating: 0, count: size)
                    for index in range {
                        let path = files[index].path
                        do {
                            let data = try ImageFolderFormat.contents(path)
                            let info = try ImageDecoder.info(data, path: path)
                            guard info.width == width, info.height == height else {
                                throw DataError.mismatch("\(path) is \(info.width)×\(info.height) but the first image is \(width)×\(height); cnn-zoo does not resize: give every image one size")
                            }
                            try interleaved.withUnsafeMutableBufferPointer { buffer in
                                try ImageDecoder.decode(data, path: path, channels: channels, into: buffer)
                            }
                            // Interleaved rows (H, W, C) to the engine's channel-first layout.
                            let image = pixels.baseAddress! + index * size
                            for c in 0..<channels {
                                for p in 0..<(height * width) { image[c * height * width + p] = interleaved[p * channels + c] }
                            }
                        } catch {
                            failures[index] = "\(error)"
                        }
                        if chunk == 0, let progress, (index - range.lowerBound) % 256 == 255 {
                            progress(doneBefore + (index - range.lowerBound + 1) * Parallelism.chunkCount(files.count), total)
                        }
                    }
                }
            }
        }
        progress?(doneBefore + files.count, total)
        var keptPixels: [UInt8] = [], labels: [UInt8] = [], skipped: [String] = []
        if let bad = failures.firstIndex(where: { $0 != nil }) {
            guard skipsBadImages else { throw DataError.mismatch(failures[bad]!) }
            for index in files.indices {
                if failures[index] != nil {
                    skipped.append(files[index].path)
                    continue
                }
                keptPixels.append(contentsOf: pixels[index * size ..< (index + 1) * size])
                labels.append(UInt8(files[index].label))
            }
        } else {
            keptPixels = pixels
            labels = files.map { UInt8($0.label) }
        }
        return (try LabeledImages(imageShape: shape, pixels: keptPixels, labels: labels), skipped)
    }
}
