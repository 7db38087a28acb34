/// The settings of one registered thing in a spec — a layer, an optimizer — with typed
/// accessors that throw errors naming its owner and the setting.
public struct Settings: Sendable, Equatable {
    /// Whose settings these are, for error messages.
    public enum Owner: Sendable, Equatable {
        /// A layer, by its name in the model.
        case layer(String)
        /// An optimizer, by its kind.
        case optimizer(String)
        /// A loss, by its kind.
        case loss(String)
    }

    public let owner: Owner
    /// The raw values by setting name.
    public let values: [String: SettingValue]

    public init(owner: Owner, values: [String: SettingValue] = [:]) {
        self.owner = owner
        self.values = values
    }

    /// A layer's settings.
    public init(layerName: String, values: [String: SettingValue] = [:]) {
        self.init(owner: .layer(layerName), values: values)
    }

    /// The layer's name in its model, or the optimizer's kind.
    public var layerName: String {
        switch owner { case .layer(let name), .optimizer(let name), .loss(let name): return name }
    }

    private func fail(_ message: String) -> ModelError {
        switch owner {
        case .layer(let name): return .badSetting(layer: name, message: message)
        case .optimizer(let kind): return .badOptimizer("optimizer '\(kind)': \(message)")
        case .loss(let kind): return .badSpec("loss '\(kind)': \(message)")
        }
    }

    /// An error about these settings as a whole, naming their owner.
    public func problem(_ message: String) -> ModelError { fail(message) }

    /// A whole number; `range` bounds it.
    public func int(_ key: String, default defaultValue: Int? = nil, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let raw = values[key] else {
            if let defaultValue { return defaultValue }
            throw fail("missing required setting '\(key)'")
        }
        guard case .number(let number) = raw, number == number.rounded(), abs(number) < 1e12 else {
            throw fail("'\(key)' must be a whole number, got \(raw)")
        }
        let value = Int(number)
        guard range.contains(value) else {
            throw fail("'\(key)' must be \(Self.describe(range)), got \(value)")
        }
        return value
    }

    /// A pair `[a, b]` or a single number used for both.
    public func pair(_ key: String, default defaultValue: (Int, Int)? = nil, in range: ClosedRange<Int>) throws -> (Int, Int) {
        let list = try intList(key, default: defaultValue.map { [$0.0, $0.1] }, counts: [1, 2], in: range)
        return list.count == 1 ? (list[0], list[0]) : (list[0], list[1])
    }

    /// A number or a list of whole numbers whose length is one of `counts`.
    public func intList(_ key: String, default defaultValue: [Int]? = nil, counts: Set<Int>? = nil,
                        in range: ClosedRange<Int> = Int.min...Int.max) throws -> [Int] {
        guard let raw = values[key] else {
            if let defaultValue { return defaultValue }
            throw fail("missing required setting '\(key)'")
        }
        let items: [SettingValue]
        if case .array(let array) = raw { items = array } else { items = [raw] }
        let list = try items.map { item -> Int in
            guard case .number(let number) = item, number == number.rounded(), abs(number) < 1e12 else {
                throw fail("'\(key)' must hold whole numbers, got \(raw)")
            }
            return Int(number)
        }
        if let counts, !counts.contains(list.count) {
            let allowed = counts.sorted().map(String.init).joined(separator: " or ")
            throw fail("'\(key)' must have \(allowed) values, got \(list.count)")
        }
        for value in list where !range.contains(value) {
            throw fail("'\(key)' values must be \(Self.describe(range)), got \(value)")
        }
        return list
    }

    /// A real number; `range` bounds it (NaN and infinities are refused).
    public func double(_ key: String, default defaultValue: Double? = nil, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double {
        guard let raw = values[key] else {
            if let defaultValue { return defaultValue }
            throw fail("missing required setting '\(key)'")
        }
        guard case .number(let value) = raw, value.isFinite else {
            throw fail("'\(key)' must be a number, got \(raw)")
        }
        guard range.contains(value) else {
            throw fail("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A boolean.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let raw = values[key] else { return defaultValue }
        guard case .bool(let value) = raw else { throw fail("'\(key)' must be true or false, got \(raw)") }
        return value
    }

    /// A string.
    public func string(_ key: String, default defaultValue: String) throws -> String {
        guard let raw = values[key] else { return defaultValue }
        guard case .string(let value) = raw else { throw fail("'\(key)' must be a string, got \(raw)") }
        return value
    }

    /// An initializer named by `key` (see ``Initializer/names``).
    public func initializer(_ key: String, default defaultValue: Initializer) throws -> Initializer {
        guard values[key] != nil else { return defaultValue }
        let name = try string(key, default: "")
        guard let initializer = Initializer(name: name) else {
            throw fail("'\(key)' names no initializer: '\(name)' (known: \(Initializer.names.joined(separator: ", ")))")
        }
        return initializer
    }

    /// Throws for any setting the layer kind does not declare, suggesting the nearest.
    public func checkKnown(_ settings: [SettingDescription]) throws {
        let known = settings.map(\.name)
        for key in values.keys.sorted() where !known.contains(key) {
            var message = "unknown setting '\(key)'"
            if let nearest = Suggestion.nearest(to: key, in: known) { message += " (did you mean '\(nearest)'?)" }
            message += known.isEmpty ? "; this kind takes no settings" : "; known: \(known.joined(separator: ", "))"
            throw fail(message)
        }
    }

    /// A list of exactly `count` real numbers (`"betas": [0.9, 0.999]`), each within `range`.
    public func doubles(_ key: String, count: Int, default defaultValue: [Double],
                        in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> [Double] {
        guard let raw = values[key] else { return defaultValue }
        guard case .array(let items) = raw, items.count == count else {
            throw fail("'\(key)' must be a list of \(count) numbers, got \(raw)")
        }
        return try items.map { item in
            guard case .number(let value) = item, value.isFinite, range.contains(value) else {
                throw fail("'\(key)' values must be numbers between \(range.lowerBound) and \(range.upperBound), got \(raw)")
            }
            return value
        }
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        return "between \(range.lowerBound) and \(range.upperBound)"
    }
}

/// The settings of one layer (the name layers have always used).
public typealias LayerSettings = Settings
