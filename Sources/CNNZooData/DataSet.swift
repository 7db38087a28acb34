import CNNZoo
import Foundation

/// A data set ready to train on: located, read, its classes chosen and its size limited.
public struct DataSet: Sendable {
    /// The data set's name (`fashion-mnist`) and the folder it was read from.
    public let name: String
    public let directory: String
    public let train: LabeledImages
    public let test: LabeledImages
    /// The original class numbers kept, relabelled 0, 1, … in this order (nil: all).
    public let classes: [Int]?
    /// The most training and test images kept (nil: all).
    public let limit: Int?
    /// What finding it had to say (which of several places it chose), for the user.
    public let notice: String?
    /// The classes' names, in label order, where the data names them (folder names, CIFAR's meta files).
    public let classNames: [String]?

    /// Images already in memory, under `name`: synthetic data, or data read some other way.
    public init(name: String, directory: String = "", train: LabeledImages, test: LabeledImages,
                classes: [Int]? = nil, limit: Int? = nil, notice: String? = nil, classNames: [String]? = nil) {
        self.classNames = classNames
        self.name = name
        self.directory = directory
        self.train = train
        self.test = test
        self.classes = classes
        self.limit = limit
        self.notice = notice
    }

    /// The number of classes a model must score.
    public var classCount: Int { classes?.count ?? max(train.labelBound, test.labelBound) }

    /// Finds and reads a data set in MNIST's IDX format: by `name` in the usual places (see
    /// ``DatasetLocator``), or in `directory`; keeps only `classes` (relabelled in their order)
    /// and at most `limit` training and `limit` test images, taking classes in turn.
    /// - Throws: ``DataError`` naming the missing or bad file, or the class out of range.
    public static func load(name: String? = nil, directory: String? = nil, classes: [Int]? = nil, limit: Int? = nil,
                            locator: DatasetLocator = DatasetLocator(), options: ReadOptions = ReadOptions()) throws -> DataSet {
        let found = try locator.locate(name: name, directory: directory)
        var train: LabeledImages, test: LabeledImages, names: [String]?
        var notices = [found.notice].compactMap { $0 }
        if MNISTFormat.isPresent(in: found.directory) {
            let set = try MNISTFormat(name: found.name, directory: found.directory)
            (train, test, names) = (set.train, set.test, nil)
        } else if CIFARFormat.isPresent(in: found.directory) {
            let set = try CIFARFormat(directory: found.directory, labels: options.cifarLabels, options: options)
            (train, test, names) = (set.train, set.test, set.classNames)
        } else {
            let set = try ImageFolderFormat(directory: found.directory, options: options.folder, progress: options.progress, budget: options)
            (train, test, names) = (set.train, set.test, set.classNames)
            if !set.skipped.isEmpty {
                notices.append("left out \(set.skipped.count) image(s) that could not be decoded, the first \(set.skipped[0])")
            }
        }
        let bound = max(train.labelBound, test.labelBound)
        if let classes {
            if let bad = classes.first(where: { $0 >= bound }) {
                throw DataError.badSelection("class \(bad) is out of range; \(found.name) has classes 0–\(bound - 1)")
            }
            train = train.keeping(classes: classes)
            test = test.keeping(classes: classes)
        }
        if let limit {
            train = train.limited(to: limit)
            test = test.limited(to: limit)
        }
        if let kept = classes, let all = names { names = kept.map { all[$0] } }
        return DataSet(name: found.name, directory: found.directory, train: train, test: test, classes: classes, limit: limit,
                       notice: notices.isEmpty ? nil : notices.joined(separator: "; "), classNames: names)
    }
}

/// How a data set's files are read, beyond where they are.
public struct ReadOptions: Sendable {
    /// CIFAR-100's fine (100) or coarse (20) labels.
    public var cifarLabels: CIFARFormat.Labels = .fine
    /// How an image folder is split and what it does with bad files.
    public var folder = ImageFolderFormat.Options()
    /// Told (done, total) as an image folder's files are decoded.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// The most bytes of pixels a data set may take (nil: three quarters of what
    /// ``MachineMemory`` says this process may use). cnn-zoo keeps a data set in memory, as
    /// bytes; a larger one is refused with its size before it is read, not streamed.
    public var memoryBudget: Int?

    /// The budget in force.
    public var budget: Int { memoryBudget ?? MachineMemory.available / 4 * 3 }

    /// Throws unless `images` images of `shape` fit the budget.
    public func check(images: Int, shape: [Int], in place: String) throws {
        let bytes = images * shape.reduce(1, *)
        guard bytes <= budget else {
            func size(_ bytes: Int) -> String {
                bytes >= 1_000_000_000 ? String(format: "%.1f GB", Double(bytes) / 1e9)
                    : bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : "\(bytes) bytes"
            }
            throw DataError.badFile(path: place, problem: "holds \(images) images of \(shape.map(String.init).joined(separator: "×")): \(size(bytes)) of pixels, "
                + "more than the \(size(budget)) this machine allows; cnn-zoo keeps a data set in memory and does not stream it (use --limit or a smaller set)")
        }
    }

    public init(cifarLabels: CIFARFormat.Labels = .fine, folder: ImageFolderFormat.Options = ImageFolderFormat.Options(),
                progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.cifarLabels = cifarLabels
        self.folder = folder
        self.progress = progress
    }
}
