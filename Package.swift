// swift-tools-version: 6.2
// lossd: an HTTP/1.1 loss-computation service. The targets follow shared/DESIGN.md, and the
// dependency arrows below are the only imports allowed (CI builds with
// `--explicit-target-dependency-import-check error`, so a stray import fails the build):
//
//   lossd ─> LossAPI ─┬─> LossKernels            (pure math, no Foundation, no I/O)
//                     └─> HTTPServer ─┬─> CZlib   (system library: zlib1g-dev)
//                                     └─> COpenSSL (system library: libssl-dev)
import PackageDescription

/// Settings shared by every target (applied in the loop at the bottom).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "lossd",
    products: [
        .executable(name: "lossd", targets: ["lossd"]),
        .library(name: "LossKernels", targets: ["LossKernels"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "LossAPI", targets: ["LossAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "LossKernels"),
        .target(name: "HTTPServer", dependencies: ["CZlib", "COpenSSL"]),
        .target(
            name: "LossAPI",
            dependencies: [
                "LossKernels", "HTTPServer",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "lossd",
            dependencies: [
                "LossAPI", "HTTPServer", "LossKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(name: "KernelBenchmark", dependencies: ["LossKernels"], path: "Benchmarks/KernelBenchmark"),
        .target(
            name: "LossTestSupport",
            dependencies: ["LossKernels", "HTTPServer"],
            path: "Tests/LossTestSupport"
        ),
        .testTarget(name: "LossKernelsTests", dependencies: ["LossKernels", "LossTestSupport"],
                    resources: [.copy("Golden")]),

        // Each test target below is enabled by the work that gives it its first test.
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "LossTestSupport"]),
        // GET /healthz and POST /echo over HTTPServer, for scripts/bench-http.sh and loadtest-http.sh.
        .executableTarget(name: "HTTPServerBench", dependencies: ["HTTPServer"], path: "Benchmarks/HTTPServerBench"),

        .testTarget(name: "LossAPITests", dependencies: ["LossAPI", "LossKernels", "HTTPServer", "LossTestSupport"]),

        .testTarget(name: "lossdTests", dependencies: ["lossd", "LossTestSupport"]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
