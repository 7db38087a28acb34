#!/usr/bin/env python3
"""Measures data-parallel traffic across simulated machines and fits a model that predicts more.

Runs `cnn-zoo bench --mpi` on N simulated machines (Tools/netns_mpirun.sh: network namespaces,
Open MPI's TCP transport, each link limited to a rate, and delayed where the kernel has netem), one process of one
thread per machine, for every reduction. Per step it reports the bytes each machine's link sent
(from the links' own counters: two runs of different lengths, differenced), the bytes cnn-zoo
counted, and the time in communication — reducing after the backward pass, and during it
(overlapped: the time the step still waited). Communication has two parts, fitted apart per
reduction and rate over the machine counts that have a core each here:

- the gradient reduction: bytes(N) / B, with B the links' rate and bytes(N) those on its critical
  path, plus latency · (N − 1) for the all-gather and the reduce-scatter; the chain is a
  pipeline of s segments, its reduce and then the total's return each (s + N − 2) segment times, so
  on top of its bytes it pays s · overhead once and 2 (N − 2) · (segment / B + overhead) for
  filling the two pipelines, the overhead per segment fitted;
- the passes' own collectives (batch normalisation's sums, and the outputs' gather for a loss
  that is not sample-wise — the built-in losses' outputs ride the reduction; k a step, each a
  few KB that every process waits for), k · round · ⌈log₂ N⌉ + their bytes(N) / B: Open MPI
  gathers blocks this small by Bruck's algorithm or recursive doubling, ⌈log₂ N⌉ rounds of
  messages (on 2 machines, one exchange).

The fit then predicts 8 to 64 machines at batch 64 and 1024, with one machine's compute time
measured here, against the ideal t_compute/N + 2(N − 1)/N · S/B of a ring all-reduce; with
overlap, the share of a machine's compute that hid communication in the measured runs is taken
to hide as much at every N.

    python3 Tools/measure_scaling.py BINARY [--model M] [--machines 2,3,4] [--rates 1gbit,10gbit]
                                            [--reductions chain,reduce-scatter,all-gather]
                                            [--delay 50us] [--steps 10,30] [--repeats 3] [--rounds 3] [--compute-repeats 3]
                                            [--overlap off,on]
Needs root (namespaces); exits 77 where they cannot be made.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RATES = {"100mbit": 100e6, "1gbit": 1e9, "10gbit": 10e9, "25gbit": 25e9}


def run_bench(binary, machines, rate, delay, reduction, steps, repeats, batch, model, overlap=False):
    """One bench --mpi run; its JSON and the bytes each machine's link sent."""
    with tempfile.NamedTemporaryFile("r", suffix=".tx") as report:
        env = dict(os.environ, NETNS_TX_REPORT=report.name)
        if delay:
            env["NETNS_DELAY"] = delay
        if rate != "unlimited":
            env["NETNS_RATE"] = rate
        command = [os.path.join(HERE, "netns_mpirun.sh"), str(machines), binary, "bench", model, "--mpi", "--json",
                   "--threads", "1", "--reduction", reduction, "--batch-size", str(batch),
                   "--steps", str(steps), "--repeats", str(repeats)] + (["--overlap"] if overlap else [])
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode not in (0, 77):
            # Open MPI's launcher now and then fails to connect back to mpirun at start-up; once more.
            print(f"measure_scaling: {machines} machines, {reduction}: start-up failed ({done.returncode}); running it again", file=sys.stderr)
            done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode == 77:
            print("measure_scaling: this host cannot create network namespaces or limit their links; nothing measured", file=sys.stderr)
            sys.exit(77)
        if done.returncode != 0:
            sys.exit(f"measure_scaling: {' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
        return json.loads(done.stdout), [int(line) for line in open(report.name).read().split()]


def measure(args, machines, rate, reduction, overlap):
    short, long = args.steps
    a, tx_a = run_bench(args.binary, machines, rate, args.delay, reduction, short, args.repeats, args.batch, args.model, overlap)
    b, tx_b = run_bench(args.binary, machines, rate, args.delay, reduction, long, args.repeats, args.batch, args.model, overlap)
    # The timed runs repeat `repeats` times; everything else (start-up, warm-up, the lone run) is alike in both.
    per_step = [(y - x) / (args.repeats * (long - short)) for x, y in zip(tx_a, tx_b)]
    return {"machines": machines, "rate": rate, "reduction": reduction, "overlap": overlap, "link_bytes_per_step": max(per_step),
            "counted_bytes_per_step": b["bytes_sent_per_process_per_step"],
            "communication_ms": b["communication_ms_per_step"], "exposed_ms": b["exposed_communication_ms_per_step"],
            "reduction_ms": b["reduction_ms_per_step"], "pass_collectives": b["pass_collectives_per_step"],
            "pass_bytes_per_step": b["pass_bytes_sent_per_process_per_step"],
            "reduced_floats": b["reduced_floats_per_step"],
            "step_ms": b["step_ms"],
            "one_process_step_ms": b["one_process_step_ms"], "chunks": b["chunks"], "batch": args.batch, "cpu": b["cpu"]}


def predicted_bytes(reduction, machines, gradient, chunks):
    """Bytes on the gradient reduction's critical path, as cnn-zoo's reductions move them (see
    GradientReduction): what the busiest machine sends — and for the chain, whose reduce and
    the total's return run one after the other, two gradients even on 2 machines, where each
    machine sends one."""
    n, g = machines, 4 * gradient
    if reduction == "all-gather":
        return chunks * g * (n - 1) / n
    if reduction == "reduce-scatter":
        return (-(-chunks // n)) * g * (n - 1) / n + g * (n - 1) / n
    return 2 * g


def reduced_floats(row, gradient, batch):
    """Floats the reduction adds up a step at `batch`: the gradient, and the outputs (which grow
    with the batch) where they ride the reduction, as the measured run's did."""
    return gradient + (row["reduced_floats"] - gradient) * batch // row["batch"]


def chain_segment(gradient, machines):
    """Floats per segment of the chain on `machines`, as GradientReduction.chainSegment picks them."""
    return min(max(-(-gradient // max(1, 4 * (machines - 1))), 1 << 12), 1 << 13)


def latency_terms(reduction, machines, gradient, bandwidth):
    """What the reduction's fitted latency multiplies on `machines`, and the time that comes with
    it regardless: for the chain, (s + 2(N − 2)) segment overheads and the two pipelines' fill of
    2(N − 2) segment transfers; for the others, N − 1 rounds."""
    if reduction != "chain":
        return machines - 1, 0.0
    segment = chain_segment(gradient, machines)
    fill = 2 * (machines - 2)
    return -(-gradient // segment) + fill, fill * 4 * min(gradient, segment) / bandwidth


def rounds(machines):
    """Rounds of messages in an all-gather of small blocks: ⌈log₂ N⌉."""
    return math.ceil(math.log2(machines))


def pass_bytes(row, machines, batch):
    """Bytes a machine sends in the passes' collectives on `machines` at `batch`: what the
    measured run gathered in all (its counted bytes are a ring's, (N − 1)/N of it), scaled by
    the batch — the outputs grow with the samples, the sums with the chunks, 16 samples each."""
    n = row["machines"]
    gathered = row["pass_bytes_per_step"] * n / (n - 1) * batch / row["batch"]
    return gathered * (machines - 1) / machines


def ideal_efficiency(compute, machines, gradient, rate):
    """Percent efficiency of a ring all-reduce with no latency: t/N against t/N + 2(N − 1)/N · S/B,
    `compute` being one machine's share t/N in seconds."""
    return 100 * compute / (compute + 2 * (machines - 1) / machines * 4 * gradient * 8 / RATES[rate])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--model", default="mnist-16-32-64")
    parser.add_argument("--machines", default="2,3,4")
    parser.add_argument("--rates", default="1gbit,10gbit")
    parser.add_argument("--reductions", default="chain,reduce-scatter,all-gather")
    parser.add_argument("--delay", default="", help="per packet, e.g. 50us (needs the kernel's netem)")
    parser.add_argument("--steps", default="10,30")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs within each bench")
    parser.add_argument("--rounds", type=int, default=3, help="measure every configuration this many times; fit the medians "
                        "(one noisy round at 2 machines can move the 16-machine prediction by several points)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--compute-repeats", type=int, default=3, help="timed runs of one machine's compute")
    parser.add_argument("--overlap", default="off,on", help="reduce after the backward pass (off), during it (on), or both")
    parser.add_argument("--fit-machines", help="the machine counts the fit uses (default: those with a core each here, "
                        "else all): where processes outnumber cores, waiting measures core sharing, not the network")
    parser.add_argument("--json", help="also write every measurement here")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    args.steps = [int(x) for x in args.steps.split(",")]
    machines = [int(x) for x in args.machines.split(",")]
    rates, reductions = args.rates.split(","), args.reductions.split(",")
    overlaps = [{"off": False, "on": True}[x] for x in args.overlap.split(",")]

    show = json.loads(subprocess.run([args.binary, "show", args.model, "--json"], capture_output=True, text=True, check=True).stdout)
    gradient = show["parameters"]
    # Every configuration once per round, the rounds one after another so that a slow spell of
    # the machine falls on one round of each rather than on all of one; then each figure's median.
    configurations = [(rate, reduction, n, overlap) for rate in rates for reduction in reductions
                      for n in machines for overlap in overlaps]
    runs = {configuration: [] for configuration in configurations}
    for round_ in range(args.rounds):
        for rate, reduction, n, overlap in configurations:
            r = measure(args, n, rate, reduction, overlap)
            runs[(rate, reduction, n, overlap)].append(r)
            print(f"{rate:>9} {reduction:>14} {n} machines, overlap {'on ' if overlap else 'off'}"
                  + (f", round {round_ + 1}" if args.rounds > 1 else "") + ": link "
                  f"{r['link_bytes_per_step'] / 1e6:7.3f} MB/step (counted {r['counted_bytes_per_step'] / 1e6:7.3f}), "
                  f"communication {r['communication_ms']:7.2f} ms (reduction {r['reduction_ms']:5.2f}), waited "
                  f"{r['exposed_ms']:7.2f} ms of a {r['step_ms']:7.2f} ms step", flush=True)
    rows = []
    for configuration, measured in runs.items():
        row = dict(measured[0])
        for key, value in row.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                median = float(np.median([m[key] for m in measured]))
                row[key] = round(median) if isinstance(value, int) else median
        row["rounds"] = measured
        rows.append(row)
    if args.rounds > 1:
        print(f"(the fit takes each figure's median over the {args.rounds} rounds)")
    cpu = rows[0]["cpu"]
    print(f"\nCPU: {cpu}; {args.model}: {gradient:,} parameters ({4 * gradient / 1e6:.2f} MB of gradient), "
          f"batch {args.batch} in {rows[0]['chunks']} chunks; links limited to each rate"
          + (f" with {args.delay} of delay" if args.delay else ""))

    # One machine's step at batch 64 and 1024 with one thread: the compute the machines share.
    compute = {}
    for batch, steps in [(64, 20), (1024, 3)] if args.compute_repeats > 1 else [(64, 2), (1024, 1)]:
        alone = json.loads(subprocess.run([args.binary, "bench", args.model, "--json", "--threads", "1", "--batch-size", str(batch),
                                           "--steps", str(steps), "--repeats", str(args.compute_repeats)],
                                          capture_output=True, text=True, check=True).stdout)
        compute[batch] = 1000 * batch / alone["train_images_per_second"]
    print(f"one machine, 1 thread: {compute[64]:.1f} ms per step at batch 64, {compute[1024]:.1f} ms at batch 1024")

    def row(rate, reduction, n, overlap):
        return next((r for r in rows if r["rate"] == rate and r["reduction"] == reduction
                     and r["machines"] == n and r["overlap"] == overlap), None)

    # The fit is of communication as it takes place after the backward pass (the overlapped runs'
    # own communication time also counts waiting for the others to finish their buckets).
    fitted = [False] if False in overlaps else [True]
    cores = os.cpu_count() or 1
    fit_machines = ([int(x) for x in args.fit_machines.split(",")] if args.fit_machines
                    else [n for n in machines if n <= cores] or machines)
    fits, shares = {}, {}
    step = compute.get(args.batch, compute[64] * args.batch / 64)
    print(f"\nfit t_comm(N) = latency·(N−1) + bytes(N)/B for the reduction (the chain: latency·(s + 2(N−2)) + its pipelines' fill), "
          f"plus k·round·⌈log₂ N⌉ + their bytes(N)/B "
          f"for the passes' k collectives; B the links' rate, bytes(N) on the critical path; "
          f"over {', '.join(map(str, fit_machines))} machines ({cores} cores here):")

    def least_squares(x, y):
        """The slope through the origin that fits y to x best, never below 0."""
        x, y = np.array(x, dtype=float), np.array(y, dtype=float)
        return max(0.0, float(x @ y / (x @ x))) if x @ x > 0 else 0.0

    for rate in rates:
        bandwidth = RATES.get(rate, float("inf")) / 8
        for reduction in reductions:
            points = [r for r in rows if r["rate"] == rate and r["reduction"] == reduction and r["overlap"] in fitted
                      and r["machines"] in fit_machines]
            terms = [latency_terms(reduction, r["machines"], r["reduced_floats"], bandwidth) for r in points]
            hops = [count for count, _ in terms]
            rest = [r["reduction_ms"] / 1000 - predicted_bytes(reduction, r["machines"], r["reduced_floats"], r["chunks"]) / bandwidth - fill
                    for r, (_, fill) in zip(points, terms)]
            latency = least_squares(hops, rest)
            # The passes' collectives: k·⌈log₂ N⌉ rounds a step.
            collectives = points[0]["pass_collectives"]
            round_trips = [r["pass_collectives"] * rounds(r["machines"]) for r in points]
            pass_rest = [(r["communication_ms"] - r["reduction_ms"]) / 1000 - r["pass_bytes_per_step"] / bandwidth for r in points]
            per_round = least_squares(round_trips, pass_rest)
            fits[(rate, reduction)] = (latency, bandwidth, per_round, points[0])
            residual = max(max(abs(latency * h - r) for h, r in zip(hops, rest)),
                           max(abs(per_round * h - r) for h, r in zip(round_trips, pass_rest))) * 1000
            # The share of a machine's compute that hid communication: what reducing during the
            # backward pass saved against reducing after it, over the compute each machine does.
            hidden = [(row(rate, reduction, n, False)["communication_ms"] - row(rate, reduction, n, True)["exposed_ms"]) / (step / n)
                      for n in machines if row(rate, reduction, n, False) and row(rate, reduction, n, True)]
            shares[(rate, reduction)] = min(1.0, max(0.0, float(np.mean(hidden)))) if hidden else 0.0
            print(f"  {rate:>9} {reduction:>14}: latency {latency * 1000:6.3f} ms per "
                  f"{'segment' if reduction == 'chain' else 'machine'}; {collectives} passes' collectives "
                  f"a step, {per_round * 1e6:5.1f} µs per round; worst residual {residual:.2f} ms"
                  + (f"; overlap hid {100 * shares[(rate, reduction)]:.1f}% of a machine's compute "
                     f"(per N: {', '.join(f'{100 * h:.1f}%' for h in hidden)})" if hidden else ""))

    print("\nmeasured efficiency: compute of one machine / N, against it plus the communication the step waited for")
    print(f"{'rate':>9} {'reduction':>14} {'overlap':>7} " + " ".join(f"{'N=' + str(n):>18}" for n in machines) + "   (ideal ring)")
    for rate in rates:
        for reduction in reductions:
            for overlap in overlaps:
                cells, ideal = [], []
                for n in machines:
                    r = row(rate, reduction, n, overlap)
                    t, waited = step / 1000 / n, r["exposed_ms"] / 1000
                    cells.append(f"{100 * t / (t + waited):5.1f}% ({r['exposed_ms']:5.2f} ms)")
                    if rate in RATES:
                        ideal.append(f"{ideal_efficiency(t, n, gradient, rate):.0f}%")
                print(f"{rate:>9} {reduction:>14} {'on' if overlap else 'off':>7} " + " ".join(f"{c:>18}" for c in cells)
                      + "   " + " ".join(ideal))

    print("\npredicted by the fit (bytes per machine from the reduction's formula): efficiency and MB per step per machine;"
          " with overlap, the measured share of each machine's compute hides communication")
    for batch in [64, 1024]:
        chunks = -(-batch // 16)
        print(f"batch {batch} ({chunks} chunks), one machine's step {compute[batch]:.1f} ms:")
        print(f"{'rate':>9} {'reduction':>14} {'overlap':>7} " + " ".join(f"{'N=' + str(n):>17}" for n in [8, 16, 32, 64]))
        for rate in rates:
            for reduction in reductions:
                latency, bandwidth, per_round, measured = fits[(rate, reduction)]
                for overlap in sorted(set(overlaps) | {False}):
                    cells = []
                    for n in [8, 16, 32, 64]:
                        passes = pass_bytes(measured, n, batch)
                        floats = reduced_floats(measured, gradient, batch)
                        sent = predicted_bytes(reduction, n, floats, chunks) + passes
                        t = compute[batch] / 1000 / n
                        count, fill = latency_terms(reduction, n, floats, bandwidth)
                        comm = latency * count + fill + sent / bandwidth + per_round * measured["pass_collectives"] * rounds(n)
                        if overlap:
                            comm = max(0.0, comm - shares[(rate, reduction)] * t)
                        cells.append(f"{100 * t / (t + comm):5.1f}% {sent / 1e6:6.2f} MB")
                    print(f"{rate:>9} {reduction:>14} {'on' if overlap else 'off':>7} " + " ".join(f"{c:>17}" for c in cells))
            if rate in RATES:
                ideal = []
                for n in [8, 16, 32, 64]:
                    t = compute[batch] / 1000 / n
                    ideal.append(f"{ideal_efficiency(t, n, gradient, rate):5.1f}%")
                print(f"{rate:>9} {'ideal ring':>14} {'off':>7} " + " ".join(f"{c:>17}" for c in ideal))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"cpu": cpu, "model": args.model, "rows": rows, "compute_ms": compute,
                       "hidden_share": {f"{rate} {reduction}": share for (rate, reduction), share in shares.items()}}, out, indent=1)


if __name__ == "__main__":
    main()
