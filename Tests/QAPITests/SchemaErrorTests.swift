import QAPI
import Testing

/// One malformed schema and the exact error that names its file and entry.
struct SchemaErrorCase: CustomTestStringConvertible, Sendable {
    let text: String
    let expected: String
    let label: String

    init(_ label: String, _ text: String, _ expected: String) {
        self.label = label
        self.text = text
        self.expected = expected
    }

    var testDescription: String { label }
}

/// A malformed schema file must fail with a message that names the file and the entry.
@Suite struct SchemaErrorTests {
    static let cases: [SchemaErrorCase] = [
        SchemaErrorCase("not JSON", "[{\"command\": }]", "bad.json: invalid JSON: JSON parse error, expecting value"),
        SchemaErrorCase("not an array", "{}", "bad.json: must hold one JSON array of entries"),
        SchemaErrorCase("two values", "[] []", "bad.json: has text after its top-level array"),
        SchemaErrorCase("empty", " ", "bad.json: is empty"),
        SchemaErrorCase("entry not an object", "[1]", "bad.json: entry #1: must be a JSON object"),
        SchemaErrorCase(
            "no meta key", #"[{"doc": "d"}]"#,
            "bad.json: entry #1: must have exactly one of the keys command, event, struct, enum, alternate, union, section"),
        SchemaErrorCase(
            "unknown member type", #"[{"command": "migrate", "since": "1", "doc": "d", "data": {"uri": "Foo"}}]"#,
            "bad.json: command 'migrate': member 'uri': unknown type 'Foo'"),
        SchemaErrorCase(
            "unknown return type", #"[{"command": "c", "since": "1", "doc": "d", "returns": ["Nope"]}]"#,
            "bad.json: command 'c': 'returns': unknown type 'Nope'"),
        SchemaErrorCase(
            "missing doc", #"[{"command": "c", "since": "1"}]"#, "bad.json: command 'c': 'doc' is missing"),
        SchemaErrorCase(
            "missing since", #"[{"event": "E", "doc": "d"}]"#, "bad.json: event 'E': 'since' is missing"),
        SchemaErrorCase(
            "misspelt key", #"[{"command": "c", "since": "1", "doc": "d", "retruns": "str"}]"#,
            "bad.json: command 'c': unknown key 'retruns'"),
        SchemaErrorCase(
            "unknown key in member", #"[{"struct": "S", "since": "1", "doc": "d", "data": {"a": {"type": "str", "dco": ""}}}]"#,
            "bad.json: struct 'S': member 'a': unknown key 'dco'"),
        SchemaErrorCase(
            "bad command name", #"[{"command": "Migrate", "since": "1", "doc": "d"}]"#,
            "bad.json: command 'Migrate': invalid command name"),
        SchemaErrorCase(
            "builtin as type name", #"[{"enum": "int", "since": "1", "doc": "d", "data": ["a"]}]"#,
            "bad.json: enum 'int': invalid enum name"),
        SchemaErrorCase(
            "bad member name", #"[{"struct": "S", "since": "1", "doc": "d", "data": {"Bad": "str"}}]"#,
            "bad.json: struct 'S': invalid member name 'Bad'"),
        SchemaErrorCase(
            "array of two", #"[{"struct": "S", "since": "1", "doc": "d", "data": {"a": ["str", "int"]}}]"#,
            "bad.json: struct 'S': member 'a': an array type must hold exactly one type name"),
        SchemaErrorCase(
            "duplicate enum value", #"[{"enum": "E", "since": "1", "doc": "d", "data": ["a", "a"]}]"#,
            "bad.json: enum 'E': duplicate value"),
        SchemaErrorCase(
            "base cycle",
            #"[{"struct": "A", "base": "B", "since": "1", "doc": "d", "data": {}}, {"struct": "B", "base": "A", "since": "1", "doc": "d", "data": {}}]"#,
            "bad.json: struct 'A': its base refers back to itself"),
        SchemaErrorCase(
            "member clashes with base",
            #"[{"struct": "A", "since": "1", "doc": "d", "data": {"x": "str"}}, {"struct": "B", "base": "A", "since": "1", "doc": "d", "data": {"x": "int"}}]"#,
            "bad.json: struct 'B': member 'x' is declared twice (check the base)"),
        SchemaErrorCase(
            "ambiguous alternate",
            #"[{"enum": "E", "since": "1", "doc": "d", "data": ["a"]}, {"alternate": "A", "since": "1", "doc": "d", "data": {"s": "str", "e": "E"}}]"#,
            "bad.json: alternate 'A': branch 'e' takes a JSON string, as an earlier branch does"),
        SchemaErrorCase(
            "discriminator not in base",
            #"[{"enum": "K", "since": "1", "doc": "d", "data": ["a"]}, {"union": "U", "since": "1", "doc": "d", "base": {"kind": "K"}, "discriminator": "type", "data": {}}]"#,
            "bad.json: union 'U': discriminator 'type' is not a member of the base"),
        SchemaErrorCase(
            "branch not a tag value",
            #"[{"enum": "K", "since": "1", "doc": "d", "data": ["a"]}, {"struct": "S", "since": "1", "doc": "d", "data": {}}, {"union": "U", "since": "1", "doc": "d", "base": {"kind": "K"}, "discriminator": "kind", "data": {"b": "S"}}]"#,
            "bad.json: union 'U': branch 'b' is not a value of the discriminator's enum"),
        SchemaErrorCase(
            "gen false with a named struct",
            #"[{"struct": "S", "since": "1", "doc": "d", "data": {}}, {"command": "c", "since": "1", "doc": "d", "data": "S", "gen": false}]"#,
            "bad.json: command 'c': 'gen': false needs the arguments written inline in 'data'"),
        SchemaErrorCase(
            "data names a non-struct",
            #"[{"enum": "E", "since": "1", "doc": "d", "data": ["a"]}, {"command": "c", "since": "1", "doc": "d", "data": "E"}]"#,
            "bad.json: command 'c': 'E' is not a struct or union"),
    ]

    @Test(arguments: cases)
    func malformedFileIsNamed(_ check: SchemaErrorCase) {
        #expect(TestSupport.loadError([(name: "bad.json", text: check.text)]) == check.expected)
    }

    @Test func duplicateAcrossFilesNamesBoth() {
        let entry = #"[{"struct": "A", "since": "1", "doc": "d", "data": {}}]"#
        #expect(
            TestSupport.loadError([(name: "a.json", text: entry), (name: "b.json", text: entry)])
                == "b.json: struct 'A': name already used by struct 'A' in a.json")
    }

    @Test func typesResolveAcrossFiles() {
        let user = #"[{"command": "c", "since": "1", "doc": "d", "returns": "T"}]"#
        let type = #"[{"struct": "T", "since": "1", "doc": "d", "data": {}}]"#
        #expect(TestSupport.loadError([(name: "a.json", text: user), (name: "b.json", text: type)]) == nil)
    }
}
