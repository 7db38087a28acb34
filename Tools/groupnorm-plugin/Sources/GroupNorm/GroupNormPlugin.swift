import CNNZoo

/// The plugin: its name, version, the `group_norm` layer kind, the `rmsprop` optimizer and the
/// zoo entry that uses the layer.
public let groupNormLibrary = PluginLibrary(name: "cnn-zoo-groupnorm", version: "0.3.0", layers: [GroupNorm.self],
                                            optimizers: [RMSprop.self], models: [mnist163264GroupNorm])

/// mnist-16-32-64 (seed 004) with a GroupNorm after each convolution instead of per-position biases.
public let mnist163264GroupNorm: ModelSpec = {
    func layer(_ name: String, _ kind: String, _ settings: [String: SettingValue] = [:]) -> LayerSpec {
        LayerSpec(name: name, kind: kind, settings: settings)
    }
    let pool: [String: SettingValue] = ["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]]
    func convolution(_ n: Int) -> [String: SettingValue] {
        ["out_channels": .number(Double(n)), "kernel": 3, "padding": 1, "bias": false]
    }
    return ModelSpec(
        name: "mnist-16-32-64-gn", summary: "mnist-16-32-64 with GroupNorm (4 groups) after each convolution",
        origin: "seed 004, group-normalised (plugin cnn-zoo-groupnorm)", inputShape: [1, 28, 28], classes: 10,
        layers: [layer("conv1", "conv2d", convolution(16)), layer("gn1", "group_norm"), layer("relu1", "relu"), layer("pool1", "maxpool2d", pool),
                 layer("conv2", "conv2d", convolution(32)), layer("gn2", "group_norm"), layer("relu2", "relu"), layer("pool2", "maxpool2d", pool),
                 layer("conv3", "conv2d", convolution(64)), layer("gn3", "group_norm"), layer("relu3", "relu"),
                 layer("flatten", "flatten"), layer("fc1", "dense", ["units": 100]), layer("relu4", "relu"),
                 layer("fc2", "dense", ["units": 10])],
        loss: LossSpec(kind: "cross_entropy", fromLogits: true),
        training: TrainingDefaults(epochs: 5, batchSize: 64, optimizer: OptimizerSpec(kind: "sgd", settings: ["lr": 0.01, "momentum": 0.9])))
}()
