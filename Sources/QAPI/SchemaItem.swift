/// One element of a schema file: a definition, or a `section` heading that groups the ones after it.
enum SchemaItem: Sendable {
    /// `{"section": "Migration", "doc": "..."}`: a heading for the generated reference.
    case section(title: String, doc: String?, file: String)
    case definition(Definition)
}
