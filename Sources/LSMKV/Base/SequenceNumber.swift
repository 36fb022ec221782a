/// A write's position in history: every write gets the next number, and a read at sequence `s` sees exactly
/// the writes numbered `<= s`. 56 bits, as in LevelDB.
public typealias SequenceNumber = UInt64
