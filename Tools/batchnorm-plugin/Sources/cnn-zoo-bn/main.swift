import BatchNorm
import CNNZoo
import CNNZooCLI

// The whole cnn-zoo command, with the batch-norm plugin built in through the same C table the
// loaded library hands over.
CommandLineEntry.main(plugins: [try! Plugin(library: batchNormLibrary)])
