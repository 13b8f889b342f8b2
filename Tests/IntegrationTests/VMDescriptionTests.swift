import JSON
import Migration
import Testing

/// The vmdesc trailer's JSON: QEMU's shape, and no NUL byte whatever an idstr holds (QEMU's script finds the JSON
/// after the last NUL of the file).
@Suite struct VMDescriptionTests {
    @Test func describesFullSectionsAsOldStyleBuffers() throws {
        let idstr = "0000:00:05.0/vfio\u{1}\"\\é"
        var description = VMDescription()
        description.addSection(idstr: idstr, instanceID: 2, size: 24)
        let text = Array(description.json().utf8)
        #expect(!text.contains(0))
        var decoder = JSONStreamDecoder()
        decoder.feed(text)
        decoder.finish()
        guard case .value(let json)? = decoder.next() else { Issue.record("not JSON: \(description.json())"); return }
        #expect(json.objectValue?.keys.elementsEqual(["configuration", "page_size", "devices"]) == true)
        #expect(json["page_size"] == 4096)
        let device = try #require(json["devices"]?.arrayValue?.first)
        #expect(device["name"]?.stringValue == idstr)
        #expect(device["instance_id"] == 2 && device["size"] == 24)
        #expect(device["fields"] == [["name": "data", "size": 24, "type": "buffer"]])
        #expect(json["configuration"]?["subsections"]?.arrayValue?.first?["vmsd_name"] == "configuration/vmig")
    }
}
