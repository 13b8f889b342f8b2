import JSON

/// Checks JSON values against resolved types with the semantics and texts of QEMU's QObject input visitor.
///
/// Object members are visited in schema order (a union's base, then its branch) and an unexpected member is
/// reported only after all declared ones passed, so the first error is the one QEMU would report.
struct ValueValidator {
    let table: TypeTable

    /// Checks `value` against the type at `type`; `path` locates it for error texts.
    func validate(_ value: JSONValue, as type: Int, at path: inout ValuePath) throws(QAPIValidationError) {
        switch table[type] {
        case .builtin(let builtin):
            try checkBuiltin(builtin, value, at: path)
        case .enumeration(let enumeration):
            try checkEnum(enumeration, value, at: path)
        case .array(_, let element):
            try checkArray(value, element: element, at: &path)
        case .object(let object):
            guard case .object(let members) = value else {
                throw .invalidType(path.fullName, expected: "object")
            }
            try checkObject(members, object, at: &path)
        case .alternate(let alternate):
            guard let branch = alternate.branchByKind[JSONKind(of: value)] else {
                throw .invalidType(path.leafName, expected: alternate.name)
            }
            try validate(value, as: branch, at: &path)
        }
    }

    /// Checks the members of an object value (also the top level of arguments and event data).
    func checkObject(_ object: JSONObject, _ type: ObjectType, at path: inout ValuePath) throws(QAPIValidationError) {
        var visited = 0
        try checkMembers(object, type, at: &path, visited: &visited)
        guard visited < object.count, !type.allowsExtraMembers else { return }
        if let extra = object.keys.first(where: { !accepts($0, type, in: object) }) {
            throw .unexpected(path.fullName(ofMember: extra))
        }
    }

    private func checkMembers(_ object: JSONObject, _ type: ObjectType, at path: inout ValuePath, visited: inout Int)
        throws(QAPIValidationError)
    {
        for member in type.members {
            guard let value = object[member.name] else {
                if member.isOptional { continue }
                throw .missing(path.fullName(ofMember: member.name))
            }
            visited += 1
            path.push(.member(member.name))
            try validate(value, as: member.type, at: &path)
            path.pop()
        }
        if let branch = branch(of: type, in: object) {
            try checkMembers(object, branch, at: &path, visited: &visited)
        }
    }

    /// The union branch selected by the (already checked) tag member.
    private func branch(of type: ObjectType, in object: JSONObject) -> ObjectType? {
        guard let variants = type.variants, case .string(let tag)? = object[variants.tag],
            let index = variants.typeByValue[tag]
        else { return nil }
        return table.object(index)
    }

    /// Whether `key` is a member of `type` or of the branch the object selects.
    private func accepts(_ key: String, _ type: ObjectType, in object: JSONObject) -> Bool {
        if type.memberNames.contains(key) { return true }
        guard let branch = branch(of: type, in: object) else { return false }
        return accepts(key, branch, in: object)
    }

    private func checkArray(_ value: JSONValue, element: Int, at path: inout ValuePath) throws(QAPIValidationError) {
        guard case .array(let elements) = value else { throw .invalidType(path.fullName, expected: "array") }
        for (index, item) in elements.enumerated() {
            path.push(.index(index))
            try validate(item, as: element, at: &path)
            path.pop()
        }
    }

    private func checkEnum(_ type: EnumType, _ value: JSONValue, at path: ValuePath) throws(QAPIValidationError) {
        guard case .string(let text) = value else { throw .invalidType(path.fullName, expected: "string") }
        guard type.valueNames.contains(text) else { throw .enumValue(path.leafName, value: text) }
    }

    private func checkBuiltin(_ builtin: QAPIBuiltin, _ value: JSONValue, at path: ValuePath)
        throws(QAPIValidationError)
    {
        switch builtin {
        case .any:
            return
        case .str, .bool, .null, .number:
            guard JSONKind(of: value) == builtin.jsonKind else {
                throw .invalidType(path.fullName, expected: builtin.jsonType)
            }
        case .int, .int64, .int8, .int16, .int32:
            try checkSigned(builtin, value, at: path)
        case .uint8, .uint16, .uint32, .uint64, .size:
            try checkUnsigned(builtin, value, at: path)
        }
    }

    /// QEMU's int64 reader takes integers in `Int64` range only; int8…int32 then check their range.
    private func checkSigned(_ builtin: QAPIBuiltin, _ value: JSONValue, at path: ValuePath)
        throws(QAPIValidationError)
    {
        guard case .int(let number) = value else { throw .invalidType(path.fullName, expected: "integer") }
        if let range = builtin.integerRange, let cType = builtin.cTypeName,
            number < range.min || number > Int64(range.max)
        {
            throw .invalidValue(path.leafName, expects: cType)
        }
    }

    /// QEMU's uint64 reader takes any integer up to `UInt64.max`, wrapping negative ones; uint8…uint32
    /// then check the wrapped value's range.
    private func checkUnsigned(_ builtin: QAPIBuiltin, _ value: JSONValue, at path: ValuePath)
        throws(QAPIValidationError)
    {
        guard let number = value.wrappingUInt64Value else { throw .invalidValue(path.fullName, expects: "uint64") }
        if let range = builtin.integerRange, let cType = builtin.cTypeName, number > range.max {
            throw .invalidValue(path.leafName, expects: cType)
        }
    }
}
