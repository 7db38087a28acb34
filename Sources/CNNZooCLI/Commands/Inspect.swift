import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a checkpoint: model, progress, history, parameter and momentum norms.",
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

    func run() throws {
        let saved = try CheckpointLoader.read(path)
        let training = saved.training
        let parameters = saved.parameters.map { entry in
            ParameterRow(name: entry.path, shape: entry.value.shape, norm: entry.value.norm,
                         momentumNorm: saved.optimizerState.momentumBuffers[entry.path]?.norm)
        }
        if json {
            Console.json(Report(path: path, formatVersion: Int(Checkpoint.formatVersion), writer: saved.writer, model: saved.spec.name,
                                epoch: training.epoch, batchInEpoch: training.batchInEpoch, globalStep: training.globalStep,
                                totalEpochs: saved.run.totalEpochs, seed: String(training.seed), dataset: saved.run.dataset,
                                history: training.history, parameters: parameters), pretty: true)
            return
        }
        print("\(path): \(saved.spec.name), written by \(saved.writer), format version \(Checkpoint.formatVersion)")
        let position = training.batchInEpoch == 0 ? "after epoch \(training.epoch)" : "epoch \(training.epoch + 1), step \(training.batchInEpoch)"
        print("progress: \(position) of \(saved.run.totalEpochs) (global step \(training.globalStep)), seed \(training.seed), "
              + "batch \(saved.run.batchSize), data \(saved.run.dataset)")
        let o = saved.optimizer
        print("optimizer: SGD lr \(o.learningRate) momentum \(o.momentum) dampening \(o.dampening) nesterov \(o.nesterov) weight decay \(o.weightDecay)\n")
        if !training.history.isEmpty {
            var history = Table([("EPOCH", .right), ("TRAIN LOSS", .right), ("TRAIN ACC", .right), ("TEST ACC", .right), ("LR", .right), ("SECONDS", .right)])
            for record in training.history {
                history.add([String(record.epoch), String(format: "%.4f", record.trainLoss), Format.percent(record.trainAccuracy),
                             record.testAccuracy.map(Format.percent) ?? "–", String(format: "%.4g", record.learningRate),
                             String(format: "%.1f", record.seconds)])
            }
            print(history.render() + "\n")
        }
        var table = Table([("PARAMETER", .left), ("SHAPE", .left), ("NORM", .right), ("MOMENTUM NORM", .right)])
        for row in parameters {
            table.add([row.name, Format.shape(row.shape), String(format: "%.4f", row.norm), row.momentumNorm.map { String(format: "%.4f", $0) } ?? "–"])
        }
        print(table.render())
    }

    struct ParameterRow: Encodable {
        let name: String
        let shape: [Int]
        let norm: Double
        let momentumNorm: Double?
        enum CodingKeys: String, CodingKey {
            case name, shape, norm
            case momentumNorm = "momentum_norm"
        }
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
        let history: [EpochRecord]
        let parameters: [ParameterRow]
        enum CodingKeys: String, CodingKey {
            case path, writer, model, epoch, seed, dataset, history, parameters
            case formatVersion = "format_version"
            case batchInEpoch = "batch_in_epoch"
            case globalStep = "global_step"
            case totalEpochs = "total_epochs"
        }
    }
}
