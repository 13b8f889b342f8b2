import Logging

/// The device model's log (label `vmig.vfio`): one warning when a device's save or load thread fails (the engine
/// then logs the failed migration itself).
let vfioLog = Logger(label: "vmig.vfio")
