import Foundation

/// The `.scenario` files of a directory, parsed.
public struct ScenarioCatalog: Sendable {
    /// The directory read.
    public var directory: String
    /// The scenarios, sorted by name.
    public var scenarios: [Scenario]

    /// Why scenarios could not be loaded.
    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case notFound(searched: [String])
        case unreadable(path: String, reason: String)
        case invalid(ScenarioParseError)
        case nameMismatch(file: String, name: String)

        public var description: String {
            switch self {
            case .notFound(let searched):
                return "no FaultScenarios directory found (looked in \(searched.joined(separator: ", "))); "
                    + "run from the package root or name scenario files explicitly"
            case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
            case .invalid(let error): return "\(error)"
            case .nameMismatch(let file, let name):
                return "\(file): the scenario is named \"\(name)\"; name the file \(name).scenario"
            }
        }
    }

    /// Finds `FaultScenarios/` in the current directory, or in the package root above the executable
    /// (`<root>/.build/<config>/crashtest`).
    public static func locate(executable: String?) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/FaultScenarios"]
        if let executable {
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            for _ in 0..<5 {
                url = url.deletingLastPathComponent()
                candidates.append(url.path + "/FaultScenarios")
            }
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Loads every `*.scenario` file in `directory`.
    /// - Throws: ``LoadError`` for the first file that cannot be read or parsed.
    public static func load(directory: String) throws(LoadError) -> ScenarioCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadable(path: directory, reason: error.localizedDescription)
        }
        var scenarios: [Scenario] = []
        for name in names.sorted() where name.hasSuffix(".scenario") {
            scenarios.append(try loadFile(directory + "/" + name))
        }
        return ScenarioCatalog(directory: directory, scenarios: scenarios)
    }

    /// Loads one scenario file; its `name:` must match the file name.
    /// - Throws: ``LoadError`` when it cannot be read or parsed.
    public static func loadFile(_ path: String) throws(LoadError) -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let file = URL(fileURLWithPath: path).lastPathComponent
        let scenario: Scenario
        do {
            scenario = try Scenario.parse(text, file: file)
        } catch {
            throw .invalid(error)
        }
        if file.hasSuffix(".scenario"), file != scenario.name + ".scenario" {
            throw .nameMismatch(file: file, name: scenario.name)
        }
        return scenario
    }
}
