import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import Foundation

struct Inspect: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a checkpoint: model, progress, optimizer, history, parameter and optimizer-state norms.",
        discussion: """
            For the raw layout use h5dump (e.g. 'h5dump -H FILE'), or Tools/read_checkpoint.py with h5py.

            Examples:
              cnn-zoo inspect checkpoints/mnist-small.h5
              cnn-zoo inspect checkpoints/mnist-small.h5 --json
            """)

    @Argument(help: "The checkpoint file.")
    var path: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        let saved: CheckpointContents, optimizerLine: String
        do {
            let checkpoint = try CheckpointLoader.read(path, registry: registry)
            saved = CheckpointContents(checkpoint)
            optimizerLine = checkpoint.optimizer.summaryLine
        } catch {
            // Without the plugins its kinds came from, a checkpoint is shown as stored; any
            // other failure is the full read's.
            guard let contents = try? CheckpointLoader.readContents(path) else { throw error }
            let missing = contents.plugins.filter { need in need.contribution.flatMap(registry.owner(of:)) == nil }
            guard !missing.isEmpty else { throw error }
            let plugins = Set(missing.map { "'\($0.plugin)' \($0.version)" }).sorted().joined(separator: ", ")
            Console.notice("\(path): plugin \(plugins) is not loaded: shown as stored, not checked against the model")
            saved = contents
            optimizerLine = saved.optimizer.kind + " " + saved.optimizer.settings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        let training = saved.training
        let slots = saved.optimizerState.slots.keys.sorted()
        let parameters = saved.parameters.map { entry in
            ParameterRow(name: entry.path, shape: entry.value.shape, norm: entry.value.norm,
                         stateNorms: Dictionary(uniqueKeysWithValues: slots.compactMap { slot in
                             saved.optimizerState.tensor(slot, for: entry.path).map { (slot, $0.norm) }
                         }), buffer: false)
        }
        let buffers = saved.buffers.map { ParameterRow(name: $0.path, shape: $0.value.shape, norm: $0.value.norm, stateNorms: [:], buffer: true) }
        let optimizer = OptimizerRow(kind: saved.optimizer.kind, step: saved.optimizerState.step, slots: slots, settings: saved.optimizer.settings)
        if json {
            Console.json(Report(path: path, formatVersion: saved.fileVersion, writer: saved.writer, model: saved.spec.name,
                                epoch: training.epoch, batchInEpoch: training.batchInEpoch, globalStep: training.globalStep,
                                totalEpochs: saved.run.totalEpochs, seed: String(training.seed), dataset: saved.run.dataset,
                                optimizer: optimizer, history: training.history, parameters: parameters + buffers), pretty: true)
            return
        }
        print("\(path): \(saved.spec.name), written by \(saved.writer), format version \(saved.fileVersion)")
        let position = training.batchInEpoch == 0 ? "after epoch \(training.epoch) of \(saved.run.totalEpochs)" : "epoch \(training.epoch + 1) of \(saved.run.totalEpochs), step \(training.batchInEpoch)"
        print("progress: \(position) (global step \(training.globalStep)), seed \(training.seed), "
              + "batch \(saved.run.batchSize), data \(saved.run.dataset)")
        print("optimizer: \(optimizerLine); step \(saved.optimizerState.step), "
              + "state \(slots.isEmpty ? "none yet" : slots.joined(separator: ", "))\n")
        if !training.history.isEmpty {
            var history = Table([("EPOCH", .right), ("TRAIN LOSS", .right), ("TRAIN ACC", .right), ("TEST ACC", .right), ("LR", .right), ("SECONDS", .right)])
            for record in training.history {
                history.add([String(record.epoch), String(format: "%.4f", record.trainLoss), Format.percent(record.trainAccuracy),
                             record.testAccuracy.map(Format.percent) ?? "–", String(format: "%.4g", record.learningRate),
                             String(format: "%.1f", record.seconds)])
            }
            print(history.render() + "\n")
        }
        var table = Table([("PARAMETER", .left), ("SHAPE", .left), ("NORM", .right)] + slots.map { ("\($0.uppercased()) NORM", .right) })
        for row in parameters {
            table.add([row.name, Format.shape(row.shape), String(format: "%.4f", row.norm)]
                      + slots.map { slot in row.stateNorms[slot].map { String(format: "%.4f", $0) } ?? "–" })
        }
        for row in buffers {
            table.add(["\(row.name) (buffer, not trained)", Format.shape(row.shape), String(format: "%.4f", row.norm)] + slots.map { _ in "" })
        }
        print(table.render())
    }

    struct ParameterRow: Encodable {
        let name: String
        let shape: [Int]
        let norm: Double
        /// Optimizer slot → the norm of this parameter's tensor in it.
        let stateNorms: [String: Double]
        /// A buffer: saved and restored, never trained.
        let buffer: Bool
        enum CodingKeys: String, CodingKey {
            case name, shape, norm, buffer
            case stateNorms = "state_norms"
        }
    }

    struct OptimizerRow: Encodable {
        let kind: String
        let step: Int
        let slots: [String]
        let settings: [String: SettingValue]
    }

    struct Report: Encodable {
        let path: String
        let formatVersion: Int
        let writer: String
        let model: String
        let epoch: Int
        let batchInEpoch: Int
        let globalStep: Int
        let totalEpochs: Int
        let seed: String
        let dataset: String
        let optimizer: OptimizerRow
        let history: [EpochRecord]
        let parameters: [ParameterRow]
        enum CodingKeys: String, CodingKey {
            case path, writer, model, epoch, seed, dataset, optimizer, history, parameters
            case formatVersion = "format_version"
            case batchInEpoch = "batch_in_epoch"
            case globalStep = "global_step"
            case totalEpochs = "total_epochs"
        }
    }
}
