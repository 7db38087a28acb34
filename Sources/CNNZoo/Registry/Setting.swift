/// A setting a kind declares once — its name, its type, its default, its range and what it
/// means — and reads, lists and documents from that one declaration: `settings.value(Self.lr)`
/// parses it, ``description`` is what `cnn-zoo layers` prints.
///
///     static let lr = Setting.number("lr", default: 0.01, in: 1e-12...1e6, "learning rate η")
///     public static let settings = [lr.description, momentum.description]
///     init(settings: Settings) throws { learningRate = try settings.value(Self.lr) }
public struct Setting<Value: Sendable>: Sendable {
    public let name: String
    /// The default, or nil when a spec must give it.
    public let defaultValue: Value?
    /// The setting as `cnn-zoo layers` lists it.
    public let description: SettingDescription
    private let read: @Sendable (Settings) throws -> Value

    init(name: String, type: String, defaultValue: Value?, defaultText: String?, help: String,
         read: @escaping @Sendable (Settings) throws -> Value) {
        self.name = name
        self.defaultValue = defaultValue
        description = SettingDescription(name, type, default: defaultText, help)
        self.read = read
    }

    /// The value `settings` give it, or its default; a value of the wrong type or out of range
    /// throws naming the setting and its owner.
    func value(in settings: Settings) throws -> Value { try read(settings) }
}

extension Settings {
    /// The value of a declared setting (see ``Setting``).
    public func value<Value>(_ setting: Setting<Value>) throws -> Value { try setting.value(in: self) }
}

extension Setting where Value == Double {
    /// A real number within `range`.
    public static func number(_ name: String, default defaultValue: Double? = nil,
                              in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude,
                              _ help: String) -> Setting {
        Setting(name: name, type: "number", defaultValue: defaultValue, defaultText: defaultValue.map { SettingValue.number($0).description },
                help: help) { try $0.double(name, default: defaultValue, in: range) }
    }
}

extension Setting where Value == Int {
    /// A whole number within `range`.
    public static func integer(_ name: String, default defaultValue: Int? = nil, in range: ClosedRange<Int> = Int.min...Int.max,
                               _ help: String) -> Setting {
        Setting(name: name, type: "int", defaultValue: defaultValue, defaultText: defaultValue.map(String.init),
                help: help) { try $0.int(name, default: defaultValue, in: range) }
    }
}

extension Setting where Value == Bool {
    /// True or false.
    public static func bool(_ name: String, default defaultValue: Bool, _ help: String) -> Setting {
        Setting(name: name, type: "bool", defaultValue: defaultValue, defaultText: String(defaultValue),
                help: help) { try $0.bool(name, default: defaultValue) }
    }
}

extension Setting where Value == [Double] {
    /// A list of exactly `count` real numbers, each within `range`.
    public static func numbers(_ name: String, count: Int, default defaultValue: [Double],
                               in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude,
                               _ help: String) -> Setting {
        Setting(name: name, type: "[" + Array(repeating: "number", count: count).joined(separator: ", ") + "]", defaultValue: defaultValue,
                defaultText: SettingValue.array(defaultValue.map(SettingValue.number)).description,
                help: help) { try $0.doubles(name, count: count, default: defaultValue, in: range) }
    }
}

extension Setting where Value == Initializer {
    /// An initializer by name (see ``Initializer/names``).
    public static func initializer(_ name: String, default defaultValue: Initializer, _ help: String) -> Setting {
        Setting(name: name, type: "initializer", defaultValue: defaultValue, defaultText: defaultValue.name,
                help: help) { try $0.initializer(name, default: defaultValue) }
    }
}
