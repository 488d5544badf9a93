// swift-tools-version: 6.2
// zlib throughput and ratio on lossd-like float JSON, through lossd's own Deflater/Inflater.
// Separate package so that `swift build` at the root stays lean. Run: scripts/bench-zlib.sh
import PackageDescription

let package = Package(
    name: "ZlibBench",
    dependencies: [.package(name: "lossd", path: "../..")],
    targets: [
        .executableTarget(
            name: "ZlibBench",
            dependencies: [.product(name: "HTTPServer", package: "lossd")]
        )
    ]
)
