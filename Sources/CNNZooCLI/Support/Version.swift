/// The program's version, stored in every checkpoint it writes.
enum Version {
    static let current = "0.1.0"
    static let writer = "cnn-zoo \(current)"
}
