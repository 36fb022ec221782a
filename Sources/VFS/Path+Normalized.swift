extension Path {
    /// `path` in the canonical form the simulated file system keys its entries by: absolute, `/`-separated,
    /// without empty or `.` components, with `..` resolved and without a trailing slash (`"/"` for the root).
    ///
    /// A relative path is taken relative to the root, so `"db/x"`, `"/db/x"`, `"/db//x/"` and `"/db/./x"` are
    /// all `"/db/x"`.
    /// - Complexity: O(length of `path`).
    public static func normalized(_ path: String) -> String {
        if isNormalized(path) { return path }
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// Whether `path` is already in the form ``normalized(_:)`` gives (the common case, checked without allocating).
    static func isNormalized(_ path: String) -> Bool {
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        var bytes = path.utf8.makeIterator()
        guard bytes.next() == slash else { return false }
        var length = 0
        var dots = 0
        var empty = true
        while let byte = bytes.next() {
            empty = false
            if byte == slash {
                if length == 0 || (dots == length && length <= 2) { return false }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == dot { dots += 1 }
            }
        }
        return empty || (length > 0 && !(dots == length && length <= 2))
    }
}
