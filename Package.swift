// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "LSMKV",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VFS", targets: ["VFS"]),
        .library(name: "LSMKV", targets: ["LSMKV"]),
        .library(name: "CrashTest", targets: ["CrashTest"]),
        .executable(name: "lsmkv", targets: ["LSMKVTool"]),
        .executable(name: "crashtest", targets: ["CrashTestTool"]),
    ],
    targets: [
        // The only door to the disk: the FileSystem protocol and its implementations.
        .target(name: "VFS", dependencies: ["CGuardedCopy", "CSyscalls"]),
        // Copies out of file mappings that turn SIGBUS (a truncated or failing file) into an error; our own C.
        .target(name: "CGuardedCopy"),
        // System calls Glibc's Swift module does not export (sync_file_range); our own C.
        .target(name: "CSyscalls"),
        // Hardware CRC-32C (SSE4.2 / aarch64 CRC32) with a runtime CPU check; our own C, not a dependency.
        .target(name: "CCRC32C"),
        // The storage engine. Every byte goes through a VFS.FileSystem.
        .target(name: "LSMKV", dependencies: ["VFS", "CCRC32C", "CSyscalls"]),
        // Workloads, the crash oracle, scenarios and the crash-test runner core.
        .target(name: "CrashTest", dependencies: ["VFS", "LSMKV"]),
        // `lsmkv`, the database command-line tool.
        .executableTarget(name: "LSMKVTool", dependencies: ["LSMKV", "VFS"]),
        // `crashtest`, the crash-test runner; it re-executes itself as the worker process.
        .executableTarget(name: "CrashTestTool", dependencies: ["CrashTest"]),
        // Seeded random numbers, temporary directories and other helpers shared by the test targets.
        .target(name: "TestSupport", dependencies: ["VFS"], path: "Tests/TestSupport"),
        .testTarget(name: "VFSTests", dependencies: ["VFS", "TestSupport"]),
        .testTarget(name: "LSMKVTests", dependencies: ["LSMKV", "VFS", "TestSupport"]),
        // `lsmkv bench` flag parsing and key generation (the benchmark itself needs a release build).
        .testTarget(name: "BenchTests", dependencies: ["LSMKVTool", "TestSupport"]),
        .testTarget(name: "CrashTestTests", dependencies: ["CrashTest", "LSMKV", "VFS", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
