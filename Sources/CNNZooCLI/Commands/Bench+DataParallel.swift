import CNNZoo
import CNNZooDistributed
import Foundation

extension Bench {
    /// `mpirun -n R cnn-zoo bench --mpi`: the same training steps on all R processes, then on
    /// process 0 alone (the others wait), so the speed-up and the time spent communicating come
    /// from one run on one set of machines.
    func runDataParallel(registry: Registry) throws {
        let parallel = try DataParallelRun.start()
        guard let group = parallel.group else {
            throw UsageError("--mpi measures a data-parallel run: start it under mpirun, e.g. 'mpirun -n 2 cnn-zoo bench --mpi'")
        }
        try parallel.run {
            compute.apply(fallback: parallel.defaultThreads)
            let (spec, _) = try resolveSpec(model, registry: registry)
            let images = try syntheticImages(for: spec)
            func makeTrainer() throws -> Trainer {
                let trainer = try makeRun(spec: spec, images: images, registry: registry).trainer
                reduction.apply(to: trainer)
                return trainer
            }
            func train(_ trainer: Trainer, _ count: Int) throws { try Self.train(trainer, steps: count) }
            if !json {
                Console.notice("benchmarking data-parallel \(spec.name), batch \(batchSize) over \(group.size) processes × \(Parallelism.threads) thread(s), "
                    + "\(Self.describe(chunks: chunking.chunking.count(batchSize: batchSize))), \(steps) steps × \(repeats) runs; \(group.libraryVersion)")
            }
            // All processes together.
            let together = try makeTrainer()
            together.group = group
            try train(together, 5)
            var rates: [Double] = [], communication: [Double] = [], exposed: [Double] = [], reducing: [Double] = [], sent: [Int] = []
            var passCollectives = 0, passSent = 0
            for _ in 0..<repeats {
                try group.barrier()
                let (before, bytesBefore) = (together.communicationSeconds, together.sentBytes)
                let (exposedBefore, reducingBefore) = (together.exposedCommunicationSeconds, together.reductionSeconds)
                let (collectivesBefore, passSentBefore) = (together.passCollectives, together.passSentBytes)
                let seconds = try Self.seconds { try train(together, steps) }
                rates.append(Double(steps * batchSize) / seconds)
                communication.append((together.communicationSeconds - before) / Double(steps))
                exposed.append((together.exposedCommunicationSeconds - exposedBefore) / Double(steps))
                reducing.append((together.reductionSeconds - reducingBefore) / Double(steps))
                sent.append((together.sentBytes - bytesBefore) / steps)
                // The same every step: the model's layers decide them.
                (passCollectives, passSent) = ((together.passCollectives - collectivesBefore) / steps, (together.passSentBytes - passSentBefore) / steps)
            }
            // Process 0 alone, with the same threads; the others wait.
            try group.barrier()
            var aloneRate = 0.0
            if group.rank == 0 {
                let alone = try makeTrainer()
                try train(alone, 5)
                aloneRate = median(try (0..<repeats).map { _ in Double(steps * batchSize) / (try Self.seconds { try train(alone, steps) }) })
            }
            try group.barrier()
            let parameters = together.model.parameterCount
            // The most any process sent: the one the network waits for.
            let sentBytes = Int(try group.allGather([Float(sent.max()!)], counts: Array(repeating: 1, count: group.size)).max()!)
            let result = DataParallelResult(model: spec.name, cpu: CPUInfo.model, processes: group.size, threadsPerProcess: Parallelism.threads,
                                batchSize: batchSize, imagesPerSecond: median(rates), oneProcessImagesPerSecond: aloneRate,
                                communicationMillisecondsPerStep: 1000 * median(communication),
                                exposedCommunicationMillisecondsPerStep: 1000 * median(exposed),
                                reductionMillisecondsPerStep: 1000 * median(reducing),
                                passCollectivesPerStep: passCollectives, passBytesSentPerStep: passSent,
                                reducedFloatsPerStep: parameters + (together.gathersOutputs ? 0 : batchSize * spec.classes),
                                stepMilliseconds: 1000 * Double(batchSize) / median(rates),
                                oneProcessStepMilliseconds: 1000 * Double(batchSize) / max(aloneRate, 1e-9),
                                bytesSentPerProcessPerStep: sentBytes, reduction: together.reduction(ranks: group.size).rawValue,
                                overlap: together.reducesDuringBackward,
                                chunks: together.groupChunks(ranks: group.size), mpi: group.libraryVersion)
            guard group.rank == 0 else { return }
            if json {
                Console.json(result, pretty: true)
                return
            }
            var table = Table([("MEASURE", .left), ("VALUE", .left)])
            table.add(["CPU", result.cpu])
            table.add(["layout", "\(group.size) processes × \(Parallelism.threads) thread(s), batch \(batchSize)"])
            table.add(["training, \(group.size) processes", "\(Format.grouped(Int(result.imagesPerSecond))) images/s (\(String(format: "%.2f", result.stepMilliseconds)) ms per step)"])
            table.add(["training, 1 process", "\(Format.grouped(Int(aloneRate))) images/s (\(String(format: "%.2f", result.oneProcessStepMilliseconds)) ms per step)"])
            table.add(["speed-up", String(format: "%.2f× on %d processes (%.0f%% efficiency)", result.imagesPerSecond / max(aloneRate, 1e-9),
                                          group.size, 100 * result.imagesPerSecond / max(aloneRate, 1e-9) / Double(group.size))])
            table.add(["communication", String(format: "%.2f ms per step (%.0f%% of the step)", result.communicationMillisecondsPerStep,
                                               100 * result.communicationMillisecondsPerStep / result.stepMilliseconds)])
            table.add(["waiting for it", String(format: "%.2f ms per step (%@)", result.exposedCommunicationMillisecondsPerStep,
                                                result.overlap ? "the rest ran during the backward pass" : "not overlapped with the backward pass")])
            table.add(["reduction", "\(result.reduction) of \(result.chunks) chunks' partial gradients of \(Format.grouped(parameters)) parameters, "
                + String(format: "%.2f ms per step", result.reductionMillisecondsPerStep)])
            let kinds = (together.gathersOutputs ? ["the outputs' gather"] : []) + (together.hasBatchStatistics ? ["batch statistics' sums"] : [])
            table.add(["passes' collectives", passCollectives == 0 ? "none (the outputs ride the reduction)"
                : String(format: "%d per step (%@), %.2f ms", passCollectives, kinds.joined(separator: ", "),
                         result.communicationMillisecondsPerStep - result.reductionMillisecondsPerStep)])
            table.add(["sent per process", "\(Format.compact(sentBytes)) bytes per step, the most of any process (\(String(format: "%.2f", Double(sentBytes) / Double(4 * parameters)))× the gradient)"])
            print(table.render())
        }
    }

