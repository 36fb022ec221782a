/// The description of one table file in a version: its number, size and key range.
struct FileMetadata: Equatable, Sendable {
    var number: UInt64
    var size: Int
    /// The smallest and largest internal keys in the file.
    var smallest: [UInt8]
    var largest: [UInt8]
}

/// A change to the set of live files, as LevelDB records it in the MANIFEST: one record per edit, a sequence of
/// tagged fields.
struct VersionEdit: Equatable, Sendable {
    var comparatorName: String?
    var logNumber: UInt64?
    var previousLogNumber: UInt64?
    var nextFileNumber: UInt64?
    var lastSequence: SequenceNumber?
    var compactPointers: [(level: Int, key: [UInt8])] = []
    var deletedFiles: [(level: Int, number: UInt64)] = []
    var newFiles: [(level: Int, file: FileMetadata)] = []

    /// LevelDB's field tags. Tag 8 (large value references) has not been used since LevelDB 1.0.
    private enum Tag: UInt32 {
        case comparator = 1
        case logNumber = 2
        case nextFileNumber = 3
        case lastSequence = 4
        case compactPointer = 5
        case deletedFile = 6
        case newFile = 7
        case previousLogNumber = 9
    }

    /// The number of levels LevelDB has; edits naming a level past it are corrupt.
    static let levelCount = 7

    static func == (a: VersionEdit, b: VersionEdit) -> Bool { a.encode() == b.encode() }

    mutating func addFile(level: Int, _ file: FileMetadata) { newFiles.append((level, file)) }

    mutating func deleteFile(level: Int, number: UInt64) { deletedFiles.append((level, number)) }

    func encode() -> [UInt8] {
        var w = ByteWriter()
        if let comparatorName {
            w.appendVarint32(Tag.comparator.rawValue)
            w.appendLengthPrefixed(Array(comparatorName.utf8))
        }
        if let logNumber {
            w.appendVarint32(Tag.logNumber.rawValue)
            w.appendVarint64(logNumber)
        }
        if let previousLogNumber {
            w.appendVarint32(Tag.previousLogNumber.rawValue)
            w.appendVarint64(previousLogNumber)
        }
        if let nextFileNumber {
            w.appendVarint32(Tag.nextFileNumber.rawValue)
            w.appendVarint64(nextFileNumber)
        }
        if let lastSequence {
            w.appendVarint32(Tag.lastSequence.rawValue)
            w.appendVarint64(lastSequence)
        }
        for pointer in compactPointers {
            w.appendVarint32(Tag.compactPointer.rawValue)
            w.appendVarint32(UInt32(pointer.level))
            w.appendLengthPrefixed(pointer.key)
        }
        for deleted in deletedFiles {
            w.appendVarint32(Tag.deletedFile.rawValue)
            w.appendVarint32(UInt32(deleted.level))
            w.appendVarint64(deleted.number)
        }
        for (level, file) in newFiles {
            w.appendVarint32(Tag.newFile.rawValue)
            w.appendVarint32(UInt32(level))
            w.appendVarint64(file.number)
            w.appendVarint64(UInt64(file.size))
            w.appendLengthPrefixed(file.smallest)
            w.appendLengthPrefixed(file.largest)
        }
        return w.bytes
    }

    /// Decodes one MANIFEST record.
    /// - Throws: ``LSMKVError/corruption(file:offset:reason:)`` naming the manifest and the offset of the bad field.
    static func decode(_ bytes: [UInt8], file: String, offset: Int) throws -> VersionEdit {
        var r = ByteReader(bytes, file: file, baseOffset: offset)
        var edit = VersionEdit()
        func level(_ r: inout ByteReader) throws -> Int {
            let at = r.position
            let value = try r.readVarint32()
            guard value < levelCount else { throw r.corruption("level \(value) out of range", at: at) }
            return Int(value)
        }
        func internalKey(_ r: inout ByteReader) throws -> [UInt8] {
            let at = r.position
            let key = try r.readLengthPrefixed()
            guard key.count >= 8 else { throw r.corruption("internal key shorter than 8 bytes", at: at) }
            return key
        }
        while !r.isAtEnd {
            let tagOffset = r.position
            let rawTag = try r.readVarint32()
            guard let tag = Tag(rawValue: rawTag) else {
                throw r.corruption("unknown version edit tag \(rawTag)", at: tagOffset)
            }
            switch tag {
            case .comparator:
                edit.comparatorName = String(decoding: try r.readLengthPrefixed(), as: UTF8.self)
            case .logNumber: edit.logNumber = try r.readVarint64()
            case .previousLogNumber: edit.previousLogNumber = try r.readVarint64()
            case .nextFileNumber: edit.nextFileNumber = try r.readVarint64()
            case .lastSequence: edit.lastSequence = try r.readVarint64()
            case .compactPointer:
                edit.compactPointers.append((try level(&r), try internalKey(&r)))
            case .deletedFile:
                edit.deletedFiles.append((try level(&r), try r.readVarint64()))
            case .newFile:
                let l = try level(&r)
                let number = try r.readVarint64()
                let sizeOffset = r.position
                let size = try r.readVarint64()
                guard size <= UInt64(Int.max) else { throw r.corruption("file size out of range", at: sizeOffset) }
                let file = FileMetadata(
                    number: number, size: Int(size), smallest: try internalKey(&r), largest: try internalKey(&r))
                edit.newFiles.append((l, file))
            }
        }
        return edit
    }
}
