/// Readable names for the classes of known data sets.
enum ClassNames {
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
