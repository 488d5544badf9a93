// swift-tools-version: 6.2
// lossd: an HTTP/1.1 loss-computation service. The targets follow shared/DESIGN.md, and the
// dependency arrows below are the only imports allowed (CI builds with
// `--explicit-target-dependency-import-check error`, so a stray import fails the build):
//
//   lossd ─> LossAPI ─┬─> LossKernels ─> CBLAS  (pure math, no Foundation, no I/O; CBLAS: system
//                     │                           library over OpenBLAS, libopenblas-dev, on Linux;
//                     │                           Accelerate on macOS)
//                     ├─> TensorCodecs           (JSON numbers and arrays, safetensors, number
//                     │                           spelling; knows no HTTP and no losses)
//                     └─> HTTPServer ─┬─> CZlib   (system library: zlib1g-dev)
//                                     └─> COpenSSL (system library: libssl-dev)
//   lossd ─> CMalloc (glibc's <malloc.h>: mallopt for the buffer cache; nothing to install)
import Foundation
import PackageDescription

/// Settings shared by every target (applied in the loop at the bottom).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The CPU class LossKernels is compiled for. Its vector loops are written with 8-lane SIMD types;
/// on the x86-64 baseline (SSE2) each is two 4-lane instructions and the exp polynomial runs out of
/// registers, with AVX2 (`haswell`, 2013 on) one instruction: the fused cross entropy ran 1.7x
/// faster here (scripts/bench-kernels.sh). Default: `haswell` when the build machine has AVX2, FMA,
/// BMI2, F16C and MOVBE, the baseline otherwise; `LOSSD_TARGET_CPU=baseline` (or another LLVM CPU
/// name) overrides it, e.g. for an image that must run on older machines. Only LossKernels gets the
/// flag (it imports no Foundation, which the flag broke); the executable is built for the baseline
/// and refuses to start, naming the missing features, on a CPU that lacks them (`CPUSupport`).
let kernelTargetCPU: String? = {
    if let chosen = Context.environment["LOSSD_TARGET_CPU"] { return chosen == "baseline" || chosen.isEmpty ? nil : chosen }
    #if arch(x86_64) && os(Linux)
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = Set(info.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
    return ["avx2", "fma", "bmi2", "f16c", "movbe"].allSatisfy(flags.contains) ? "haswell" : nil
    #else
    return nil
    #endif
}()

let package = Package(
    name: "lossd",
    products: [
        .executable(name: "lossd", targets: ["lossd"]),
        .library(name: "LossKernels", targets: ["LossKernels"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "TensorCodecs", targets: ["TensorCodecs"]),
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
        .systemLibrary(name: "CMalloc"),
        // The linear head's matrix products (linear_cross_entropy). Accelerate on Apple platforms.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "LossKernels",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))],
            swiftSettings: (kernelTargetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])
                + (kernelTargetCPU == "haswell" ? [.define("LOSSD_KERNELS_FMA")] : [])
        ),
        .target(name: "HTTPServer", dependencies: ["CZlib", "COpenSSL"]),
        .target(name: "TensorCodecs"),
        .target(
            name: "LossAPI",
            dependencies: [
                "LossKernels", "TensorCodecs", "HTTPServer",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "lossd",
            dependencies: [
                "LossAPI", "HTTPServer", "LossKernels", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: kernelTargetCPU == "haswell" ? [.define("LOSSD_KERNELS_HASWELL")] : []
        ),
        .executableTarget(name: "KernelBenchmark", dependencies: ["LossKernels"], path: "Benchmarks/KernelBenchmark"),
        // linear_cross_entropy beside torch: scripts/bench-lmhead.sh.
        .executableTarget(name: "LMHeadBenchmark", dependencies: ["LossKernels"], path: "Benchmarks/LMHeadBenchmark"),
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

        .testTarget(name: "TensorCodecsTests", dependencies: ["TensorCodecs", "LossTestSupport"]),
        .testTarget(
            name: "LossAPITests", dependencies: ["LossAPI", "LossKernels", "TensorCodecs", "HTTPServer", "LossTestSupport"]
        ),

        .testTarget(name: "lossdTests", dependencies: ["lossd", "LossTestSupport", "CMalloc"]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
