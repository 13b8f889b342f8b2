/// QEMU's option syntax (QemuOpts, as in `-device vfio-pci,id=gpu0,x-p2p`): items separated by single commas, `,,`
/// a literal comma inside an item, `key=value` items, a bare first item naming the implied first key (the driver)
/// and a bare later item meaning `item=on`.
///
/// Empty items behave as in QEMU's `opts_do_parse`: one trailing comma ends the list (no empty last item), an
/// empty first item is the implied key with an empty value, and an empty text has no items.
package enum QEMUOptionList {
    /// The `key=value` pairs of `text` in order (a later key does not replace an earlier one here).
    package static func pairs(_ text: String, impliedFirstKey: String) -> [(key: String, value: String)] {
        items(text).enumerated().map { index, item in
            guard let equals = item.firstIndex(of: "=") else {
                return index == 0 ? (impliedFirstKey, item) : (item, "on")
            }
            return (String(item[..<equals]), String(item[item.index(after: equals)...]))
        }
    }

    /// The items of `text`, with `,,` turned into `,`.
    package static func items(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var items: [String] = []
        var current = ""
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            guard character == "," else {
                current.append(character)
                continue
            }
            if characters.first == "," {
                characters.removeFirst()
                current.append(",")
            } else {
                items.append(current)
                current = ""
                if characters.isEmpty { return items }
            }
        }
        items.append(current)
        return items
    }
}
