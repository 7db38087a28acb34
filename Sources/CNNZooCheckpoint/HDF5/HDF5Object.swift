internal import CHDF5
import Foundation

/// An open HDF5 file or group: a place that holds groups, datasets and attributes.
///
/// A small typed, throwing wrapper over the C library: every call is checked, HDF5's own
/// error printing is silenced and its innermost message folded into ``HDF5Error``.
public class HDF5Object {
    let id: hid_t
    /// The path for messages: `file.h5:/weights/conv1`.
    public let location: String

    init(id: hid_t, location: String) {
        self.id = id
        self.location = location
    }

    static func check(_ value: hid_t, _ what: @autoclosure () -> String) throws -> hid_t {
        guard value >= 0 else { throw failure(what()) }
        return value
    }

    static func check(_ status: herr_t, _ what: @autoclosure () -> String) throws {
        guard status >= 0 else { throw failure(what()) }
    }

    /// The error for a failed call: a checksum mismatch anywhere on HDF5's error stack is
    /// reported as damage to the file's metadata; anything else with HDF5's innermost message.
    static func failure(_ what: String, data: Bool = false) -> HDF5Error {
        let text = lastError()
        if text.contains("[checksum]") {
            return HDF5Error("\(what): \(data ? "data" : "metadata") checksum mismatch; the file is damaged")
        }
        return HDF5Error("\(what)\(text.isEmpty ? "" : " (\(text))")")
    }

