#!/bin/sh
# Regenerates everything derived from schema/*.json: the embedded copy compiled into the binaries
# (Sources/QAPI/Embedded/*.swift), the generated Swift types and their JSON mapping (SwiftGenerationPlan: e.g.
# Sources/Migration/Model/Generated, Sources/Monitor/Generated) and the QMP reference (docs/qmp-reference.md).
# Run after editing a schema file; the QAPITests fail until the generated files match.
set -eu
cd "$(dirname "$0")/.."
swift build --product qapi-gen
bin="$(swift build --show-bin-path)/qapi-gen"
"$bin" embed
"$bin" swift
"$bin" docs
"$bin" check
