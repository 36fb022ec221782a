// The libFuzzer entry point for every decoder target. Not a SwiftPM target: `Scripts/fuzz.sh` compiles it with
// `-sanitize=fuzzer,address` against an instrumented build of VFS and LSMKV. The target is chosen by the
// environment variable LSMKV_FUZZ_TARGET (one of `FuzzTarget`'s raw values), which `Scripts/fuzz.sh` sets.

@testable import LSMKV

#if canImport(Glibc)
    import Glibc
#endif

/// The target named by LSMKV_FUZZ_TARGET, read once.
private let selectedTarget: FuzzTarget = {
    let name = getenv("LSMKV_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fatalError("set LSMKV_FUZZ_TARGET to one of: \(names) (got '\(name)')")
    }
    return target
}()

/// Called by libFuzzer with each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget.run(bytes)
    return 0
}
