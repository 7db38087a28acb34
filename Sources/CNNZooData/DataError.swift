/// Why a data set could not be read. Each case names the file or the places searched.
public enum DataError: Error, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case badFile(path: String, problem: String)
    case mismatch(String)
    case notFound(name: String, searched: [String], hint: String)
    /// A choice of classes the data set does not have.
    case badSelection(String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case let .badFile(path, problem): return "\(path): \(problem)"
        case .mismatch(let message), .badSelection(let message): return message
        case let .notFound(name, searched, hint):
            return "data set '\(name)' not found; looked in \(searched.joined(separator: ", ")). \(hint)"
        }
    }
}
