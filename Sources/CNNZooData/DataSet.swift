import CNNZoo

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

    /// Images already in memory, under `name`: synthetic data, or data read some other way.
    public init(name: String, directory: String = "", train: LabeledImages, test: LabeledImages,
                classes: [Int]? = nil, limit: Int? = nil, notice: String? = nil) {
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
                            locator: DatasetLocator = DatasetLocator()) throws -> DataSet {
        let found = try locator.locate(name: name, directory: directory)
        let set = try MNISTFormat(name: found.name, directory: found.directory)
        var train = set.train, test = set.test
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
        return DataSet(name: found.name, directory: found.directory, train: train, test: test, classes: classes, limit: limit,
                       notice: found.notice)
    }
}
