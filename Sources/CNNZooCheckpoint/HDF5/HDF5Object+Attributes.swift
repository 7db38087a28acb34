internal import CHDF5

extension HDF5Object {
    /// Writes a scalar fixed-length UTF-8 string attribute. Fixed-length strings live in the
    /// object header, under its checksum; variable-length ones would live in HDF5's global
    /// heap, which has none. (h5py reads it as `bytes`; h5dump prints the text.)
    public func setAttribute(_ name: String, string: String) throws {
        var bytes = Array(string.utf8).map { CChar(bitPattern: $0) }
        bytes.append(0)
        let type = try Self.check(H5Tcopy(cnnzoo_h5t_c_s1()), "cannot make a string type")
        defer { H5Tclose(type) }
        H5Tset_size(type, bytes.count)
        H5Tset_strpad(type, H5T_STR_NULLTERM)
        H5Tset_cset(type, H5T_CSET_UTF8)
        try writeScalar(name, fileType: type, memoryType: type, value: &bytes)
    }

    /// Writes a one-dimensional float64 attribute (`betas = [0.9, 0.999]`).
    public func setAttribute(_ name: String, doubles: [Double]) throws {
        var dims = [hsize_t(doubles.count)]
        let space = try Self.check(H5Screate_simple(1, &dims, nil), "cannot describe attribute \(name)")
        defer { H5Sclose(space) }
        removeAttribute(name)
        let attribute = try Self.check(H5Acreate2(id, name, cnnzoo_h5t_ieee_f64le(), space, cnnzoo_h5p_default(), cnnzoo_h5p_default()),
                                       "cannot create attribute \(name) on \(location)")
        defer { H5Aclose(attribute) }
        try Self.check(H5Awrite(attribute, cnnzoo_h5t_native_double(), doubles), "cannot write attribute \(name) on \(location)")
    }

