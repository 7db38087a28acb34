/// Zero rows and columns added around a feature map, per side.
public struct Padding: Sendable, Equatable {
    public var top: Int, bottom: Int, left: Int, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    /// Reads `padding` from settings: `p` for every side, `[h, w]` for top/bottom and
    /// left/right, or `[top, bottom, left, right]` (seed 004's pool is `[0, 1, 0, 1]`).
    init(settings: LayerSettings, limit: Int) throws {
        let values = try settings.intList("padding", default: [0], counts: [1, 2, 4], in: 0...limit)
        switch values.count {
        case 1: self.init(top: values[0], bottom: values[0], left: values[0], right: values[0])
        case 2: self.init(top: values[0], bottom: values[0], left: values[1], right: values[1])
        default: self.init(top: values[0], bottom: values[1], left: values[2], right: values[3])
        }
    }
}

/// The geometry shared by convolution and pooling: a kernel window sliding with a stride over a padded map.
public struct SlidingWindow: Sendable, Equatable {
    public let channels: Int, height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padding: Padding
    public let outputHeight: Int, outputWidth: Int

    /// Reads `kernel`, `stride` and `padding`, checks them against a `[C, H, W]` input.
    init(settings: LayerSettings, inputShape: [Int], defaultStrideIsKernel: Bool, paddingBelowKernel: Bool) throws {
        guard inputShape.count == 3 else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "expects a [channels, height, width] input, got \(inputShape)")
        }
        (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        (kernelHeight, kernelWidth) = try settings.pair("kernel", in: 1...1024)
        let defaultStride = defaultStrideIsKernel ? (kernelHeight, kernelWidth) : (1, 1)
        (strideHeight, strideWidth) = try settings.pair("stride", default: defaultStride, in: 1...1024)
        padding = try Padding(settings: settings, limit: 1024)
        if paddingBelowKernel, max(padding.top, padding.bottom) >= kernelHeight || max(padding.left, padding.right) >= kernelWidth {
            throw ModelError.badSetting(layer: settings.layerName,
                message: "padding must be smaller than the kernel on every side, or a window could see only padding")
        }
        let paddedHeight = height + padding.top + padding.bottom
        let paddedWidth = width + padding.left + padding.right
        guard paddedHeight >= kernelHeight, paddedWidth >= kernelWidth else {
            throw ModelError.shapeMismatch(layer: settings.layerName,
                message: "kernel \(kernelHeight)×\(kernelWidth) does not fit the \(height)×\(width) input with its padding")
        }
        outputHeight = (paddedHeight - kernelHeight) / strideHeight + 1
        outputWidth = (paddedWidth - kernelWidth) / strideWidth + 1
    }

    /// The static settings every windowed layer documents.
    static func settings(strideDefault: String) -> [SettingDescription] {
        [
            SettingDescription("kernel", "int or [h, w]", "window size"),
            SettingDescription("stride", "int or [h, w]", default: strideDefault, "step between windows"),
            SettingDescription("padding", "int, [h, w] or [top, bottom, left, right]", default: "0", "zeros added around the input"),
        ]
    }
}
