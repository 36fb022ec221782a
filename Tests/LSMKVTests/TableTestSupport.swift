@testable import LSMKV

/// An internal key for tests.
func ikey(_ user: String, _ sequence: SequenceNumber = 1, _ type: ValueType = .value) -> [UInt8] {
    InternalKey.encode(userKey: Array(user.utf8), sequence: sequence, type: type)
}
