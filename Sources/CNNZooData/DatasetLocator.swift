import Foundation

/// Finds MNIST-format data sets by name.
///
/// A name is looked up in `$CNN_ZOO_DATA/<name>`, `./data/<name>` and
/// `/usr/share/datasets/<name>` (where Debian's `dataset-fashion-mnist` installs);
/// an explicit folder overrides the search.
public struct DatasetLocator: Sendable {
    /// The data set names known by default, in order of preference.
    public static let knownNames = ["mnist", "fashion-mnist"]

    public var environment: [String: String]
    public var workingDirectory: String
    public var systemDirectory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                systemDirectory: String = "/usr/share/datasets") {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.systemDirectory = systemDirectory
    }

    /// The folders searched for `name`, in order.
    public func candidates(for name: String) -> [String] {
        var folders: [String] = []
        if let root = environment["CNN_ZOO_DATA"], !root.isEmpty { folders.append((root as NSString).appendingPathComponent(name)) }
        folders.append((workingDirectory as NSString).appendingPathComponent("data/\(name)"))
        folders.append((systemDirectory as NSString).appendingPathComponent(name))
        return folders
    }

    /// What was found: the name, its folder, and a notice when a default was substituted.
    public struct Found: Sendable, Equatable {
        public let name: String
        public let directory: String
        public let notice: String?
    }

    /// Resolves `name` (nil: MNIST when present, else Fashion-MNIST) or an explicit `directory`.
    public func locate(name: String?, directory: String?) throws -> Found {
        if let directory {
            guard Self.holdsData(directory) else {
                throw DataError.notFound(name: name ?? directory, searched: [directory],
                    hint: "--data needs a folder with MNIST's four IDX files (train-images-idx3-ubyte[.gz], …), CIFAR's binary files (data_batch_1.bin … test_batch.bin, or train.bin and test.bin), or images in class folders (train/<class>/*.png and test/<class>/…, or <class>/*.jpg).")
            }
            return Found(name: name ?? (directory as NSString).lastPathComponent, directory: directory, notice: nil)
        }
        if let name {
            if let folder = candidates(for: name).first(where: Self.holdsData) {
                return Found(name: name, directory: folder, notice: nil)
            }
            throw DataError.notFound(name: name, searched: candidates(for: name), hint: Self.hint(for: name))
        }
        if let folder = candidates(for: "mnist").first(where: MNISTFormat.isPresent) {
            return Found(name: "mnist", directory: folder, notice: nil)
        }
        if let folder = candidates(for: "fashion-mnist").first(where: MNISTFormat.isPresent) {
            return Found(name: "fashion-mnist", directory: folder,
                         notice: "MNIST not found; using Fashion-MNIST from \(folder) (same format, 10 classes of clothing)")
        }
        throw DataError.notFound(name: "mnist or fashion-mnist", searched: candidates(for: "mnist") + candidates(for: "fashion-mnist"),
                                 hint: Self.hint(for: "fashion-mnist"))
    }

    static func hint(for name: String) -> String {
        if name == "fashion-mnist" {
            return "Install it with `apt-get install dataset-fashion-mnist` (or run Tools/setup.sh), or pass --data DIR."
        }
        return "Put its four IDX files (e.g. train-images-idx3-ubyte.gz) in ./data/\(name) or $CNN_ZOO_DATA/\(name), or pass --data DIR."
    }

    /// Whether `directory` holds a data set in one of the formats cnn-zoo reads.
    public static func holdsData(_ directory: String) -> Bool {
        MNISTFormat.isPresent(in: directory) || CIFARFormat.isPresent(in: directory) || ImageFolderFormat.isPresent(in: directory)
    }
}
