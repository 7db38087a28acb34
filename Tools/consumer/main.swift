// A program that depends on cnn-zoo by URL (built by Tools/check_consumer.sh): it builds a zoo
// entry through the registry, as any user of the library does.
import CNNZoo
import CNNZooCheckpoint
import CNNZooCLI
import CNNZooData
import CNNZooDistributed
import CNNZooModels
import CNNZooPlots
import CNNZooTesting

let registry = try Registry(plugins: [ZooCatalog.builtInPlugin()])
let spec = registry.models.first { $0.name == "mnist-small" }!
let model = try Model(spec: spec, registry: registry)
print("\(spec.name): \(model.parameterCount) parameters, \(registry.models.count) zoo entries")
