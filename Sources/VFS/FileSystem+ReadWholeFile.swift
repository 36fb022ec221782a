extension FileSystem {
    /// The whole contents of the file at `path`: opens it with ``openReadable(_:)``, reads its current size's worth
    /// of bytes and closes it. The one whole-file read: CURRENT, MANIFESTs, logs and file dumps all go through it.
    /// - Throws: ``FileSystemError`` when the file cannot be opened, sized or read.
    public func readWholeFile(_ path: String) throws -> [UInt8] {
        let file = try openReadable(path)
        defer { file.close() }
        return try file.read(at: 0, count: try file.size())
    }
}
