import QEMUFormats
import Testing

/// QEMU's option syntax, as `opts_do_parse` reads it: the one splitter of `-device` text and HMP's `device_add`.
@Suite struct QEMUOptionListTests {
    @Test("commas are escaped by doubling")
    func commaEscape() {
        #expect(QEMUOptionList.items("vfio-pci,id=a,,b,x=1") == ["vfio-pci", "id=a,b", "x=1"])
        #expect(QEMUOptionList.items("a=1,,,b") == ["a=1,", "b"])
    }

    @Test("empty items: a trailing comma ends the list, an empty first item is kept, no text has no items")
    func emptyItems() {
        #expect(QEMUOptionList.items("vfio-pci,id=a,") == ["vfio-pci", "id=a"])
        #expect(QEMUOptionList.items(",id=a") == ["", "id=a"])
        #expect(QEMUOptionList.items("") == [])
        #expect(QEMUOptionList.items(",") == [""])
    }

    @Test("a bare first item is the implied key, a bare later one means on")
    func pairs() {
        let pairs = QEMUOptionList.pairs("vfio-pci,id=gpu0,x-p2p,note=a=b", impliedFirstKey: "driver")
        #expect(pairs.map(\.key) == ["driver", "id", "x-p2p", "note"])
        #expect(pairs.map(\.value) == ["vfio-pci", "gpu0", "on", "a=b"])
    }
}
