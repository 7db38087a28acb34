import CNNZoo
/// A plain-text table with aligned columns, for terminal output.
struct Table {
    enum Alignment { case left, right }

    let headers: [String]
    let alignments: [Alignment]
    var rows: [[String]] = []
    /// Rows after which a rule is drawn (e.g. before a totals row).
    var rulesBefore: Set<Int> = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    mutating func addRule() { rulesBefore.insert(rows.count) }

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return alignments[i] == .left ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        var lines = [line(headers), rule]
        for (index, row) in rows.enumerated() {
            if rulesBefore.contains(index) { lines.append(rule) }
            lines.append(line(row))
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation

/// Number formatting shared by the commands.
enum Format {
    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + String(out.reversed())
    }

    /// 2_230_000 → "2.23M".
    static func compact(_ value: Int) -> String {
        let v = Double(value)
        if v >= 1e9 { return String(format: "%.2fG", v / 1e9) }
        if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
        if v >= 1e4 { return String(format: "%.1fK", v / 1e3) }
        return grouped(value)
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }

    static func shape(_ shape: [Int]) -> String { Tensor.describe(shape) }

    /// 75 → "1:15"; 3725 → "1:02:05".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
