extension ModelSpec {
    /// The same model scoring `count` classes: the last dense layer gets `count` units.
    /// Used when training on a subset of a data set's classes (`--classes 0,1`).
    public func withClasses(_ count: Int) throws -> ModelSpec {
        guard count != classes else { return self }
        guard let index = layers.lastIndex(where: { $0.kind == Dense.kind }),
              layers[(index + 1)...].allSatisfy({ ["relu", "sigmoid", "tanh", "softmax", "dropout"].contains($0.kind) }) else {
            throw ModelError.badSpec("model '\(name)' does not end in a dense layer, so its class count cannot be changed")
        }
        var copy = self
        copy.classes = count
        copy.layers[index].settings["units"] = .number(Double(count))
        return copy
    }
}
