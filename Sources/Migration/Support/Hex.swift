/// `%x` formatting.
func hex<T: BinaryInteger>(_ value: T) -> String {
    String(value, radix: 16)
}
