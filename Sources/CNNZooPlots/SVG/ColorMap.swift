/// Colour scales: viridis for heat maps (ordered, readable by colour-blind readers and in
/// grey), grey for weights, and the Okabe–Ito palette for lines.
public enum ColorMap {
    /// Matplotlib's viridis, sampled at 0, 0.1, …, 1.
    static let viridisStops: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142), (33, 145, 140),
        (34, 168, 132), (68, 191, 112), (122, 209, 81), (189, 223, 38), (253, 231, 37),
    ]

    /// Viridis at `t` in [0, 1] (clamped).
    public static func viridis(_ t: Double) -> String {
        let t = min(max(t.isFinite ? t : 0, 0), 1) * Double(viridisStops.count - 1)
        let i = min(Int(t), viridisStops.count - 2)
        let f = t - Double(i)
        let (a, b) = (viridisStops[i], viridisStops[i + 1])
        return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// Black at 0 to white at 1 (clamped).
    public static func grey(_ t: Double) -> String {
        let v = min(max(t.isFinite ? t : 0, 0), 1) * 255
        return hex(v, v, v)
    }

    /// Text colour that reads on a viridis cell of value `t`.
    public static func textOnViridis(_ t: Double) -> String { t > 0.6 ? "#111" : "#fff" }

    /// Okabe–Ito: distinguishable with every common colour-vision deficiency.
    public static let lines = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]

    static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        func byte(_ v: Double) -> String {
            let value = Int(min(max(v.rounded(), 0), 255))
            return String(value, radix: 16).count == 1 ? "0" + String(value, radix: 16) : String(value, radix: 16)
        }
        return "#" + byte(r) + byte(g) + byte(b)
    }
}
