import CNNZooCheckpoint

/// Readable names for the classes of known data sets.
enum ClassNames {
    /// The names a checkpoint's run recorded (folder names, CIFAR's), else those of a known data set.
    static func names(for saved: Checkpoint, dataset: String, classes: [Int]?) -> [String]? {
        saved.run.classNames.isEmpty ? names(dataset: dataset, classes: classes) : saved.run.classNames
    }

    static func names(dataset: String, classes: [Int]?) -> [String]? {
        let all: [String]
        switch dataset {
        case "fashion-mnist":
            all = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case "mnist":
            all = (0..<10).map(String.init)
        default:
            return nil
        }
        guard let classes else { return all }
        return classes.map { $0 < all.count ? all[$0] : String($0) }
    }
}
