import CNNZoo
import Foundation

/// `report.html`: one self-contained page — inline CSS and SVGs, no scripts, nothing fetched —
/// with the model's layer table, the training settings, the epoch history, per-class
/// accuracy and the four pictures.
public struct Report {
    public struct LayerRow {
        public let name: String, kind: String, output: String, parameters: Int, multiplyAdds: Int
        public init(name: String, kind: String, output: String, parameters: Int, multiplyAdds: Int) {
            (self.name, self.kind, self.output, self.parameters, self.multiplyAdds) = (name, kind, output, parameters, multiplyAdds)
        }
    }

    public let title: String
    public let subtitle: String
    public let layers: [LayerRow]
    public let settings: [(String, String)]
    public let history: [EpochRecord]
    /// Per class: name, test images, accuracy.
    public let classes: [(name: String, images: Int, accuracy: Double?)]
    /// Caption and picture, in page order.
    public let pictures: [(caption: String, svg: SVGDocument)]

    public init(title: String, subtitle: String, layers: [LayerRow], settings: [(String, String)], history: [EpochRecord],
                classes: [(name: String, images: Int, accuracy: Double?)], pictures: [(caption: String, svg: SVGDocument)]) {
        (self.title, self.subtitle, self.layers, self.settings) = (title, subtitle, layers, settings)
        (self.history, self.classes, self.pictures) = (history, classes, pictures)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        return String(digits.reversed().enumerated().map { $0 > 0 && $0 % 3 == 0 ? ",\($1)" : "\($1)" }.joined().reversed())
    }

    static func table(_ header: [String], _ rows: [[String]], numericFrom: Int = 1) -> String {
        let head = header.enumerated().map { "<th\($0 >= numericFrom ? " class=\"n\"" : "")>\(SVGDocument.escape($1))</th>" }.joined()
        let body = rows.map { row in
            "<tr>" + row.enumerated().map { "<td\($0 >= numericFrom ? " class=\"n\"" : "")>\(SVGDocument.escape($1))</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    public func render() -> String {
        let totalParameters = layers.reduce(0) { $0 + $1.parameters }, totalMACs = layers.reduce(0) { $0 + $1.multiplyAdds }
        let layerTable = Self.table(["layer", "kind", "output", "parameters", "multiply-adds"],
                                    layers.map { [$0.name, $0.kind, $0.output, Self.grouped($0.parameters), Self.grouped($0.multiplyAdds)] }
                                        + [["total", "", "", Self.grouped(totalParameters), Self.grouped(totalMACs)]], numericFrom: 3)
        let settingsTable = Self.table(["setting", "value"], settings.map { [$0.0, $0.1] }, numericFrom: 2)
        let historyTable = history.isEmpty ? "<p>No epoch has finished yet.</p>" : Self.table(
            ["epoch", "train loss", "train accuracy", "test accuracy", "learning rate", "seconds"],
            history.map { r in [String(r.epoch), String(format: "%.4f", r.trainLoss), String(format: "%.2f%%", r.trainAccuracy * 100),
                                r.testAccuracy.map { String(format: "%.2f%%", $0 * 100) } ?? "–", String(format: "%.4g", r.learningRate),
                                String(format: "%.1f", r.seconds)] })
        let classTable = Self.table(["class", "test images", "accuracy"],
                                    classes.map { [$0.name, Self.grouped($0.images), $0.accuracy.map { String(format: "%.2f%%", $0 * 100) } ?? "–"] })
        let figures = pictures.map { "<figure>\($0.svg.renderInline())<figcaption>\(SVGDocument.escape($0.caption))</figcaption></figure>" }
            .joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(SVGDocument.escape(title))</title>
            <style>
            body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 820px; color: #222; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
            .sub { color: #666; margin-top: 0; }
            table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
            th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; } th { background: #f5f5f5; }
            .n { text-align: right; font-variant-numeric: tabular-nums; }
            figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #555; font-size: 0.9em; }
            </style>
            </head>
            <body>
            <h1>\(SVGDocument.escape(title))</h1>
            <p class="sub">\(SVGDocument.escape(subtitle))</p>
            <h2>Model</h2>
            \(layerTable)
            <h2>Training settings</h2>
            \(settingsTable)
            <h2>History</h2>
            \(historyTable)
            <h2>Per-class accuracy on the test set</h2>
            \(classTable)
            <h2>Pictures</h2>
            \(figures)
            </body>
            </html>

            """
    }
}
