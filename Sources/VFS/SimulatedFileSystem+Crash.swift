extension SimulatedState {
    /// The sector size at which power loss tears unsynced writes.
    static let sectorSize = 512

    /// What a torn sector of an unsynced write holds after a power loss.
    enum SectorFate: CaseIterable {
        /// The new bytes reached the disk.
        case written
        /// Nothing reached the disk: the old bytes stay, or the file ends before the sector.
        case absent
        /// The sector reads as zeros.
        case zeroed
        /// The sector reads as random bytes.
        case garbage
    }

    /// The state found after a crash now, under `model`, with every random choice drawn from `seed`.
    /// - Complexity: O(total size of the files plus the unsynced operations).
    func crashed(seed: UInt64, model: CrashModel) -> SimulatedState {
        var entries: [String: [String: Int]]
        switch model {
        case .processCrash: entries = directories.mapValues(\.current)
        case .strict: entries = directories.mapValues(\.durable)
        case .powerLoss: entries = powerLossEntries(seed: seed)
        }
        var contents: [Int: [UInt8]] = [:]
        let reachable = Set(entries.values.flatMap(\.values))
        for id in reachable.sorted() {
            guard let inode = inodes[id] else { continue }
            switch model {
            case .processCrash: contents[id] = inode.written
            case .strict: contents[id] = inode.durable
            case .powerLoss:
                var random = SplitMix64(seed: seed, stream: UInt64(id) &+ 1)
                contents[id] = Self.powerLossContent(of: inode, random: &random)
            }
        }
        return SimulatedState(directories: entries, contents: contents)
    }

    /// The durable entries plus each unsynced directory operation, kept or dropped as a whole by a coin flip.
    func powerLossEntries(seed: UInt64) -> [String: [String: Int]] {
        var entries = directories.mapValues(\.durable)
        var random = SplitMix64(seed: seed, stream: 0)
        var survives: [Int: Bool] = [:]
        for change in pendingEntries {
            let kept: Bool
            if let decided = survives[change.operation] {
                kept = decided
            } else {
                kept = random.next() & 1 == 1
                survives[change.operation] = kept
            }
            if kept { entries[change.directory]![change.name] = change.inode }
        }
        return entries
    }

    /// The durable bytes of `inode` with each unsynced write applied whole, torn or not at all, and each
    /// unsynced truncate applied or not, in their original order.
    static func powerLossContent(of inode: Inode, random: inout SplitMix64) -> [UInt8] {
        var data = inode.durable
        for change in inode.pending {
            switch change {
            case .truncate(let size, _):
                if random.next() & 1 == 1 { resize(&data, to: size) }
            case .write(let offset, let bytes, _):
                switch random.below(3) {
                case 0: continue  // lost
                case 1: overwrite(&data, at: offset, with: bytes[...])
                default: tear(bytes, at: offset, into: &data, random: &random)
                }
            }
        }
        return data
    }

    /// Applies `bytes` written at `offset` sector by sector (sectors aligned on file offsets), each sector's fate
    /// drawn from `random`.
    static func tear(_ bytes: [UInt8], at offset: Int, into data: inout [UInt8], random: inout SplitMix64) {
        var start = offset
        let end = offset + bytes.count
        while start < end {
            let sectorEnd = min(end, (start / sectorSize + 1) * sectorSize)
            let piece = bytes[(start - offset)..<(sectorEnd - offset)]
            switch SectorFate.allCases[random.below(SectorFate.allCases.count)] {
            case .written: overwrite(&data, at: start, with: piece)
            case .absent: break
            case .zeroed: overwrite(&data, at: start, with: ArraySlice(repeating: 0, count: piece.count))
            case .garbage:
                let noise = (0..<piece.count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                overwrite(&data, at: start, with: noise[...])
            }
            start = sectorEnd
        }
    }
}
