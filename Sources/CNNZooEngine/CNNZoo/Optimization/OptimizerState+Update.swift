extension OptimizerState {
    /// Element-wise update of one parameter: hands `body` raw pointers to the parameter's values,
    /// its gradient and its tensors of `slots` (zeros when the slot is new), over contiguous
    /// spans that may run on separate threads. Each element depends on nothing but its own
    /// index, so the result is the same however the spans fall.
    ///
    /// The slot tensors are taken out of the state and put back afterwards, so they are
    /// updated in place, never copied.
    mutating func update(_ path: String, _ parameter: Parameter, slots names: [String],
                         _ body: (_ span: Range<Int>, _ value: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
                                  _ slots: [UnsafeMutablePointer<Float>]) -> Void) {
        var arrays = [parameter.value.scalars] + names.map { take($0, for: path, shape: parameter.shape).scalars }
        parameter.value.scalars = []  // the only reference to the values is now in `arrays`
        let count = arrays[0].count
        parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
            Self.withMutablePointers(&arrays) { pointers in
                let (value, gradient, slots) = (pointers[0], gradient.baseAddress!, Array(pointers.dropFirst()))
                Parallelism.forEachSpan(count) { span in body(span, value, gradient, slots) }
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
