import CNNZoo
import CNNZooCLI
import GroupNorm

// The whole cnn-zoo command, with the group-norm plugin built in through the same C table the
// loaded library hands over.
CommandLineEntry.main(plugins: [try! Plugin(library: groupNormLibrary)])
