// swift-tools-version: 6.2
// The FuzzRequestPath libFuzzer target (FuzzTesting/README.md). Unlike the other targets, which
// compile a few repository files with swiftc, it needs LossAPI with its dependencies (LossKernels,
// HTTPServer, Metrics, Logging), so it is a package of its own that depends on the repository's
// package by path and uses its public API only. FuzzTesting/build.sh builds it with
// `-sanitize=fuzzer,address` applied to every module (so the service's code is instrumented, not
// just the harness); the main package stays free of sanitizer flags.
import PackageDescription

let package = Package(
    name: "FuzzRequestPath",
    dependencies: [.package(name: "lossd", path: "../../..")],
    targets: [
        .executableTarget(
            name: "FuzzRequestPath",
            dependencies: [
                .product(name: "LossAPI", package: "lossd"),
                .product(name: "HTTPServer", package: "lossd"),
            ],
            path: ".",
            exclude: ["Package.swift"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