    struct DataParallelResult: Encodable {
        let model: String
        let cpu: String
        let processes: Int
        let threadsPerProcess: Int
        let batchSize: Int
        let imagesPerSecond: Double
        let oneProcessImagesPerSecond: Double
        let communicationMillisecondsPerStep: Double
        let exposedCommunicationMillisecondsPerStep: Double
        /// Of the communication, the gradient reduction's; the rest is the passes' collectives.
        let reductionMillisecondsPerStep: Double
        let passCollectivesPerStep: Int
        let passBytesSentPerStep: Int
        /// The floats the reduction adds up a step: the gradient, and the outputs where they ride it.
        let reducedFloatsPerStep: Int
        let stepMilliseconds: Double
        let oneProcessStepMilliseconds: Double
        let bytesSentPerProcessPerStep: Int
        let reduction: String
        let overlap: Bool
        let chunks: Int
        let mpi: String

        enum CodingKeys: String, CodingKey {
            case model, cpu, processes, mpi, reduction, overlap, chunks
            case threadsPerProcess = "threads_per_process"
            case batchSize = "batch_size"
            case imagesPerSecond = "images_per_second"
            case oneProcessImagesPerSecond = "one_process_images_per_second"
            case communicationMillisecondsPerStep = "communication_ms_per_step"
            case exposedCommunicationMillisecondsPerStep = "exposed_communication_ms_per_step"
            case reductionMillisecondsPerStep = "reduction_ms_per_step"
            case passCollectivesPerStep = "pass_collectives_per_step"
            case passBytesSentPerStep = "pass_bytes_sent_per_process_per_step"
            case reducedFloatsPerStep = "reduced_floats_per_step"
            case stepMilliseconds = "step_ms"
            case oneProcessStepMilliseconds = "one_process_step_ms"
            case bytesSentPerProcessPerStep = "bytes_sent_per_process_per_step"
        }
    }
}
