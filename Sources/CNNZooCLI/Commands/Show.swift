import ArgumentParser
import CNNZoo

struct Show: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's layers: output shapes, parameters and multiply-adds.",
        discussion: """
            Examples:
              cnn-zoo show mnist-16-32-64
              cnn-zoo show my-model.json --json
            """)

    @Argument(help: "A zoo model name, or the path of a spec .json.")
    var name: String

    @Flag(help: "Print JSON (the layer table plus the full spec).")
    var json = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        let (spec, source) = try resolveSpec(name, registry: registry)
        let model = try Model(spec: spec, registry: registry)
        let optimizer = try registry.optimizers.makeOptimizer(spec.training.optimizer)
        let rows = Self.rows(model)
        let totalMACs = rows.reduce(0) { $0 + $1.multiplyAdds }
        if json {
            Console.json(Summary(name: spec.name, source: source, layers: rows, parameters: model.parameterCount,
                                 multiplyAdds: totalMACs, spec: spec), pretty: true)
            return
        }
        print("\(spec.name) — \(spec.summary)")
        print("origin: \(spec.origin)\(source == "built-in" ? "" : " [\(source)]")\n")
        // A graph's table says what each layer takes; a chain's would only repeat the row above.
        let graph = !model.isChain
        var table = Table([("LAYER", .left), ("KIND", .left)] + (graph ? [("INPUTS", .left)] : [])
                          + [("OUTPUT", .left), ("PARAMS", .right), ("MULT-ADDS", .right)])
        for row in rows {
            table.add([row.name, row.kind] + (graph ? [row.inputs?.joined(separator: ", ") ?? ""] : [])
                      + [Format.shape(row.outputShape), Format.grouped(row.parameters), Format.grouped(row.multiplyAdds)])
        }
        table.addRule()
        table.add(["total", ""] + (graph ? [""] : []) + ["", Format.grouped(model.parameterCount), Format.grouped(totalMACs)])
        print(table.render())
        let t = spec.training
        print("""

            loss: \(spec.loss.kind)\(spec.loss.fromLogits ? " (from logits; the final \(spec.loss.kind == "cross_entropy" ? "softmax" : "sigmoid") is fused into the loss)" : "")
            defaults: \(t.epochs) epochs, batch \(t.batchSize), schedule \(Self.describe(t.schedule))
            optimizer: \(optimizer.summaryLine)
            parameters: \(Format.grouped(model.parameterCount)) (\(Format.compact(model.parameterCount * 4)) bytes as float32); \
            forward cost: \(Format.compact(totalMACs)) multiply-adds per image
            """)
    }

    static func describe(_ schedule: LearningRateSchedule) -> String {
        switch schedule {
        case .constant: return "constant"
        case let .step(every, gamma): return "×\(gamma) every \(every) epochs"
        case let .warmupCosine(warmup, start, end): return "warm-up from \(start) over \(warmup) epochs, then cosine to \(end)"
        }
    }

    /// The layer table: the input, then every layer's output shape, parameters and cost.
    static func rows(_ model: Model) -> [LayerRow] {
        [LayerRow(name: "input", kind: "input", inputs: nil, outputShape: model.spec.inputShape, parameters: 0, multiplyAdds: 0)]
            + model.layers.enumerated().map { index, built in
                let layer = built.layer
                let inputs = model.isChain ? nil : model.sources[index].map { $0 < 0 ? LayerSpec.modelInput : model.layers[$0].name }
                return LayerRow(name: built.name, kind: model.spec.layers[index].kind, inputs: inputs, outputShape: layer.outputShape,
                                parameters: layer.parameters.reduce(0) { $0 + $1.count }, multiplyAdds: layer.multiplyAdds)
            }
    }

    struct LayerRow: Encodable {
        let name: String
        let kind: String
        /// The layers it takes, for a graph (nil for a chain, where each takes the one before).
        let inputs: [String]?
        let outputShape: [Int]
        let parameters: Int
        let multiplyAdds: Int
        enum CodingKeys: String, CodingKey {
            case name, kind, parameters, inputs
            case outputShape = "output_shape"
            case multiplyAdds = "multiply_adds"
        }
    }

    struct Summary: Encodable {
        let name: String
        let source: String
        let layers: [LayerRow]
        let parameters: Int
        let multiplyAdds: Int
        let spec: ModelSpec
        enum CodingKeys: String, CodingKey {
            case name, source, layers, parameters, spec
            case multiplyAdds = "multiply_adds"
        }
    }
}
