extension Path {
    /// `path` in the canonical form the simulated file system keys its entries by: absolute, `/`-separated,
    /// without empty or `.` components, with `..` resolved and without a trailing slash (`"/"` for the root).
    ///
    /// A relative path is taken relative to the root, so `"db/x"`, `"/db/x"`, `"/db//x/"` and `"/db/./x"` are
    /// all `"/db/x"`.
    /// - Complexity: O(length of `path`).
    public static func normalized(_ path: String) -> String {
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
}
