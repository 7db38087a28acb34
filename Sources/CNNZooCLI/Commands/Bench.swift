import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import CNNZooTraining
import Foundation

struct Bench: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: training and inference images/s, GFLOP/s, checkpoint time, memory.",
        discussion: """
            Runs on synthetic images (no data set needed), so figures compare across machines. Each \
            figure is the median of --repeats runs. Training GFLOP/s counts 6 flops per multiply-add \
            of the forward pass (forward, and the two backward products), counting a direct \
            convolution's multiplies; where Winograd convolutions do fewer, the rate they perform is \
            printed beside it. The sgemm figure is this machine's BLAS on a 512³ product with as \
            many threads, the practical ceiling.

            Examples:
              cnn-zoo bench                          mnist-16-32-64, batch 64
              cnn-zoo bench mnist-small --batch-size 128 --repeats 7
              cnn-zoo bench --layers                 where the time goes, layer by layer
              mpirun -n 2 cnn-zoo bench --mpi        data-parallel: time spent communicating, scaling from 1 to 2 processes
            """)

    @Argument(help: "A zoo model name or spec path.")
    var model = "mnist-16-32-64"

    @Option(help: "Images per batch.")
    var batchSize = 64

    @Option(help: "Training steps per timed run.")
    var steps = 100

    @Option(help: "Timed runs per figure; the median is reported.")
    var repeats = 5

    @Flag(help: "Also time each layer's forward and backward pass.")
    var layers = false

    @Flag(help: "Under mpirun: time data-parallel training over the job's processes — communication per step, and the speed-up over one process.")
    var mpi = false

    @OptionGroup(title: "Compute")
    var reduction: ReductionOptions

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup(title: "Compute")
    var compute: ComputeOptions

    @OptionGroup(title: "Compute")
    var chunking: ChunkOptions

    func validate() throws {
        if batchSize < 1 || batchSize > 1 << 14 { throw ValidationError("--batch-size must be between 1 and 16384, got \(batchSize)") }
        if steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if repeats < 1 || repeats > 101 { throw ValidationError("--repeats must be between 1 and 101, got \(repeats)") }
    }

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        if mpi { return try runDataParallel(registry: registry) }
        compute.apply()
        let (spec, _) = try resolveSpec(model, registry: registry)
        let images = try syntheticImages(for: spec)
        let run = try makeRun(spec: spec, images: images, registry: registry)
        let trainer = run.trainer, built = trainer.model
        let multiplyAdds = built.layers.reduce(0) { $0 + $1.layer.multiplyAdds }
        let performedMultiplyAdds = built.layers.reduce(0) { $0 + $1.layer.performedMultiplyAdds }
        if !json { Console.notice("benchmarking \(spec.name), batch \(batchSize), \(steps) steps × \(repeats) runs, \(Parallelism.threads) thread(s), \(Self.describe(chunks: trainer.batchChunks)); \(BLASRuntime.description)") }

        let sgemm = median((0..<repeats).map { _ in Self.sgemmGFLOPS(size: 512) })
        func trainSteps(_ count: Int) throws { try Self.train(trainer, steps: count) }
        try trainSteps(5)
        let trainRate = median(try (0..<repeats).map { _ in
            Double(steps * batchSize) / (try Self.seconds { try trainSteps(steps) })
        })
        let batch = images.batch(Array(0..<batchSize)[...]).images
        _ = try built.predict(batch)
        let inferenceRate = median(try (0..<repeats).map { _ in
            Double(steps * batchSize) / (try Self.seconds { for _ in 0..<steps { _ = try built.predict(batch) } })
        })

        let folder = NSTemporaryDirectory() + "cnn-zoo-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/bench.h5"
        run.writer = Version.writer
        let checkpoint = run.checkpoint
        let save = median(try (0..<repeats).map { _ in try Self.seconds { try checkpoint.write(to: path) } })
        let load = median(try (0..<repeats).map { _ in try Self.seconds { _ = try Checkpoint.read(from: path, registry: registry).makeModel(registry: registry) } })
        let checkpointBytes = fileSize(atPath: path)

        let layerTimes = layers ? try Self.layerTimes(model: built, batch: batch, repeats: repeats) : []
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let result = Result(model: spec.name, cpu: CPUInfo.model, vectorExtensions: CPUInfo.vectorExtensions,
                            kernels: Self.kernels(for: built), batchSize: batchSize, threads: Parallelism.threads, blas: BLAS.coreName,
                            trainImagesPerSecond: trainRate, inferenceImagesPerSecond: inferenceRate,
                            trainGFLOPS: 6 * Double(multiplyAdds) * trainRate / 1e9,
                            performedTrainGFLOPS: 6 * Double(performedMultiplyAdds) * trainRate / 1e9, sgemmGFLOPS: sgemm,
                            checkpointSaveSeconds: save, checkpointLoadSeconds: load, checkpointBytes: checkpointBytes,
                            peakResidentMegabytes: Double(usage.ru_maxrss) / 1024, layers: layerTimes)
        if json {
            Console.json(result, pretty: true)
            return
        }
        var table = Table([("MEASURE", .left), ("VALUE", .left)])
        table.add(["CPU", "\(result.cpu) (\(result.vectorExtensions))"])
        table.add(["kernels", result.kernels])
        table.add(["training", "\(Format.grouped(Int(trainRate))) images/s"])
        table.add(["inference", "\(Format.grouped(Int(inferenceRate))) images/s"])
        table.add(["training compute", String(format: "%.1f GFLOP/s (%.0f%% of sgemm)", result.trainGFLOPS, 100 * result.trainGFLOPS / sgemm)
                   + (performedMultiplyAdds == multiplyAdds ? "" : String(format: " counting a direct convolution's multiplies; %.1f GFLOP/s performed (%.0f%%)",
                                                                          result.performedTrainGFLOPS, 100 * result.performedTrainGFLOPS / sgemm))])
        table.add(["sgemm 512³", String(format: "%.1f GFLOP/s", sgemm)])
        table.add(["checkpoint save", String(format: "%.1f ms (%@ bytes)", save * 1000, Format.compact(checkpointBytes))])
        table.add(["checkpoint load", String(format: "%.1f ms", load * 1000)])
        table.add(["peak memory", String(format: "%.0f MB resident", result.peakResidentMegabytes)])
        print(table.render())
        if !layerTimes.isEmpty {
            var breakdown = Table([("LAYER", .left), ("FORWARD ms", .right), ("BACKWARD ms", .right), ("SHARE", .right)])
            let total = layerTimes.reduce(0) { $0 + $1.forwardMilliseconds + $1.backwardMilliseconds }
            for row in layerTimes {
                breakdown.add([row.name, String(format: "%.3f", row.forwardMilliseconds), String(format: "%.3f", row.backwardMilliseconds),
                               String(format: "%.1f%%", 100 * (row.forwardMilliseconds + row.backwardMilliseconds) / total)])
            }
            print("\nper batch of \(batchSize):\n" + breakdown.render())
        }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// This machine's sgemm rate on an n³ product, with BLAS on as many threads as the engine uses.
    static func sgemmGFLOPS(size n: Int) -> Double {
        BLAS.threadCount = Parallelism.threads
        defer { BLAS.threadCount = 1 }
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let time = seconds {
            for _ in 0..<4 {
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        c.withUnsafeMutableBufferPointer { c in
                            BLAS.gemm(m: n, n: n, k: n, a: a.baseAddress!, lda: n, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n)
                        }
                    }
                }
            }
        }
        return 4 * 2 * Double(n * n * n) / time / 1e9
    }

    /// Median time of each layer's forward and backward on `batch`.
    ///
    /// Each pass is handed the only reference to a copy made before the clock starts, as the
    /// model hands it over in training: a layer that works in place then does, rather than
    /// being timed copying a tensor the benchmark still holds.
    static func layerTimes(model: Model, batch: Tensor, repeats: Int) throws -> [LayerTime] {
        var random = RandomGenerator(seed: 1)
        // Every layer's output, then each layer's inputs from its sources (−1: the batch).
        var outputs: [Tensor] = []
        _ = try model.forward(batch) { _, output in outputs.append(output) }
        func copy(_ tensor: Tensor) -> Tensor { Tensor(shape: tensor.shape, scalars: tensor.scalars.map { $0 }) }
        return model.layers.enumerated().map { index, entry in
            let inputs = model.sources[index].map { $0 < 0 ? batch : outputs[$0] }
            var forward: [Double] = [], backward: [Double] = []
            for _ in 0..<max(repeats, 5) {
                var output = Tensor(zeros: [0])
                if let merge = entry.layer as? any MultiInputLayer {
                    let copies = inputs.map(copy)
                    forward.append(seconds { output = merge.forward(inputs: copies, mode: .training, random: &random) })
                } else {
                    let input = copy(inputs[0])
                    forward.append(seconds { output = entry.layer.forward(consume input, mode: .training, random: &random) })
                }
                // An activation keeps its output, so the gradient handed back must be another tensor.
                let gradient = copy(output)
                backward.append(seconds { _ = entry.layer.backward(consume gradient) })
            }
            return LayerTime(name: entry.name, forwardMilliseconds: median(forward) * 1000, backwardMilliseconds: median(backward) * 1000)
        }
    }

    struct LayerTime: Encodable {
        let name: String
        let forwardMilliseconds: Double
        let backwardMilliseconds: Double
        enum CodingKeys: String, CodingKey {
            case name
            case forwardMilliseconds = "forward_ms"
            case backwardMilliseconds = "backward_ms"
        }
    }

    /// Random images and labels for the model, enough for `steps` batches (at most 65,536).
    func syntheticImages(for spec: ModelSpec) throws -> LabeledImages {
        var random = RandomGenerator(seed: 3)
        let imageCount = max(min(batchSize * steps, 1 << 16), batchSize)
        return try LabeledImages(imageShape: spec.inputShape,
                                 pixels: (0..<imageCount * Tensor.count(of: spec.inputShape)).map { _ in UInt8(random.next() & 0xFF) },
                                 labels: (0..<imageCount).map { _ in UInt8(random.next() % UInt64(spec.classes)) })
    }

    /// A run of `spec` on synthetic `images` with its spec's optimizer at a constant rate, for as
    /// many steps as the benchmark takes.
    func makeRun(spec: ModelSpec, images: LabeledImages, registry: Registry) throws -> TrainingRun {
        var spec = spec
        spec.training.schedule = .constant
        let data = DataSet(name: "synthetic", train: images, test: try LabeledImages(imageShape: images.imageShape, pixels: [], labels: []))
        do {
            return try TrainingRun(spec: spec, registry: registry, data: data, epochs: 1_000_000, batchSize: batchSize, seed: 1,
                                   threads: Parallelism.threads, chunking: chunking.chunking)
        } catch let error as ModelError {
            throw RuntimeError("\(spec.name): \(error.description)")
        } catch let error as TrainingRunError {
            throw RuntimeError(error.description)
        }
    }

    /// How a run cuts its batches, as the benchmark reports it.
    static func describe(chunks: Int?) -> String {
        chunks.map { "\($0) chunks a batch" } ?? "one chunk per thread"
    }

    /// `steps` training steps, closing epochs as they end.
    static func train(_ trainer: Trainer, steps: Int) throws {
        for _ in 0..<steps {
            if trainer.epochIsComplete { try trainer.finishEpoch(testAccuracy: nil, seconds: 0) }
            try trainer.step()
        }
    }

    /// The kernels the engine runs for `model`, as the benchmark reports them.
    static func kernels(for model: Model) -> String {
        let convolutions = model.layers.compactMap { named in (named.layer as? Conv2D).map { "\(named.name) \($0.method)" } }
        return "OpenBLAS \(BLAS.coreName) sgemm (single-threaded per batch chunk) for im2col convolutions with long patches and dense layers' training forward"
            + (convolutions.isEmpty ? "" : "; convolutions: \(convolutions.joined(separator: ", "))")
            + "; engine kernels \(Kernels.variant.rawValue) (im2col/col2im, Winograd transforms, small products, max-pool, shifted sums for average pooling, sigmoid, batch normalisation; "
            + "this CPU runs \(Kernels.Variant.allCases.filter(\.isSupported).map(\.rawValue).joined(separator: ", "))); "
            + "Swift loops for the rest"
    }

    struct Result: Encodable {
        let model: String
        let cpu: String
        let vectorExtensions: String
        let kernels: String
        let batchSize: Int
        let threads: Int
        let blas: String
        let trainImagesPerSecond: Double
        let inferenceImagesPerSecond: Double
        let trainGFLOPS: Double
        let performedTrainGFLOPS: Double
        let sgemmGFLOPS: Double
        let checkpointSaveSeconds: Double
        let checkpointLoadSeconds: Double
        let checkpointBytes: Int
        let peakResidentMegabytes: Double
        let layers: [LayerTime]
        enum CodingKeys: String, CodingKey {
            case model, cpu, kernels, blas, layers, threads
            case vectorExtensions = "vector_extensions"
            case batchSize = "batch_size"
            case trainImagesPerSecond = "train_images_per_second"
            case inferenceImagesPerSecond = "inference_images_per_second"
            case trainGFLOPS = "train_gflops"
            case performedTrainGFLOPS = "train_gflops_performed"
            case sgemmGFLOPS = "sgemm_gflops"
            case checkpointSaveSeconds = "checkpoint_save_seconds"
            case checkpointLoadSeconds = "checkpoint_load_seconds"
            case checkpointBytes = "checkpoint_bytes"
            case peakResidentMegabytes = "peak_resident_mb"
        }
    }
}

/// The middle value (the mean of the two middle values for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