    /// The names of the attributes here, in name order.
    public func attributeNames() throws -> [String] {
        let count = cnnzoo_h5_attribute_count(id)
        guard count >= 0 else { throw Self.failure("cannot list the attributes of \(location)") }
        return try (0..<count).map { index in
            let size = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, cnnzoo_h5p_default())
            guard size >= 0, size < 4096 else { throw Self.failure("cannot read an attribute name of \(location)") }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, cnnzoo_h5p_default())
            return String(nullTerminated: buffer)
        }
    }

    /// An attribute's value by its stored class: what a self-describing reader needs.
    public enum AttributeValue: Equatable {
        case string(String), integer(Int64), double(Double), doubles([Double])
    }

    /// Reads attribute `name` whatever its class: a string, an integer, a float or a short list of floats.
    public func attribute(_ name: String) throws -> AttributeValue {
        guard hasAttribute(name) else { throw HDF5Error("\(location) has no attribute '\(name)'") }
        let attribute = try Self.check(H5Aopen(id, name, cnnzoo_h5p_default()), "cannot open attribute \(name) of \(location)")
        let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
        let (typeClass, count) = (type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS, space >= 0 ? H5Sget_simple_extent_npoints(space) : -1)
        if type >= 0 { H5Tclose(type) }
        if space >= 0 { H5Sclose(space) }
        H5Aclose(attribute)
        switch (typeClass, count) {
        case (H5T_STRING, 1): return .string(try stringAttribute(name))
        case (H5T_INTEGER, 1): return .integer(try integerAttribute(name))
        case (H5T_FLOAT, 1): return .double(try doubleAttribute(name))
        case (H5T_FLOAT, 2...64): return .doubles(try doublesAttribute(name))
        default: throw HDF5Error("attribute '\(name)' of \(location) is not a string, a number or a short list of numbers")
        }
    }

    /// Reads a one-dimensional float attribute of at most 64 values as float64.
    public func doublesAttribute(_ name: String) throws -> [Double] {
        guard hasAttribute(name) else { throw HDF5Error("\(location) has no attribute '\(name)'") }
        let attribute = try Self.check(H5Aopen(id, name, cnnzoo_h5p_default()), "cannot open attribute \(name) of \(location)")
        defer { H5Aclose(attribute) }
        let space = try Self.check(H5Aget_space(attribute), "cannot read the shape of attribute \(name) of \(location)")
        defer { H5Sclose(space) }
        let type = try Self.check(H5Aget_type(attribute), "cannot read the type of attribute \(name) of \(location)")
        defer { H5Tclose(type) }
        let count = H5Sget_simple_extent_npoints(space)
        guard H5Tget_class(type) == H5T_FLOAT, H5Sget_simple_extent_ndims(space) == 1, (1...64).contains(count) else {
            throw HDF5Error("attribute '\(name)' of \(location) is not a short list of numbers")
        }
        var values = [Double](repeating: 0, count: Int(count))
        try Self.check(H5Aread(attribute, cnnzoo_h5t_native_double(), &values), "cannot read attribute \(name) of \(location)")
        return values
    }

    /// Writes a scalar int64 attribute.
    public func setAttribute(_ name: String, integer: Int64) throws {
        var value = integer
        try writeScalar(name, fileType: cnnzoo_h5t_std_i64le(), memoryType: cnnzoo_h5t_native_int64(), value: &value)
    }

    /// Writes a scalar float64 attribute.
    public func setAttribute(_ name: String, double: Double) throws {
        var value = double
        try writeScalar(name, fileType: cnnzoo_h5t_ieee_f64le(), memoryType: cnnzoo_h5t_native_double(), value: &value)
    }

    /// Creates (or replaces) the scalar attribute `name` and writes `value` to it.
    private func writeScalar<T>(_ name: String, fileType: hid_t, memoryType: hid_t, value: UnsafeMutablePointer<T>) throws {
        let space = try Self.check(H5Screate(H5S_SCALAR), "cannot describe attribute \(name)")
        defer { H5Sclose(space) }
        removeAttribute(name)
        let attribute = try Self.check(H5Acreate2(id, name, fileType, space, cnnzoo_h5p_default(), cnnzoo_h5p_default()),
                                       "cannot create attribute \(name) on \(location)")
        defer { H5Aclose(attribute) }
        try Self.check(H5Awrite(attribute, memoryType, value), "cannot write attribute \(name) on \(location)")
    }

    /// Removes attribute `name` if present (so a set replaces it).
    func removeAttribute(_ name: String) {
        if hasAttribute(name) { H5Adelete(id, name) }
    }

    /// Whether attribute `name` exists (false also when the lookup fails; see ``attributeExists(_:)``).
    public func hasAttribute(_ name: String) -> Bool {
        H5Aexists(id, name) > 0
    }

    /// Whether attribute `name` exists; a lookup that fails (a damaged object header) throws.
    public func attributeExists(_ name: String) throws -> Bool {
        let status = H5Aexists(id, name)
        guard status >= 0 else { throw Self.failure("cannot look up attribute \(name) of \(location)") }
        return status > 0
    }

    private func openAttribute(_ name: String, expecting: H5T_class_t, what: String) throws -> hid_t {
        guard hasAttribute(name) else { throw HDF5Error("\(location) has no attribute '\(name)'") }
        let attribute = try Self.check(H5Aopen(id, name, cnnzoo_h5p_default()), "cannot open attribute \(name) of \(location)")
        let type = H5Aget_type(attribute)
        defer { if type >= 0 { H5Tclose(type) } }
        let space = H5Aget_space(attribute)
        defer { if space >= 0 { H5Sclose(space) } }
        guard type >= 0, H5Tget_class(type) == expecting, space >= 0, H5Sget_simple_extent_npoints(space) == 1 else {
            H5Aclose(attribute)
            throw HDF5Error("attribute '\(name)' of \(location) is not a single \(what)")
        }
        return attribute
    }

    /// Reads a string attribute (variable- or fixed-length).
    public func stringAttribute(_ name: String) throws -> String {
        let attribute = try openAttribute(name, expecting: H5T_STRING, what: "string")
        defer { H5Aclose(attribute) }
        let fileType = H5Aget_type(attribute)
        defer { H5Tclose(fileType) }
        if H5Tis_variable_str(fileType) > 0 {
            let type = try Self.stringType()
            defer { H5Tclose(type) }
            var pointer: UnsafeMutablePointer<CChar>? = nil
            try Self.check(H5Aread(attribute, type, &pointer), "cannot read attribute \(name) of \(location)")
            defer { if let pointer { H5free_memory(pointer) } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        let size = H5Tget_size(fileType)
        guard size > 0, size < 1 << 26 else { throw HDF5Error("attribute '\(name)' of \(location) has an absurd size") }
        var buffer = [CChar](repeating: 0, count: size + 1)
        try Self.check(H5Aread(attribute, fileType, &buffer), "cannot read attribute \(name) of \(location)")
        return String(nullTerminated: buffer)
    }

    /// Reads an integer attribute as int64.
    public func integerAttribute(_ name: String) throws -> Int64 {
        try readScalar(name, expecting: H5T_INTEGER, what: "integer", memoryType: cnnzoo_h5t_native_int64(), zero: 0)
    }

    /// Reads a floating-point attribute as float64.
    public func doubleAttribute(_ name: String) throws -> Double {
        try readScalar(name, expecting: H5T_FLOAT, what: "number", memoryType: cnnzoo_h5t_native_double(), zero: 0)
    }

    /// Reads a single-valued attribute of class `expecting`, converted by HDF5 to `memoryType`.
    private func readScalar<T: BitwiseCopyable>(_ name: String, expecting: H5T_class_t, what: String, memoryType: hid_t, zero: T) throws -> T {
        let attribute = try openAttribute(name, expecting: expecting, what: what)
        defer { H5Aclose(attribute) }
        var value = zero
        try Self.check(H5Aread(attribute, memoryType, &value), "cannot read attribute \(name) of \(location)")
        return value
    }

    static func stringType() throws -> hid_t {
        let type = try check(H5Tcopy(cnnzoo_h5t_c_s1()), "cannot make a string type")
        H5Tset_size(type, cnnzoo_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }
}
