// swift-tools-version: 6.2
// JSON codec throughput (parse and write of a 1M-float array) next to a memcpy of the same bytes
// and Foundation's JSONSerialization; scripts/bench-codecs.sh adds orjson on the same bytes.
// Separate package so that `swift build` at the root stays lean. Run: scripts/bench-codecs.sh
import PackageDescription

let package = Package(
    name: "CodecBench",
    dependencies: [.package(name: "lossd", path: "../..")],
    targets: [
        .executableTarget(
            name: "CodecBench",
            dependencies: [.product(name: "TensorCodecs", package: "lossd")]
        )
    ]
)
