extension SimulatedState {
    /// The sector size at which power loss tears unsynced writes.
    static let sectorSize = 512

    /// What a torn sector of an unsynced write holds after a power loss.
    enum SectorFate: CaseIterable {
        /// The new bytes reached the disk.
        case written
        /// Nothing reached the disk: the old durable bytes stay (zeros past the old end).
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
            case .processCrash: contents[id] = inode.visible
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

    /// The bytes of `inode` after a power loss.
    ///
    /// A disk persists whole sectors, not individual writes: two unsynced writes that share a sector share its
    /// fate. So the unit of tearing is the file's sector. In every sector touched by an unsynced write or truncate,
    /// the touched bytes together hold their new contents, their old durable contents (zeros past the old end),
    /// zeros, or garbage; bytes no unsynced change touched keep their durable contents (a sync is never undone).
    /// The file's size is its durable size, its size after any of the unsynced changes, or a sector boundary in
    /// between (metadata is journaled separately, and writeback proceeds in stages). One third of the time the
    /// file survives as written, one third of the time it is exactly its durable state, otherwise it is torn.
    static func powerLossContent(of inode: Inode, random: inout some CrashChoices) -> [UInt8] {
        guard !inode.pending.isEmpty else { return inode.durable }
        switch random.below(3) {
        case 0: return inode.written
        case 1: return inode.durable
        default: break
        }
        var sizes = [inode.durable.count]
        var size = inode.durable.count
        var touched = [Bool](repeating: false, count: max(inode.written.count, inode.durable.count))
        func touch(_ range: Range<Int>) {
            if touched.count < range.upperBound {
                touched += [Bool](repeating: false, count: range.upperBound - touched.count)
            }
            for i in range { touched[i] = true }
        }
        for change in inode.pending {
            switch change {
            case .truncate(let newSize, _):
                touch(min(size, newSize)..<max(size, newSize))
                size = newSize
            case .write(let offset, let bytes, _):
                touch(offset..<(offset + bytes.count))
                size = max(size, offset + bytes.count)
            }
            sizes.append(size)
        }
        let largest = sizes.max()!
        var boundary = (inode.durable.count / sectorSize + 1) * sectorSize
        while boundary < largest {
            sizes.append(boundary)
            boundary += sectorSize
        }
        let finalSize = sizes[random.below(sizes.count)]
        var data = [UInt8](repeating: 0, count: finalSize)
        for i in 0..<min(finalSize, inode.durable.count) { data[i] = inode.durable[i] }
        var sector = 0
        while sector * sectorSize < finalSize {
            let range = (sector * sectorSize)..<min((sector + 1) * sectorSize, finalSize)
            sector += 1
            guard range.contains(where: { $0 < touched.count && touched[$0] }) else { continue }
            let fate = SectorFate.allCases[random.below(SectorFate.allCases.count)]
            for i in range where i < touched.count && touched[i] {
                switch fate {
                case .written: data[i] = i < inode.written.count ? inode.written[i] : 0
                case .absent: data[i] = i < inode.durable.count ? inode.durable[i] : 0
                case .zeroed: data[i] = 0
                case .garbage: data[i] = UInt8(truncatingIfNeeded: random.next())
                }
            }
        }
        return data
    }
}
