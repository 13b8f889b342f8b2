import JSON

extension MarkdownReference {
    /// The lines of one definition: heading, facts, doc, members, return type, examples.
    func entry(_ definition: Definition) -> [String] {
        var lines = [
            anchor(Self.anchorID(definition.kind, definition.name)),
            "### \(Self.title(definition.kind)) `\(definition.name)`",
            "",
            facts(definition),
            "",
            Self.prose(definition.doc),
        ]
        lines += body(definition.body)
        if !definition.examples.isEmpty {
            lines += ["", "Example:", "", "```"] + definition.examples + ["```"]
        }
        return lines
    }

    private static func title(_ kind: String) -> String {
        kind.prefix(1).uppercased() + kind.dropFirst()
    }

    private func facts(_ definition: Definition) -> String {
        var parts = ["Since \(definition.since)."]
        if !definition.features.isEmpty { parts.append("Features: \(Self.codeList(definition.features)).") }
        if case .command(let command) = definition.body {
            if command.allowOOB { parts.append("Allowed out-of-band.") }
            if command.allowsExtraArguments { parts.append("Takes further members, which its handler checks.") }
        }
        return parts.joined(separator: " ")
    }

    private func body(_ body: Definition.Body) -> [String] {
        switch body {
        case .command(let command):
            let returns = command.returns.map(typeText) ?? "`{}`"
            return data(command.data, heading: "Argument", none: "No arguments.") + ["", "Returns: \(returns)."]
        case .event(let payload):
            return data(payload, heading: "Data member", none: "No data.")
        case .structure(let base, let members):
            let baseLine = base.map { ["", "Base: \(link("struct", $0)) (its members come first)."] } ?? []
            return baseLine + memberTable("Member", members)
        case .enumeration(let values):
            let rows = values.map { "| `\($0.name)` | \(description($0.doc, $0.features)) |" }
            return ["", "| Value | Description |", "|---|---|"] + rows
        case .alternate(let branches):
            return memberTable("Branch", branches)
        case .union(let union):
            return unionLines(union)
        }
    }

    private func data(_ data: Definition.Data?, heading: String, none: String) -> [String] {
        switch data {
        case nil: return ["", none]
        case .named(let name): return ["", "\(heading)s: the members of \(link("struct", name))."]
        case .members(let members): return members.isEmpty ? ["", none] : memberTable(heading, members)
        }
    }

    private func unionLines(_ union: Definition.Union) -> [String] {
        var lines: [String]
        switch union.base {
        case .named(let name): lines = ["", "Base: \(link("struct", name))."]
        case .members(let members): lines = memberTable("Member", members)
        }
        lines += [
            "", "The value of `\(union.discriminator)` selects the members that follow; other values add none.", "",
            "| `\(union.discriminator)` | Members of |", "|---|---|",
        ]
        lines += union.branches.map { "| `\($0.name)` | \(typeText($0.typeExpression)) |" }
        return lines
    }

    private func memberTable(_ heading: String, _ members: [QAPIMember]) -> [String] {
        var lines = ["", "| \(heading) | Type | Description |", "|---|---|---|"]
        for member in members {
            let name = "`\(member.name)`" + (member.isOptional ? " *optional*" : "")
            var text = description(member.doc, member.features)
            if let value = member.defaultValue {
                text += (text.isEmpty ? "" : " ") + "Default: `\(Self.cell(JSONWriter.string(value)))`."
            }
            lines.append("| \(name) | \(typeText(member.typeExpression)) | \(text) |")
        }
        return lines
    }

    private func description(_ doc: String?, _ features: [String]) -> String {
        var text = Self.cell(doc ?? "")
        if !features.isEmpty { text += (text.isEmpty ? "" : " ") + "Features: \(Self.codeList(features))." }
        return text
    }

    private static func codeList(_ names: [String]) -> String {
        names.map { "`\($0)`" }.joined(separator: ", ")
    }
}
