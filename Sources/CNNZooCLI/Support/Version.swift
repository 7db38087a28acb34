import CNNZoo

/// The program's version, stored in every checkpoint it writes: the engine's.
enum Version {
    static let current = CNNZooVersion.current
    static let writer = "cnn-zoo \(current)"
}
