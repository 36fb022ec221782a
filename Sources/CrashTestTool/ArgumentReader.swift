import VFS

extension CrashTestCommand {
    /// Reads a command's arguments one at a time, with the typed option values every command shares.
    struct ArgumentReader {
        let arguments: [String]
        private(set) var index = 0

        init(_ arguments: [String]) { self.arguments = arguments }

        /// The next argument, or nil at the end.
        mutating func next() -> String? {
            guard index < arguments.count else { return nil }
            defer { index += 1 }
            return arguments[index]
        }

        /// The value of `option`: the next argument.
        mutating func value(_ option: String) throws(UsageError) -> String {
            guard let value = next() else { throw UsageError(description: "\(option) needs a value") }
            return value
        }

        /// A `--seed`-like value: a whole number >= 0.
        mutating func seed(_ option: String) throws(UsageError) -> UInt64 {
            let text = try value(option)
            guard let seed = UInt64(text) else {
                throw UsageError(description: "\(option) needs a whole number >= 0, got \"\(text)\"")
            }
            return seed
        }

        /// A `--duration`-like value: a positive number of seconds.
        mutating func seconds(_ option: String) throws(UsageError) -> Double {
            let text = try value(option)
            guard let seconds = Double(text), seconds > 0 else {
                throw UsageError(description: "\(option) needs a positive number of seconds, got \"\(text)\"")
            }
            return seconds
        }

        /// A `--cycles`-like value: a positive whole number.
        mutating func positive(_ option: String) throws(UsageError) -> Int {
            let text = try value(option)
            guard let number = Int(text), number > 0 else {
                throw UsageError(description: "\(option) needs a positive whole number, got \"\(text)\"")
            }
            return number
        }

        /// A `--model` value: a crash model's name, or `all` for every one.
        mutating func models(_ option: String) throws(UsageError) -> [CrashModel] {
            let text = try value(option)
            if text == "all" { return CrashModel.allCases }
            guard let model = CrashModel(rawValue: text) else {
                throw UsageError(
                    description: "\(option) needs process-crash, power-loss, strict or all, got \"\(text)\"")
            }
            return [model]
        }
    }
}
