/// A shell-style pattern over paths: `*` matches any run of characters (including none), `?` exactly one,
/// everything else itself. A pattern without `/` is matched against the last component of a path (`*.log`,
/// `MANIFEST-*`, `CURRENT`); a pattern with `/` against the whole path (`/db/*.ldb`).
public struct PathGlob: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let characters: [Character]
    private let matchesWholePath: Bool

    /// Creates a pattern. Every string is a valid pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        characters = Array(pattern)
        matchesWholePath = pattern.contains("/")
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Whether `path` (or its last component, for a pattern without `/`) matches.
    /// - Complexity: O(pattern length × subject length) at worst.
    public func matches(_ path: String) -> Bool {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        let subject = matchesWholePath ? String(trimmed) : Path.name(of: String(trimmed))
        return Self.match(characters[...], Array(subject)[...])
    }

    /// Iterative wildcard matching with single-star backtracking.
    private static func match(_ pattern: ArraySlice<Character>, _ subject: ArraySlice<Character>) -> Bool {
        var p = pattern.startIndex
        var s = subject.startIndex
        var star: Int?
        var starSubject = s
        while s < subject.endIndex {
            if p < pattern.endIndex && (pattern[p] == "?" || pattern[p] == subject[s]) && pattern[p] != "*" {
                p += 1
                s += 1
            } else if p < pattern.endIndex && pattern[p] == "*" {
                star = p
                starSubject = s
                p += 1
            } else if let star {
                p = star + 1
                starSubject += 1
                s = starSubject
            } else {
                return false
            }
        }
        while p < pattern.endIndex && pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }
}
