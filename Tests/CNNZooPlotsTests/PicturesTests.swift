import CNNZoo
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import CNNZooPlots

/// The SVG primitives and the four pictures: well-formed XML holding what each picture must show.
final class PicturesTests: XCTestCase {
    /// Every element of a parsed document, with its attributes and text.
    final class Elements: NSObject, XMLParserDelegate {
        struct Element { let name: String; let attributes: [String: String]; var text: String }
        var all: [Element] = []
        private var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            all.append(Element(name: name, attributes: attributes, text: ""))
            open.append(all.count - 1)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { if let last = open.last { all[last].text += string } }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
        func named(_ name: String) -> [Element] { all.filter { $0.name == name } }
        var texts: [String] { named("text").map(\.text) }
    }

    /// Parses `svg`, failing the test when it is not well-formed XML.
    func parse(_ svg: SVGDocument, file: StaticString = #filePath, line: UInt = #line) throws -> Elements {
        let parser = XMLParser(data: Data(svg.render().utf8))
        let elements = Elements()
        parser.delegate = elements
        XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map(String.init(describing:)) ?? "")", file: file, line: line)
        XCTAssertEqual(elements.all.first?.name, "svg", file: file, line: line)
        return elements
    }

    func testNiceTicksAreOneTwoOrFiveTimesAPowerOfTen() {
        XCTAssertEqual(NiceTicks(low: 0, high: 1).values, [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        let ticks = NiceTicks(low: 0.37, high: 9.2)
        XCTAssertEqual(ticks.step, 2)
        XCTAssertEqual(ticks.values, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(NiceTicks(low: 52.9, high: 80.5).step, 10)
        XCTAssertEqual(NiceTicks(low: 0, high: 0.0134, target: 3).step, 0.005)
        for (low, high) in [(0.0, 1e-7), (-3.0, 1e6), (17.0, 17.0), (0.0, 0.0), (-.infinity, 1.0)] {
            let ticks = NiceTicks(low: low, high: high)
            let mantissa = ticks.step / pow(10, log10(ticks.step).rounded(.down))
            XCTAssertTrue([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(ticks.step) for \(low)...\(high)")
            XCTAssertLessThan(ticks.lower, ticks.upper)
            XCTAssertLessThanOrEqual(ticks.values.count, 12)
        }
        XCTAssertEqual(NiceTicks(low: 0, high: 1).label(0.4), "0.4")
        XCTAssertEqual(NiceTicks(low: 0, high: 1000).label(600), "600")
    }

    func testTextIsEscaped() throws {
        var svg = SVGDocument(width: 10, height: 10)
        svg.text("a < b & \"c\" > 'd'", x: 1, y: 1)
        XCTAssertEqual(try parse(svg).texts, ["a < b & \"c\" > 'd'"])
    }

    func history(epochs: Int, steps: Int) -> TrainingState {
        var state = TrainingState(seed: 1)
        state.stepLosses = (0..<steps).map { Float(2.3 * exp(-Double($0) / 40) + 0.1 * sin(Double($0))) }
        state.globalStep = steps
        state.epoch = epochs
        state.history = (1...max(epochs, 1)).prefix(epochs).map {
            EpochRecord(epoch: $0, trainLoss: 1 / Double($0), trainAccuracy: 0.5 + 0.1 * Double($0), testAccuracy: 0.55 + 0.1 * Double($0),
                        seconds: 1, learningRate: 0.01)
        }
        return state
    }

    func testCurvesHaveLabelledAxesLegendsAndEveryStep() throws {
        let curves = TrainingCurves(model: "net", state: history(epochs: 3, steps: 150), stepsPerEpoch: 50, totalEpochs: 5) { 0.01 * (1 - $0 / 5) }
        let elements = try parse(curves.render())
        for label in ["net — training curves", "step", "loss", "epoch", "accuracy (%)", "rate", "train", "test", "schedule", "each step", "epoch mean"] {
            XCTAssertTrue(elements.texts.contains(label), "missing '\(label)'")
        }
        let lines = elements.named("polyline").map { $0.attributes["points"]!.split(separator: " ").count }
        XCTAssertTrue(lines.contains(150), "the raw loss of every step: \(lines)")
        XCTAssertEqual(elements.named("circle").count, 3 + 3 + 3, "epoch means, train and test accuracy")

        // A run with no finished epoch still draws its steps; one without per-step losses, its epochs.
        XCTAssertTrue(try parse(TrainingCurves(model: "n", state: history(epochs: 0, steps: 20), stepsPerEpoch: nil, totalEpochs: 2) { _ in 0.1 }
            .render()).texts.contains("no finished epoch yet"))
        var old = history(epochs: 2, steps: 0)
        old.globalStep = 100
        XCTAssertTrue(try parse(TrainingCurves(model: "n", state: old, stepsPerEpoch: 50, totalEpochs: 2) { _ in 0.1 }.render())
            .texts.contains { $0.hasPrefix("Training loss per epoch") })
        XCTAssertTrue(TrainingCurves(model: "n", state: TrainingState(seed: 1), stepsPerEpoch: nil, totalEpochs: 1) { _ in 0.1 }.isEmpty)
    }

    func testConfusionHasOneCellPerPairWithItsCountAndAccuracyPerRow() throws {
        let confusion = [[50, 3, 0], [7, 40, 1], [0, 0, 12]]
        let elements = try parse(ConfusionMatrixPicture(confusion: confusion, classNames: ["cat", "dog", "bird & fish"], title: "t").render())
        let cells = elements.named("title").map(\.text)
        XCTAssertEqual(cells.count, 9)
        for (actual, row) in confusion.enumerated() {
            for (predicted, count) in row.enumerated() {
                let names = ["cat", "dog", "bird & fish"]
                XCTAssertTrue(cells.contains("true \(names[actual]), predicted \(names[predicted]): \(count)"))
            }
        }
        for text in ["94.3%", "83.3%", "100.0%", "50", "40", "12", "bird & fish", "share of the row"] {
            XCTAssertTrue(elements.texts.contains(text), "missing \(text)")
        }
    }

    /// From 2 to 100 classes, row labels never overlap and stay at a readable size.
    func testConfusionLabelsStayReadableFromTwoToAHundredClasses() throws {
        for n in [2, 10, 47, 100] {
            let names = (0..<n).map { "class number \($0) with a long name" }
            let confusion = (0..<n).map { i in (0..<n).map { j in i == j ? 90 : (i + j) % 3 } }
            let elements = try parse(ConfusionMatrixPicture(confusion: confusion, classNames: names, title: "t").render())
            XCTAssertEqual(elements.named("title").count, n * n)
            let rowLabels = elements.named("text").filter { $0.attributes["text-anchor"] == "end" && $0.text.hasPrefix("class") }
            XCTAssertEqual(rowLabels.count, n)
            let ys = rowLabels.map { Double($0.attributes["y"]!)! }
            let size = Double(rowLabels[0].attributes["font-size"]!)!
            XCTAssertGreaterThanOrEqual(size, 6)
            for (a, b) in zip(ys, ys.dropFirst()) { XCTAssertGreaterThanOrEqual(b - a, size * 0.99, "\(n) classes: labels overlap") }
            XCTAssertTrue(rowLabels.allSatisfy { $0.text.count <= 18 }, "long names are shortened")
        }
    }

    func testFiltersDrawOneTilePerOutputChannelWithAScale() throws {
        let square = Tensor(shape: [6, 1, 3, 3], scalars: (0..<54).map { Float($0) / 54 - 0.5 })
        let wide = Tensor(shape: [5, 3, 2, 7], scalars: (0..<210).map { Float(($0 * 37) % 11) - 5 })
        let elements = try parse(FilterGrid(model: "m", layers: [("conv1", square), ("odd", wide)]).render())
        XCTAssertEqual(elements.named("g").count, 6 + 5)
        XCTAssertTrue(elements.texts.contains("conv1: 6 filters of 3×3, 1 input channel"))
        XCTAssertTrue(elements.texts.contains("odd: 5 filters of 2×7, mean over 3 input channels"))
        XCTAssertEqual(elements.texts.filter { $0 == "weight" }.count, 2)
        // Tile 0 of `odd` is the mean over the three input channels.
        let mean = (0..<14).map { i in (0..<3).reduce(0.0) { $0 + Double(wide.scalars[$1 * 14 + i]) } / 3 }
        XCTAssertEqual(FilterGrid.tile(wide, output: 0), mean)
    }

    func testActivationsShowTheImageEveryStageAndTheClassScores() throws {
        let rgb = Tensor(shape: [3, 8, 8], scalars: (0..<192).map { Float($0 % 8) / 8 })
        let stages = [ActivationMaps.Stage(name: "c1", kind: "conv2d", output: Tensor(repeating: 0.5, shape: [4, 8, 8])),
                      ActivationMaps.Stage(name: "p1", kind: "maxpool2d", output: Tensor(shape: [4, 4, 4], scalars: (0..<64).map(Float.init)))]
        let elements = try parse(ActivationMaps(model: "m", image: rgb, imageIndex: 3, trueLabel: 1, stages: stages,
                                                probabilities: [0.1, 0.7, 0.2], classNames: ["a", "b", "c"]).render())
        for text in ["input 3×8×8", "c1 (conv2d) → 4×8×8", "p1 (maxpool2d) → 4×4×4", "70.0%", "predicted class probabilities"] {
            XCTAssertTrue(elements.texts.contains(text), "missing \(text)")
        }
        XCTAssertEqual(elements.named("g").count, 4 + 4, "one tile per channel of each stage")
        XCTAssertTrue(elements.texts.contains { $0.hasPrefix("true class: b; predicted: b") })
    }

    func testReportIsOneSelfContainedPage() {
        var svg = SVGDocument(width: 20, height: 20)
        svg.text("inside", x: 1, y: 10)
        let html = Report(title: "m <net>", subtitle: "s", layers: [.init(name: "conv", kind: "conv2d", output: "4×8×8", parameters: 1234, multiplyAdds: 5)],
                          settings: [("optimizer", "adam lr 0.001")], history: [], classes: [("a", 10, 0.5), ("b", 0, nil)],
                          pictures: [("one", svg), ("two", svg)]).render()
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2)
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<?xml"), "SVGs are inlined without their XML declaration")
        for text in ["m &lt;net&gt;", "1,234", "adam lr 0.001", "50.00%", "No epoch has finished yet."] { XCTAssertTrue(html.contains(text), text) }
    }
}
