extension SlidingWindow {
    /// The output columns `ow` whose window puts kernel column `j` on a real input column
    /// (0 ≤ ow·sw − left + j < W): everything outside reads padding.
    @inline(__always)
    func validColumns(kernelColumn j: Int) -> Range<Int> {
        let offset = padding.left - j
        let low = max(0, (offset + strideWidth - 1) / strideWidth)
        let high = min(outputWidth, offset + width - 1 < 0 ? 0 : (offset + width - 1) / strideWidth + 1)
        return low ..< max(low, high)
    }

    /// im2col for one sample: `columns[(c·kh + i)·kw + j, oh·OW + ow] = x[c, oh·sh − top + i, ow·sw − left + j]`,
    /// zero where the window hangs over the padding. Rows of `columns` are `rowStride` apart
    /// (P for one sample alone; m·P when m samples sit side by side).
    func unfold(_ x: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, rowStride: Int) {
        let plane = height * width
        var row = columns
        for c in 0..<channels {
            let source = x + c * plane
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let valid = validColumns(kernelColumn: j)
                    for oh in 0..<outputHeight {
                        let ih = oh * strideHeight - padding.top + i
                        let line = row + oh * outputWidth
                        guard ih >= 0 && ih < height else {
                            line.update(repeating: 0, count: outputWidth)
                            continue
                        }
                        let sourceLine = source + ih * width - padding.left + j
                        if valid.lowerBound > 0 { line.update(repeating: 0, count: valid.lowerBound) }
                        if strideWidth == 1 {
                            (line + valid.lowerBound).update(from: sourceLine + valid.lowerBound, count: valid.count)
                        } else {
                            for ow in valid { line[ow] = sourceLine[ow * strideWidth] }
                        }
                        if valid.upperBound < outputWidth {
                            (line + valid.upperBound).update(repeating: 0, count: outputWidth - valid.upperBound)
                        }
                    }
                    row += rowStride
                }
            }
        }
    }

    /// col2im for one sample: the adjoint of ``unfold(_:into:rowStride:)``, adding each column
    /// entry onto the input position it came from. `x` must be zeroed by the caller.
    func fold(_ columns: UnsafePointer<Float>, rowStride: Int, into x: UnsafeMutablePointer<Float>) {
        let plane = height * width
        var row = columns
        for c in 0..<channels {
            let target = x + c * plane
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let valid = validColumns(kernelColumn: j)
                    for oh in 0..<outputHeight {
                        let ih = oh * strideHeight - padding.top + i
                        guard ih >= 0 && ih < height else { continue }
                        let line = row + oh * outputWidth
                        let targetLine = target + ih * width - padding.left + j
                        if strideWidth == 1 {
                            for ow in valid { targetLine[ow] += line[ow] }
                        } else {
                            for ow in valid { targetLine[ow * strideWidth] += line[ow] }
                        }
                    }
                    row += rowStride
                }
            }
        }
    }
}
