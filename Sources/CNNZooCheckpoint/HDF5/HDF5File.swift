internal import CHDF5
import Foundation

/// An open HDF5 file; its root group is the file itself.
public final class HDF5File: HDF5Object {
    private var isOpen = true

    /// Creates (truncating) the file at `path`, in the HDF5 1.10 file format, whose metadata
    /// (superblock, object headers, chunk indexes) all carry checksums.
    public static func create(path: String) throws -> HDF5File {
        silenceLibrary()
        let access = try check(cnnzoo_h5p_checksummed_file_access(), "\(path): cannot set up the file format")
        defer { H5Pclose(access) }
        let id = try check(H5Fcreate(path, cnnzoo_h5f_acc_trunc(), cnnzoo_h5p_default(), access),
                           "\(path): cannot create the file")
        return HDF5File(id: id, location: path + ":/")
    }

    /// Opens the file at `path` for reading. A missing path, a directory, or a file that is
    /// not HDF5 (empty, truncated, another format) is one clear error.
    public static func open(path: String) throws -> HDF5File {
        silenceLibrary()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw HDF5Error("\(path): is a directory, not a checkpoint") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw HDF5Error("\(path): cannot be read (permission denied)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { throw HDF5Error("\(path): is empty, not an HDF5 checkpoint") }
        guard H5Fis_hdf5(path) > 0 else {
            throw HDF5Error("\(path): is not an HDF5 file (or is truncated)")
        }
        let id = try check(H5Fopen(path, cnnzoo_h5f_acc_rdonly(), cnnzoo_h5p_default()), "\(path): cannot open as HDF5 (truncated or damaged?)")
        return HDF5File(id: id, location: path + ":/")
    }

    /// Opens an existing file at `path` for reading and writing.
    public static func openForUpdate(path: String) throws -> HDF5File {
        silenceLibrary()
        let id = try check(H5Fopen(path, cnnzoo_h5f_acc_rdwr(), cnnzoo_h5p_default()), "\(path): cannot open for writing")
        return HDF5File(id: id, location: path + ":/")
    }

    /// Flushes and closes the file; later use is an error.
    public func close() throws {
        guard isOpen else { return }
        isOpen = false
        try Self.check(H5Fclose(id), "\(location): cannot close the file")
    }

    deinit {
        if isOpen { H5Fclose(id) }
    }

    /// Turns off HDF5's printing of its error stack; errors reach the user as one line each.
    static func silenceLibrary() {
        _ = cnnzoo_h5_silence_errors()
    }
}