    static func lastError() -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        cnnzoo_h5_last_error(&buffer)
        return String(nullTerminated: buffer)
    }

    func child(_ name: String) -> String { location.hasSuffix("/") ? location + name : location + "/" + name }

    // MARK: Groups

    /// Creates the group `name` here.
    public func createGroup(_ name: String) throws -> HDF5Group {
        let gid = try Self.check(H5Gcreate2(id, name, cnnzoo_h5p_default(), cnnzoo_h5p_default(), cnnzoo_h5p_default()),
                                 "cannot create group \(child(name))")
        return HDF5Group(id: gid, location: child(name))
    }

    /// Opens the group `name`; throws naming it when it is missing or not a group.
    public func group(_ name: String) throws -> HDF5Group {
        guard contains(name) else { throw HDF5Error("\(child(name)) is missing") }
        guard kind(of: name) == .group else { throw HDF5Error("\(child(name)) is not a group") }
        let gid = try Self.check(H5Gopen2(id, name, cnnzoo_h5p_default()), "cannot open group \(child(name))")
        return HDF5Group(id: gid, location: child(name))
    }

    /// Whether a link `name` exists here.
    public func contains(_ name: String) -> Bool {
        H5Lexists(id, name, cnnzoo_h5p_default()) > 0
    }

    /// Removes the link `name` (a group or dataset) from here.
    public func remove(_ name: String) throws {
        try Self.check(H5Ldelete(id, name, cnnzoo_h5p_default()), "cannot remove \(child(name))")
    }

    public enum Kind { case group, dataset, other }

    /// What `name` links to.
    public func kind(of name: String) -> Kind {
        let oid = H5Oopen(id, name, cnnzoo_h5p_default())
        guard oid >= 0 else { return .other }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names linked here, in name order.
    public func names() throws -> [String] {
        var info = H5G_info_t()
        try Self.check(H5Gget_info(id, &info), "cannot list \(location)")
        return try (0..<info.nlinks).map { index in
            let size = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, cnnzoo_h5p_default())
            guard size >= 0 else { throw HDF5Error("cannot read a name in \(location)\(Self.lastError())") }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, cnnzoo_h5p_default())
            return String(nullTerminated: buffer)
        }
    }

    // MARK: Datasets

    /// Writes a float32 dataset of `shape`.
    public func write(_ name: String, floats: [Float], shape: [Int]) throws {
        try writeDataset(name, shape: shape, fileType: cnnzoo_h5t_ieee_f32le(), memoryType: cnnzoo_h5t_native_float(), values: floats)
    }

    /// Writes a float64 dataset of `shape`.
    public func write(_ name: String, doubles: [Double], shape: [Int]) throws {
        try writeDataset(name, shape: shape, fileType: cnnzoo_h5t_ieee_f64le(), memoryType: cnnzoo_h5t_native_double(), values: doubles)
    }

    /// Writes an int64 dataset of `shape`.
    public func write(_ name: String, integers: [Int64], shape: [Int]) throws {
        try writeDataset(name, shape: shape, fileType: cnnzoo_h5t_std_i64le(), memoryType: cnnzoo_h5t_native_int64(), values: integers)
    }

    /// Writes a uint64 dataset of `shape`.
    public func write(_ name: String, unsigned: [UInt64], shape: [Int]) throws {
        try writeDataset(name, shape: shape, fileType: cnnzoo_h5t_std_u64le(), memoryType: cnnzoo_h5t_native_uint64(), values: unsigned)
    }

    /// Writes a dataset as one chunk with HDF5's Fletcher-32 checksum, which every reader
    /// (h5py, h5dump) verifies transparently. An empty dataset holds no data to check.
    private func writeDataset<T>(_ name: String, shape: [Int], fileType: hid_t, memoryType: hid_t, values: [T]) throws {
        let dims = shape.map { hsize_t($0) }
        let space = try Self.check(H5Screate_simple(Int32(dims.count), dims, nil), "cannot describe \(child(name))")
        defer { H5Sclose(space) }
        let creation = values.isEmpty ? cnnzoo_h5p_default()
            : try Self.check(cnnzoo_h5p_checksummed_dataset(Int32(dims.count), dims), "cannot set up checksums for \(child(name))")
        defer { if !values.isEmpty { H5Pclose(creation) } }
        let dataset = try Self.check(H5Dcreate2(id, name, fileType, space, cnnzoo_h5p_default(), creation, cnnzoo_h5p_default()),
                                     "cannot create \(child(name))")
        defer { H5Dclose(dataset) }
        try values.withUnsafeBufferPointer { buffer in
            try Self.check(H5Dwrite(dataset, memoryType, cnnzoo_h5s_all(), cnnzoo_h5s_all(), cnnzoo_h5p_default(), buffer.baseAddress),
                           "cannot write \(child(name))")
        }
    }

    /// The element class a dataset holds.
    public enum Element: String { case float32, float64, int64, uint64, other }

    /// The shape and element type of dataset `name`.
    public func describe(_ name: String) throws -> (shape: [Int], element: Element) {
        guard contains(name) else { throw HDF5Error("\(child(name)) is missing") }
        guard kind(of: name) == .dataset else { throw HDF5Error("\(child(name)) is not a dataset") }
        let dataset = try Self.check(H5Dopen2(id, name, cnnzoo_h5p_default()), "cannot open \(child(name))")
        defer { H5Dclose(dataset) }
        return try Self.describe(dataset: dataset, location: child(name))
    }

    static func describe(dataset: hid_t, location: String) throws -> (shape: [Int], element: Element) {
        let space = try check(H5Dget_space(dataset), "cannot read the shape of \(location)")
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= 32 else { throw HDF5Error("\(location) has an unreadable shape") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        _ = H5Sget_simple_extent_dims(space, &dims, nil)
        let type = try check(H5Dget_type(dataset), "cannot read the type of \(location)")
        defer { H5Tclose(type) }
        let size = H5Tget_size(type)
        let element: Element
        switch H5Tget_class(type) {
        case H5T_FLOAT: element = size == 4 ? .float32 : size == 8 ? .float64 : .other
        case H5T_INTEGER:
            element = size != 8 ? .other : H5Tget_sign(type) == H5T_SGN_NONE ? .uint64 : .int64
        default: element = .other
        }
        guard dims.allSatisfy({ $0 <= hsize_t(Int32.max) }) else { throw HDF5Error("\(location) has an absurd shape") }
        return (dims.map { Int($0) }, element)
    }

    /// Reads dataset `name`, which must hold `element` values and at most `maximumCount` of them
    /// (checked from its declared shape before anything is allocated); returns its shape and values.
    public func readFloats(_ name: String, maximumCount: Int = 1 << 28) throws -> (shape: [Int], values: [Float]) {
        try readDataset(name, expect: .float32, memoryType: cnnzoo_h5t_native_float(), zero: Float(0), maximumCount: maximumCount)
    }

    public func readDoubles(_ name: String, maximumCount: Int = 1 << 28) throws -> (shape: [Int], values: [Double]) {
        try readDataset(name, expect: .float64, memoryType: cnnzoo_h5t_native_double(), zero: Double(0), maximumCount: maximumCount)
    }

    public func readIntegers(_ name: String, maximumCount: Int = 1 << 28) throws -> (shape: [Int], values: [Int64]) {
        try readDataset(name, expect: .int64, memoryType: cnnzoo_h5t_native_int64(), zero: Int64(0), maximumCount: maximumCount)
    }

    public func readUnsigned(_ name: String, maximumCount: Int = 1 << 28) throws -> (shape: [Int], values: [UInt64]) {
        try readDataset(name, expect: .uint64, memoryType: cnnzoo_h5t_native_uint64(), zero: UInt64(0), maximumCount: maximumCount)
    }

    private func readDataset<T>(_ name: String, expect: Element, memoryType: hid_t, zero: T, maximumCount: Int) throws -> (shape: [Int], values: [T]) {
        let (shape, element) = try describe(name)
        guard element == expect else {
            throw HDF5Error("\(child(name)) holds \(element.rawValue) values, expected \(expect.rawValue)")
        }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= maximumCount else {
                throw HDF5Error("\(child(name)) has shape \(shape), more than the \(maximumCount) values expected")
            }
            count = product
        }
        let dataset = try Self.check(H5Dopen2(id, name, cnnzoo_h5p_default()), "cannot open \(child(name))")
        defer { H5Dclose(dataset) }
        var values = [T](repeating: zero, count: count)
        try values.withUnsafeMutableBufferPointer { buffer in
            guard H5Dread(dataset, memoryType, cnnzoo_h5s_all(), cnnzoo_h5s_all(), cnnzoo_h5p_default(), buffer.baseAddress) >= 0 else {
                throw Self.failure("cannot read \(child(name))", data: true)
            }
        }
        return (shape, values)
    }

    /// Where dataset `name`'s first chunk lies in the file and how many bytes it takes
    /// (nil for a dataset that is not chunked): for tests that damage a dataset's data.
    public func firstChunk(of name: String) throws -> (offset: Int, size: Int)? {
        let dataset = try Self.check(H5Dopen2(id, name, cnnzoo_h5p_default()), "cannot open \(child(name))")
        defer { H5Dclose(dataset) }
        var address: haddr_t = 0, size: hsize_t = 0
        guard cnnzoo_h5_first_chunk(dataset, &address, &size) == 0 else { return nil }
        return (Int(address), Int(size))
    }
}

/// An open group.
public final class HDF5Group: HDF5Object {
    deinit { H5Gclose(id) }
}

extension String {
    /// The UTF-8 text of a C buffer up to its first NUL.
    init(nullTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
