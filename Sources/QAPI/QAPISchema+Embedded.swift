extension QAPISchema {
    /// The schema compiled into the binary (``EmbeddedSchema``, generated from `schema/` by `qapi-gen embed`).
    ///
    /// Loaded on first use. The tests load it, so a schema that does not load never ships.
    package static let embedded: QAPISchema = {
        do {
            return try QAPISchema(files: EmbeddedSchema.files)
        } catch {
            fatalError("the embedded QAPI schema does not load: \(error)")
        }
    }()
}
