/// Constants of LevelDB's log format, shared by the write-ahead log and the MANIFEST.
///
/// A log is a sequence of 32 KiB blocks. Each record fragment has a 7-byte header: masked CRC32C of the type byte
/// and payload (4 bytes), payload length (2 bytes), type (1 byte). A block never holds a partial header: fewer
/// than 7 bytes left at the end of a block are zero-filled trailer.
enum LogFormat {
    static let blockSize = 32 * 1024
    static let headerSize = 7

    enum RecordType: UInt8 {
        /// Reserved for preallocated (zero-filled) regions.
        case zero = 0
        case full = 1
        case first = 2
        case middle = 3
        case last = 4
    }

    /// Precomputed CRC of each type byte, which every fragment's checksum starts with.
    static let typeChecksums: [UInt32] = (0...4).map { CRC32C.checksum([UInt8($0)]) }
}
