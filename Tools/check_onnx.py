#!/usr/bin/env python3
"""cnn-zoo's ONNX files checked by the ONNX project's own tools (onnx, onnxruntime from PyPI).

    python3 Tools/check_onnx.py agree MODEL.onnx OUTPUTS.npy --data DIR [--limit N]
        onnx.checker.check_model(full_check=True) on the file, then onnxruntime on the test images
        of DIR (IDX files, gzipped or not, scaled to [0, 1] as cnn-zoo scales them) against
        OUTPUTS.npy, what `cnn-zoo eval --outputs` wrote for the same images: the share of images
        whose top class agrees, and the largest difference relative to each image's largest output.
        Exit 1 below 99.9 % agreement or above 1e-4.
    python3 Tools/check_onnx.py torchlike OUT.onnx [--opset 17] [--seed 1]
        writes a small residual CNN as torch.onnx.export writes one (Conv+BatchNormalization+Relu,
        a padded MaxPool, an Add shortcut, a Concat branch, GlobalAveragePool, Flatten, Gemm,
        Softmax, weights partly as Constant nodes), for `cnn-zoo import` to read.
    python3 Tools/check_onnx.py run MODEL.onnx OUT.npy --data DIR [--limit N]
        onnxruntime's outputs on DIR's test images, as a .npy file.
    python3 Tools/check_onnx.py same-weights A.onnx B.onnx
        the two files' initializers hold the same values under the same names (exit 1 if not).
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np


def read_idx(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def test_images(directory, limit, shape):
    """The test images of an IDX or CIFAR folder as cnn-zoo scales them, [N] + shape."""
    for name, label_bytes in (("test_batch.bin", 1), ("test.bin", 2)):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            records = np.fromfile(path, dtype=np.uint8).reshape(-1, label_bytes + 3072)
            images = records[:, label_bytes:][:limit or None]
            return (images.astype(np.float32) * np.float32(1 / 255)).reshape(len(images), *shape)
    images = read_idx(os.path.join(directory, "t10k-images-idx3-ubyte"))
    if limit:
        images = images[:limit]
    return (images.astype(np.float32) * np.float32(1 / 255)).reshape(len(images), *shape)


def session(path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def run_model(path, directory, limit):
    model = session(path)
    info = model.get_inputs()[0]
    images = test_images(directory, limit, info.shape[1:])
    outputs = [model.run(None, {info.name: images[i:i + 256]})[0] for i in range(0, len(images), 256)]
    return np.concatenate(outputs)


def agree(args):
    import onnx

    onnx.checker.check_model(onnx.load(args.model), full_check=True)
    theirs = run_model(args.model, args.data, args.limit)
    ours = np.load(args.outputs)
    if theirs.shape != ours.shape:
        raise SystemExit(f"check_onnx: onnxruntime gives {theirs.shape}, cnn-zoo {ours.shape}")
    top = float(np.mean(theirs.argmax(1) == ours.argmax(1)))
    scale = np.maximum(np.abs(ours).max(axis=1, keepdims=True), 1e-30)
    relative = float((np.abs(theirs - ours) / scale).max())
    result = {"model": os.path.basename(args.model), "images": len(ours), "top1_agreement": top, "max_relative_difference": relative}
    print(json.dumps(result))
    return top >= 0.999 and relative <= 1e-4


def torchlike(args):
    """A model as torch.onnx.export writes a small ResNet-style CNN: node names like
    '/layer1/conv1/Conv', BatchNormalization kept (eval export with do_constant_folding off),
    weights as initializers, some as Constant nodes."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(args.seed)
    initializers, nodes = [], []

    def weight(name, *shape, scale=None, positive=False):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        values = rng.standard_normal(shape).astype(np.float32) * np.float32(scale or np.sqrt(2 / fan_in))
        if positive:
            values = np.abs(values) + np.float32(0.5)
        initializers.append(numpy_helper.from_array(values, name))
        return name

    def constant(name, values):
        nodes.append(helper.make_node("Constant", [], [name], name=f"/{name}/Constant", value=numpy_helper.from_array(values, name + "_value")))
        return name

    def conv_bn_relu(prefix, x, cin, cout, kernel=3, stride=1, relu=True):
        w = weight(f"{prefix}.conv.weight", cout, cin, kernel, kernel)
        pad = kernel // 2
        nodes.append(helper.make_node("Conv", [x, w], [f"/{prefix}/conv/Conv_output_0"], name=f"/{prefix}/conv/Conv",
                                      kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad] * 4, dilations=[1, 1], group=1))
        bn = [weight(f"{prefix}.bn.weight", cout, scale=0.3, positive=True), weight(f"{prefix}.bn.bias", cout, scale=0.1),
              weight(f"{prefix}.bn.running_mean", cout, scale=0.1), weight(f"{prefix}.bn.running_var", cout, scale=0.2, positive=True)]
        out = f"/{prefix}/bn/BatchNormalization_output_0"
        nodes.append(helper.make_node("BatchNormalization", [f"/{prefix}/conv/Conv_output_0"] + bn, [out],
                                      name=f"/{prefix}/bn/BatchNormalization", epsilon=1e-5, momentum=0.9))
        if not relu:
            return out
        nodes.append(helper.make_node("Relu", [out], [f"/{prefix}/relu/Relu_output_0"], name=f"/{prefix}/relu/Relu"))
        return f"/{prefix}/relu/Relu_output_0"

    x = conv_bn_relu("stem", "input", 1, 8)
    nodes.append(helper.make_node("MaxPool", [x], ["/pool/MaxPool_output_0"], name="/pool/MaxPool",
                                  kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=0, dilations=[1, 1]))
    x = "/pool/MaxPool_output_0"
    y = conv_bn_relu("layer1/0/a", x, 8, 8)
    y = conv_bn_relu("layer1/0/b", y, 8, 8, relu=False)
    nodes.append(helper.make_node("Add", [y, x], ["/layer1/0/Add_output_0"], name="/layer1/0/Add"))
    nodes.append(helper.make_node("Relu", ["/layer1/0/Add_output_0"], ["/layer1/0/relu/Relu_output_0"], name="/layer1/0/relu/Relu"))
    x = "/layer1/0/relu/Relu_output_0"
    branch = conv_bn_relu("branch/wide", x, 8, 6, stride=2)
    narrow = weight("branch.narrow.weight", 4, 8, 1, 1)
    nodes.append(helper.make_node("Conv", [x, narrow, constant("branch.narrow.bias", rng.standard_normal(4).astype(np.float32) * np.float32(0.1))],
                                  ["/branch/narrow/Conv_output_0"], name="/branch/narrow/Conv", kernel_shape=[1, 1], strides=[2, 2]))
    nodes.append(helper.make_node("Concat", [branch, "/branch/narrow/Conv_output_0"], ["/branch/Concat_output_0"], name="/branch/Concat", axis=1))
    nodes.append(helper.make_node("GlobalAveragePool", ["/branch/Concat_output_0"], ["/gap/GlobalAveragePool_output_0"], name="/gap/GlobalAveragePool"))
    nodes.append(helper.make_node("Flatten", ["/gap/GlobalAveragePool_output_0"], ["/Flatten_output_0"], name="/Flatten", axis=1))
    fc = [weight("fc.weight", 10, 10), constant("fc.bias", rng.standard_normal(10).astype(np.float32) * np.float32(0.1))]
    nodes.append(helper.make_node("Gemm", ["/Flatten_output_0"] + fc, ["/fc/Gemm_output_0"], name="/fc/Gemm", alpha=1.0, beta=1.0, transB=1))
    nodes.append(helper.make_node("Softmax", ["/fc/Gemm_output_0"], ["output"], name="/Softmax", axis=1))
    graph = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])], initializers)
    model = helper.make_model(graph, producer_name="pytorch", producer_version="2.15.0", opset_imports=[helper.make_opsetid("", args.opset)])
    model.ir_version = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10}[args.opset]
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.out)
    print(f"check_onnx: wrote {args.out} (opset {args.opset}, {len(nodes)} nodes)")
    return True


def run(args):
    np.save(args.out, run_model(args.model, args.data, args.limit))
    return True


def same_weights(args):
    import onnx
    from onnx import numpy_helper

    def weights(path):
        model = onnx.load(path)
        return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}

    a, b = weights(args.a), weights(args.b)
    same = a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    print(json.dumps({"a": args.a, "b": args.b, "tensors": len(a), "identical": same}))
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("agree")
    p.add_argument("model")
    p.add_argument("outputs")
    p.add_argument("--data", required=True)
    p.add_argument("--limit", type=int, default=0)
    p = commands.add_parser("torchlike")
    p.add_argument("out")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--seed", type=int, default=1)
    p = commands.add_parser("run")
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--data", required=True)
    p.add_argument("--limit", type=int, default=0)
    p = commands.add_parser("same-weights")
    p.add_argument("a")
    p.add_argument("b")
    args = parser.parse_args()
    ok = {"agree": agree, "torchlike": torchlike, "run": run, "same-weights": same_weights}[args.command](args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
