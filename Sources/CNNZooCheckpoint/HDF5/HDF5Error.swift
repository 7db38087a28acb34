/// A failure inside the HDF5 library or a file that does not hold what was expected,
/// as one line naming the file and the object.
public struct HDF5Error: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
