import ArgumentParser

struct CNNZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnn-zoo",
        abstract: "Define, train and checkpoint convolutional networks.",
        discussion: """
            A zoo of classic "CNN from scratch" networks as data: each model is a spec that names \
            registered layer kinds. Train one on MNIST-format data, stop at any moment, resume exactly.

            Examples:
              cnn-zoo list                              every model in the zoo
              cnn-zoo show mnist-16-32-64               its layers, shapes, parameters and cost
              cnn-zoo train mnist-small --epochs 2      train on MNIST (or Fashion-MNIST if MNIST is absent)
              cnn-zoo eval checkpoints/mnist-small.h5   accuracy, per class, and the confusion matrix
              cnn-zoo inspect checkpoints/mnist-small.h5
              cnn-zoo plot checkpoints/mnist-small.h5   curves, confusion matrix, filters, feature maps, report
            """,
        subcommands: [List.self, Show.self, Layers.self, Train.self, Eval.self, Predict.self, Inspect.self, Plot.self, Export.self, Import.self, Bench.self, Plugins.self, CheckCheckpoint.self]
    )
}
