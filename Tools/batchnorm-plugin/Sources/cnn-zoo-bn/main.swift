import BatchNorm
import CNNZooCLI

// The whole cnn-zoo command, with the batch-norm plugin built in.
CommandLineEntry.main(plugins: [batchNormPlugin])
