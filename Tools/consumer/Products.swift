// Beside the README's example (main.swift, written by Tools/check_consumer.sh): every library
// product imported, and a use of each that the example does not make.
import CNNZoo
import CNNZooCheckpoint
import CNNZooCLI
import CNNZooData
import CNNZooDistributed
import CNNZooModels
import CNNZooPlots
import CNNZooTesting
import CNNZooTraining
import MyLayers

/// Touches each product, so the consumer links them all.
func useEveryProduct() throws -> [String] {
    let registry = try Registry(plugins: [ZooCatalog.builtInPlugin(), try Plugin(library: myLayers)])
    return [
        String(describing: Checkpoint.self), String(describing: CommandLineEntry.self), String(describing: DataSet.self),
        String(describing: MPIGroup.self), String(describing: SVGDocument.self), String(describing: GradientCheck.self),
        String(describing: TrainingRun.self), "\(registry.layers.kinds.count) layer kinds",
    ]
}
