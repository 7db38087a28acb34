import CNNZoo

/// The plugin: its name, version, the `batchnorm2d` layer kind, the `rmsprop` optimizer and the
/// zoo entry that uses the layer.
public let batchNormLibrary = PluginLibrary(name: "cnn-zoo-batchnorm", version: "0.2.0", layers: [BatchNorm2D.self],
                                            optimizers: [RMSprop.self], models: [mnist163264BatchNorm])

/// mnist-16-32-64 (seed 004) with a BatchNorm2d after each convolution instead of per-position biases.
public let mnist163264BatchNorm: ModelSpec = {
    func layer(_ name: String, _ kind: String, _ settings: [String: SettingValue] = [:]) -> LayerSpec {
        LayerSpec(name: name, kind: kind, settings: settings)
    }
    let pool: [String: SettingValue] = ["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]]
    func convolution(_ n: Int) -> [String: SettingValue] {
        ["out_channels": .number(Double(n)), "kernel": 3, "padding": 1, "bias": false]
    }
    return ModelSpec(
        name: "mnist-16-32-64-bn", summary: "mnist-16-32-64 with BatchNorm2d after each convolution",
        origin: "seed 004, batch-normalised (plugin cnn-zoo-batchnorm)", inputShape: [1, 28, 28], classes: 10,
        layers: [layer("conv1", "conv2d", convolution(16)), layer("bn1", "batchnorm2d"), layer("relu1", "relu"), layer("pool1", "maxpool2d", pool),
                 layer("conv2", "conv2d", convolution(32)), layer("bn2", "batchnorm2d"), layer("relu2", "relu"), layer("pool2", "maxpool2d", pool),
                 layer("conv3", "conv2d", convolution(64)), layer("bn3", "batchnorm2d"), layer("relu3", "relu"),
                 layer("flatten", "flatten"), layer("fc1", "dense", ["units": 100]), layer("relu4", "relu"),
                 layer("fc2", "dense", ["units": 10])],
        loss: LossSpec(kind: "cross_entropy", fromLogits: true),
        training: TrainingDefaults(epochs: 5, batchSize: 64, optimizer: OptimizerSpec(kind: "sgd", settings: ["lr": 0.01, "momentum": 0.9])))
}()
