import Foundation

/// Where output goes: results to standard output, messages and progress to standard error.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("cnn-zoo: error: \(message)\n".utf8))
    }

    static func notice(_ message: String) {
        FileHandle.standardError.write(Data("cnn-zoo: \(message)\n".utf8))
    }

    static func status(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal (progress bars) or a file or pipe (plain lines).
    static var errorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Prints one value as a line of compact, key-sorted JSON.
    static func json<T: Encodable>(_ value: T, pretty: Bool = false) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        print(String(decoding: try! encoder.encode(value), as: UTF8.self))
        fflush(nil)
    }
}
