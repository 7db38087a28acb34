import Foundation

/// What /proc/cpuinfo says of this machine's CPU, for choosing kernels and labelling figures.
enum CPUInfo {
    private static func field(_ name: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// The CPU model ("AMD EPYC", "Intel(R) Xeon(R) …"), as every speed figure must say.
    static var model: String { field("model name") ?? "unknown CPU" }

    /// The instruction-set flags (`avx2`, `fma`, `avx512f`, …).
    static var flags: Set<String> { Set((field("flags") ?? "").split(separator: " ").map(String.init)) }

    /// The vector extensions present, widest first: what kernels could use.
    static var vectorExtensions: String {
        let present = ["avx512f", "avx2", "fma", "avx", "sse4_2"].filter(flags.contains)
        return present.isEmpty ? "none reported" : present.joined(separator: ", ")
    }
}
