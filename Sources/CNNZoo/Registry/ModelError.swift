/// Why a model could not be built from its spec. Every case names what a person needs to fix it.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unknownKind(layer: String, kind: String, known: [String])
    case duplicateKind(String)
    case badSetting(layer: String, message: String)
    case shapeMismatch(layer: String, message: String)
    case badSpec(String)
    /// An optimizer that is unknown or whose settings do not fit; the text names it.
    case badOptimizer(String)

    public var description: String {
        switch self {
        case let .unknownKind(layer, kind, known):
            var text = "layer '\(layer)': unknown layer kind '\(kind)'"
            if let nearest = Suggestion.nearest(to: kind, in: known) { text += " (did you mean '\(nearest)'?)" }
            return text + "; known kinds: \(known.joined(separator: ", "))"
        case let .duplicateKind(kind):
            return "layer kind '\(kind)' is already registered; choose another kind name"
        case let .badSetting(layer, message):
            return "layer '\(layer)': \(message)"
        case let .shapeMismatch(layer, message):
            return "layer '\(layer)': \(message)"
        case let .badSpec(message), let .badOptimizer(message):
            return message
        }
    }
}
