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

    /// The payload of a **durability marker**: an empty WriteBatch (sequence 1, count 0).
    ///
    /// The write-ahead log writer appends one at the offset where a sync left the log: an intact marker at offset
    /// X proves every byte before X was synced before the marker was written, so damage before X cannot be a torn
    /// unsynced tail (README "Durability"). LevelDB replays it as an empty batch that changes nothing (its last
    /// sequence, 0, never raises the recovered one). The engine never logs an empty batch of its own, and the
    /// payload is no valid VersionEdit, so it cannot be mistaken for data; readers hide markers from their records.
    static let durabilityMarker: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]

    /// Precomputed CRC of each type byte, which every fragment's checksum starts with.
    static let typeChecksums: [UInt32] = (0...4).map { CRC32C.checksum([UInt8($0)]) }
}
