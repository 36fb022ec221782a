import LSMKV

#if canImport(Glibc)
    import Glibc
#endif

exit(LSMKVCommand.main(Array(CommandLine.arguments.dropFirst())))
