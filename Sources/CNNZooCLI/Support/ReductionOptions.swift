import ArgumentParser
import CNNZoo

/// How the processes of a data-parallel run add their partial gradients.
struct ReductionOptions: ParsableArguments {
    @Option(name: .customLong("reduction"), help: ArgumentHelp("""
        Under mpirun: how the processes add their partial gradients — chain (the running sum passes \
        along the processes; each sends about twice the gradient whatever their count), reduce-scatter \
        (each owns a segment of the gradient) or all-gather (every process receives every chunk's \
        partials). All give the same bits.
        """, valueName: "kind"))
    var kind: GradientReduction = .chain
}

extension GradientReduction: ExpressibleByArgument {}
