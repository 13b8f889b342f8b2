/// Where the validator is inside a value, to name it in errors the way QEMU does.
struct ValuePath {
    enum Component {
        case member(String)
        case index(Int)
    }

    private var components: [Component] = []

    mutating func push(_ component: Component) { components.append(component) }
    mutating func pop() { components.removeLast() }

    /// The full name: `capabilities[0].state`; a top-level member is just its name; the root itself is
    /// `<anonymous>`, as QEMU's `full_name()` spells it.
    var fullName: String { Self.render(components) }

    /// The full name of `member` inside the current value: `capabilities[0].foo`.
    func fullName(ofMember member: String) -> String { Self.render(components + [.member(member)]) }

    /// The name QEMU's range and enum checks print: the member's own name, or `null` for a list element
    /// (and for the root).
    var leafName: String {
        if case .member(let name)? = components.last { return name }
        return "null"
    }

    private static func render(_ components: [Component]) -> String {
        guard !components.isEmpty else { return "<anonymous>" }
        var text = ""
        for component in components {
            switch component {
            case .member(let name): text += text.isEmpty ? name : ".\(name)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
