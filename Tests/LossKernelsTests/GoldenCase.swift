import Foundation
import LossKernels

/// One case of a Golden/*.json file (schema in generate_golden.py), decoded for the tests.
struct GoldenCase: Sendable, CustomStringConvertible {
    struct Expectation: Sendable {
        var value: Tensor
        /// Expected gradients by tensor name (`grad` in the file is the first differentiable
        /// tensor's, `grad_NAME` the others').
        var gradients: [(name: String, tensor: Tensor)]
    }

    let name: String
    let job: LossJob
    let pytorch: Expectation
    let safe: Expectation?

    var description: String { name }
    var isFloat64: Bool { job.options.dtype == .float64 }

    /// Relative and absolute tolerance: float64 1e-12 (1e-15 absolute floor for values that
    /// cancel to ~0), float32 1e-5 or 1e-6 absolute. linear_cross_entropy sums H- and C-long
    /// products in BLAS's order, not torch's: float64 1e-10, float32 1e-4 (issue 14).
    var tolerance: (relative: Double, absolute: Double) {
        if job.name == .linearCrossEntropy { return isFloat64 ? (1e-10, 1e-13) : (1e-4, 1e-6) }
        return isFloat64 ? (1e-12, 1e-15) : (1e-5, 1e-6)
    }

    /// Every case of every Golden/*.json file, loaded once from the test bundle.
    static let all: [GoldenCase] = {
        guard let folder = Bundle.module.url(forResource: "Golden", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        else { return [] }
        return files.filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
            .flatMap { url -> [GoldenCase] in
                guard let data = try? Data(contentsOf: url),
                      let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let cases = root["cases"] as? [[String: Any]]
                else { return [] }
                return cases.compactMap(GoldenCase.init(json:))
            }
    }()

    init?(json c: [String: Any]) {
        guard let name = c["name"] as? String, let loss = (c["loss"] as? String).flatMap(LossName.init(rawValue:)),
              let expected = c["expected"] as? [String: Any],
              let torch = Self.expectation(expected["pytorch"], Loss.descriptor(loss))
        else { return nil }
        var options = LossOptions()
        for (key, value) in (c["options"] as? [String: Any]) ?? [:] {
            // JSON numbers and booleans both arrive as NSNumber: the option's domain says which.
            let v: OptionValue
            switch (value, Loss.descriptor(loss).option(key)?.domain) {
            case (let s as String, _): v = .string(s)
            case (let n as NSNumber, .boolean?): v = .bool(n.boolValue)
            case (let n as NSNumber, .integer?): v = .int(n.int64Value)
            case (let n as NSNumber, _): v = .double(n.doubleValue)
            default: return nil
            }
            guard (try? options.set(key, to: v, for: loss)) != nil else { return nil }
        }
        self.name = name
        var tensors: [String: Tensor] = [:]
        for spec in Loss.descriptor(loss).tensors { tensors[spec.name] = Self.tensor(c[spec.name]) }
        job = LossJob(name: loss, tensors: tensors, gradOutput: Self.tensor(c["grad_output"]), options: options)
        pytorch = torch
        safe = Self.expectation(expected["safe"], Loss.descriptor(loss))
    }

    private static func expectation(_ any: Any?, _ descriptor: LossDescriptor) -> Expectation? {
        guard let e = any as? [String: Any], let v = tensor(e["value"]) else { return nil }
        let gradients = descriptor.differentiable.compactMap { spec in
            tensor(e[descriptor.gradientName(of: spec.name)]).map { (spec.name, $0) }
        }
        guard !gradients.isEmpty else { return nil }
        return Expectation(value: v, gradients: gradients)
    }

    /// `{"shape", "dtype", "data"}` with non-finite numbers as strings.
    static func tensor(_ any: Any?) -> Tensor? {
        guard let t = any as? [String: Any], let shape = t["shape"] as? [Int], let data = t["data"] as? [Any],
              let dtype = t["dtype"] as? String
        else { return nil }
        let values: [Double] = data.map { item in
            switch item {
            case let s as String: return s == "NaN" ? .nan : s == "Infinity" ? .infinity : -.infinity
            case let n as NSNumber: return n.doubleValue
            default: return .nan
            }
        }
        switch dtype {
        case "float32": return Tensor(shape: shape, float32: values.map { Float($0) })
        case "float64": return Tensor(shape: shape, float64: values)
        default: return Tensor(shape: shape, int64: values.map { Int64($0) })
        }
    }
}
