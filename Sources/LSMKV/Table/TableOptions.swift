/// How a ``TableBuilder`` lays out a table. The defaults are LevelDB's.
struct TableOptions: Sendable, Equatable {
    /// The uncompressed size at which a data block is closed (it may exceed this by one entry).
    var blockSize: Int = 4096
    /// Entries between restart points in data blocks.
    var restartInterval: Int = 16
    /// Bloom filter bits per key; 0 writes no filter block.
    var bloomBitsPerKey: Int = 10

    init(blockSize: Int = 4096, restartInterval: Int = 16, bloomBitsPerKey: Int = 10) {
        self.blockSize = blockSize
        self.restartInterval = restartInterval
        self.bloomBitsPerKey = bloomBitsPerKey
    }

    /// Throws ``LSMKVError/invalidArgument(_:)`` when an option is out of range.
    func validate() throws {
        guard (1...(1 << 30)).contains(blockSize) else {
            throw LSMKVError.invalidArgument("blockSize \(blockSize) is not in 1...\(1 << 30)")
        }
        guard (1...(1 << 20)).contains(restartInterval) else {
            throw LSMKVError.invalidArgument("restartInterval \(restartInterval) is not in 1...\(1 << 20)")
        }
        guard (0...1000).contains(bloomBitsPerKey) else {
            throw LSMKVError.invalidArgument("bloomBitsPerKey \(bloomBitsPerKey) is not in 0...1000")
        }
    }
}

/// How a ``TableReader`` reads a table.
struct TableReaderOptions: Sendable, Equatable {
    /// Whether every block read checks its CRC32C.
    var verifyChecksums: Bool = true
    /// Whether `get` consults the bloom filter (and `open` reads the filter block).
    var useFilter: Bool = true

    init(verifyChecksums: Bool = true, useFilter: Bool = true) {
        self.verifyChecksums = verifyChecksums
        self.useFilter = useFilter
    }
}
