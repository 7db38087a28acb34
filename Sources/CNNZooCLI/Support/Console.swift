import Foundation

/// Where output goes: results to standard output, messages and progress to standard error.
enum Console {
    /// Which process of a data-parallel job this is ("rank 1 of 4"), named in its errors.
    nonisolated(unsafe) static var processLabel: String?
    /// Set on every process of a data-parallel job but the first: only errors are printed.
    nonisolated(unsafe) static var quiet = false

    static func error(_ message: String) {
        let label = processLabel.map { "\($0): " } ?? ""
        FileHandle.standardError.write(Data("cnn-zoo: error: \(label)\(message)\n".utf8))
    }

    static func notice(_ message: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("cnn-zoo: \(message)\n".utf8))
    }

    static func status(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal (progress bars) or a file or pipe (plain lines).
    static var errorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Prints one value as a line of compact, key-sorted JSON.
    static func json<T: Encodable>(_ value: T, pretty: Bool = false) {
        guard !quiet else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        print(String(decoding: try! encoder.encode(value), as: UTF8.self))
        fflush(nil)
    }
}
