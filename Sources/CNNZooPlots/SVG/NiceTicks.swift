import Foundation

/// Axis ticks at "nice" values — 1, 2 or 5 × 10ⁿ apart — covering a data range.
public struct NiceTicks: Equatable {
    /// The axis range, widened to whole steps around the data.
    public let lower: Double
    public let upper: Double
    public let step: Double
    /// The tick values from `lower` to `upper`.
    public var values: [Double] {
        let count = Int(((upper - lower) / step).rounded())
        return (0...count).map { lower + Double($0) * step }
    }

    /// About `target` ticks over `low...high`; a flat or empty range is widened around its value.
    public init(low: Double, high: Double, target: Int = 5) {
        var (low, high) = (min(low, high), max(low, high))
        if !low.isFinite || !high.isFinite { (low, high) = (0, 1) }
        if high - low < 1e-12 * max(1, abs(low)) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        step = Self.nice((high - low) / Double(max(target, 1)))
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
    }

    /// The 1, 2 or 5 × 10ⁿ nearest above `raw`.
    static func nice(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let niceFraction: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return niceFraction * magnitude
    }

    /// A tick's label, with as many decimals as the step needs.
    public func label(_ value: Double) -> String {
        if step >= 1, abs(value) < 1e15 { return String(Int(value.rounded())) }
        if step < 1e-4 { return String(format: "%.0e", value) }
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }
}
