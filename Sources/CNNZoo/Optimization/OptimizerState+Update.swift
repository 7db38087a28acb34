extension OptimizerState {
    /// Updates one parameter in place: hands `body` raw pointers to the parameter's values, its
    /// gradient and its tensors of `slots` (zeros when a slot is new), then keeps the slots in
    /// the state under `path`. This is how an optimizer's ``Optimizer/step(_:learningRate:state:)``
    /// reaches its memory; the slot tensors are moved out and back, never copied.
    ///
    /// With `split` (the default) `body` gets contiguous spans that may run on separate
    /// threads, which suits a rule where each element depends on nothing but its own index: the
    /// result is the same however the spans fall. Without it, `body` gets the whole tensor once.
    public mutating func update(_ path: String, _ parameter: Parameter, slots names: [String], split: Bool = true,
                                _ body: (_ span: Range<Int>, _ value: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
                                         _ slots: [UnsafeMutablePointer<Float>]) -> Void) {
        var arrays = [parameter.value.scalars] + names.map { take($0, for: path, shape: parameter.shape).scalars }
        parameter.value.scalars = []  // the only reference to the values is now in `arrays`
        let count = arrays[0].count
        parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
            Self.withMutablePointers(&arrays) { pointers in
                let (value, gradient, slots) = (pointers[0], gradient.baseAddress!, Array(pointers.dropFirst()))
                if split {
                    Parallelism.forEachSpan(count) { span in body(span, value, gradient, slots) }
                } else {
                    body(0..<count, value, gradient, slots)
                }
            }
        }
        parameter.value.scalars = arrays[0]
        for (name, scalars) in zip(names, arrays.dropFirst()) {
            put(Tensor(shape: parameter.shape, scalars: scalars), name, for: path)
        }
    }

    /// Calls `body` with a mutable pointer to the elements of every array, each held uniquely
    /// (moved out of `arrays` while in use, so none is copied on write).
    private static func withMutablePointers(_ arrays: inout [[Float]], from index: Int = 0,
                                            collected: [UnsafeMutablePointer<Float>] = [],
                                            _ body: ([UnsafeMutablePointer<Float>]) -> Void) {
        guard index < arrays.count else { return body(collected) }
        var array: [Float] = []
        swap(&array, &arrays[index])
        array.withUnsafeMutableBufferPointer { buffer in
            withMutablePointers(&arrays, from: index + 1, collected: collected + [buffer.baseAddress!], body)
        }
        swap(&array, &arrays[index])
    }
}
