/// A model's results on a labelled set: accuracy, per-class accuracy, confusion matrix.
public struct Evaluation: Sendable, Equatable {
    /// `confusion[actual][predicted]` counts.
    public let confusion: [[Int]]
    /// The mean loss over the set.
    public let meanLoss: Double

    /// Runs `model` in evaluation mode over `data` in batches of `batchSize`.
    /// - Throws: when the images do not fit the model or a label is beyond its classes.
    public init(model: Model, data: LabeledImages, batchSize: Int = 256) throws {
        let classes = model.spec.classes
        guard data.labelBound <= classes || data.count == 0 else {
            throw TrainingError.badData("the data has labels up to \(data.labelBound - 1) but the model scores \(classes) classes")
        }
        let batchSize = max(batchSize, 1)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum = 0.0
        let indices = Array(0..<data.count)
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let (images, labels) = data.batch(indices[start ..< min(start + batchSize, data.count)])
            let output = try model.predict(images)
            lossSum += Double(model.loss.evaluate(output: output, target: Tensor(oneHot: labels, classes: classes)).loss)
                * Double(labels.count)
            for (label, prediction) in zip(labels, output.argmaxPerSample()) { confusion[label][prediction] += 1 }
        }
        self.confusion = confusion
        self.meanLoss = data.count == 0 ? 0 : lossSum / Double(data.count)
    }

    /// The number of samples evaluated.
    public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }

    /// The fraction classified right.
    public var accuracy: Double {
        let right = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return count == 0 ? 0 : Double(right) / Double(count)
    }

    /// Per class: the fraction of its samples classified right (nil when the class has none).
    public var classAccuracies: [Double?] {
        confusion.indices.map { k in
            let total = confusion[k].reduce(0, +)
            return total == 0 ? nil : Double(confusion[k][k]) / Double(total)
        }
    }
}
