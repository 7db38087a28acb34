extension SlidingWindow {
    /// im2col over a batch: `columns[(c·kh + i)·kw + j, n·P + oh·OW + ow] = x[n, c, oh·sh − top + i, ow·sw − left + j]`,
    /// zero where the window hangs over the padding.
    func unfold(_ x: UnsafePointer<Float>, batch: Int, into columns: UnsafeMutablePointer<Float>) {
        let positions = outputHeight * outputWidth
        let rowLength = batch * positions
        let plane = height * width
        for c in 0..<channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = columns + ((c * kernelHeight + i) * kernelWidth + j) * rowLength
                    for n in 0..<batch {
                        let source = x + (n * channels + c) * plane
                        let target = row + n * positions
                        for oh in 0..<outputHeight {
                            let ih = oh * strideHeight - padding.top + i
                            let line = target + oh * outputWidth
                            guard ih >= 0 && ih < height else {
                                line.update(repeating: 0, count: outputWidth)
                                continue
                            }
                            let sourceLine = source + ih * width
                            for ow in 0..<outputWidth {
                                let iw = ow * strideWidth - padding.left + j
                                line[ow] = (iw >= 0 && iw < width) ? sourceLine[iw] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// col2im: the adjoint of ``unfold``, adding each column entry back onto the input position it came from.
    func fold(_ columns: UnsafePointer<Float>, batch: Int, into x: UnsafeMutablePointer<Float>) {
        let positions = outputHeight * outputWidth
        let rowLength = batch * positions
        let plane = height * width
        for c in 0..<channels {
            for i in 0..<kernelHeight {
                for j in 0..<kernelWidth {
                    let row = columns + ((c * kernelHeight + i) * kernelWidth + j) * rowLength
                    for n in 0..<batch {
                        let target = x + (n * channels + c) * plane
                        let source = row + n * positions
                        for oh in 0..<outputHeight {
                            let ih = oh * strideHeight - padding.top + i
                            guard ih >= 0 && ih < height else { continue }
                            let line = source + oh * outputWidth
                            let targetLine = target + ih * width
                            for ow in 0..<outputWidth {
                                let iw = ow * strideWidth - padding.left + j
                                if iw >= 0 && iw < width { targetLine[iw] += line[ow] }
                            }
                        }
                    }
                }
            }
        }
    }
}
