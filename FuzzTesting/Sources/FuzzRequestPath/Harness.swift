// libFuzzer target for the whole request path of LossService: routing, content negotiation,
// job decoding (JSON, safetensors, OIP v2 JSON and binary, batch), the kernels and the encoders.
//
// Inputs are structure-aware. The first two bytes choose a seed: a valid job of one loss of
// `GET /v1/losses` (read from the service itself, so new losses are covered without editing this
// file) in one wire form (`Job.Form`). The third byte chooses a variant (element types, Accept,
// options sent or not, outputs listed). Every following four bytes are one mutation (`Mutator`)
// of that request's structure: a JSON node set to an extreme number or another type, members
// dropped, duplicated or renamed, arrays truncated or grown, binary data cut or poked and its
// framing recomputed, query options and headers added, the route changed.
//
// Invariants checked on every call (a violation traps, which libFuzzer reports as a crash):
// - the service answers, never traps (ASan reports memory errors);
// - the status is 2xx or 4xx, never 5xx;
// - a 4xx is `application/problem+json` whose body is a JSON object with a string `code`;
// - a 200 JSON body is valid JSON, a 200 binary body a readable safetensors frame (or OIP JSON
//   header), and every
//   element of a batch's `results` is a result or an `{"error": problem}` with a `code`;
// - a seed without mutations is answered 200 (the harness's own seeds are valid requests).
import HTTPServer
import LossAPI
#if canImport(Glibc)
import Glibc
#endif

/// Everything built once: the service, the catalogue, a valid job per loss and the mutator.
struct World: Sendable {
    let service = LossService()
    let jobs: [Job]
    /// Whether each job was found valid when probed (its seeds must then be answered 200).
    let valid: [Bool]
    let mutator: Mutator

    static let shared = World()
    /// Whether every request and answer is printed (`FUZZ_VERBOSE=1`, to look at what a corpus
    /// input does: `FUZZ_VERBOSE=1 .build/FuzzRequestPath input`).
    static let verbose = getenv("FUZZ_VERBOSE") != nil

    init() {
        let losses = Catalogue.read(from: service)
        precondition(!losses.isEmpty, "the catalogue lists no loss")
        var jobs: [Job] = []
        var valid: [Bool] = []
        for loss in losses {
            let (job, ok) = Self.probe(loss, service: service)
            if !ok { print("FuzzRequestPath: found no valid job for \(loss.name); its seeds are fuzzed unchecked") }
            jobs.append(job)
            valid.append(ok)
        }
        self.jobs = jobs
        self.valid = valid
        mutator = Mutator(losses: losses)
    }

    /// A valid job of `loss`, found by trying small shapes until the service answers 200: the
    /// required tensors first (a few shape schemes, each with fractions and then with a floating
    /// `target` of +1/-1 as the margin and embedding losses want; then the CTC layout for losses
    /// with lengths), then each optional tensor and `grad_output` in the first shape accepted, then
    /// every option at its default.
    static func probe(_ loss: LossInfo, service: LossService) -> (Job, Bool) {
        let floats = [0.2, 0.7, 0.4, 0.9, 0.1, 0.6]
        // Each tensor starts at another place of `floats`, so that input and target differ.
        func tensor(_ name: String, integer: Bool, shape: [Int], offset: Int = 0, signs: Bool = false) -> Job.Tensor {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { i -> Double in
                if integer { return Double(i % 3) }
                return signs ? (i % 2 == 0 ? 1 : -1) : floats[(i + offset) % floats.count]
            }
            return .init(name: name, shape: shape, values: values, isInteger: integer)
        }
        func accepted(_ job: Job) -> Bool {
            service.handle(job.draft(.jsonNested, variant: 0, partner: job).request()).status == 200
        }
        let schemes: [(floating: [Int], integer: [Int])] = [([2, 3], [2]), ([6], [6]), ([2, 3], [2, 3]), ([2, 3, 2], [2, 2]), ([], [])]
        let required = loss.tensors.filter(\.required)
        var candidates: [[Job.Tensor]] = []
        // Sign targets take the floating shape (margin_ranking) or one value per row (cosine_embedding).
        for (signs, perRow) in [(false, false), (true, false), (true, true)] {
            for scheme in schemes {
                candidates.append(required.enumerated().map { i, spec in
                    let signTarget = signs && spec.name == "target" && !spec.isInteger
                    let shape = spec.isInteger || (signTarget && perRow) ? scheme.integer : scheme.floating
                    return tensor(spec.name, integer: spec.isInteger, shape: shape, offset: i, signs: signTarget)
                })
            }
        }
        if required.contains(where: { $0.role == "lengths" }) { candidates.append(ctcTensors(required)) }
        var job = Job(loss: loss, tensors: [], options: [])
        guard let first = candidates.first(where: { job.tensors = $0; return accepted(job) }) else {
            job.tensors = candidates[0]
            return (job, false)
        }
        job.tensors = first
        let optional = loss.tensors.filter { !$0.required } + [LossInfo.TensorInfo(name: "grad_output", role: "floating", required: false)]
        for info in optional {
            for shape in [[], [3], [2], [2, 3], [6]] {
                var candidate = job
                candidate.tensors.append(tensor(info.name, integer: info.isInteger, shape: shape))
                if accepted(candidate) { job = candidate; break }
            }
        }
        for option in loss.options {
            var candidate = job
            candidate.options.append((option.name, option.defaultValue))
            if accepted(candidate) { job = candidate }
        }
        return (job, true)
    }

    /// The CTC layout, by role: log-probabilities (T=4, N=2, C=3) of a uniform distribution,
    /// targets (N, S=2) that avoid blank 0, input lengths T and target lengths S.
    static func ctcTensors(_ required: [LossInfo.TensorInfo]) -> [Job.Tensor] {
        required.map { spec in
            switch spec.role {
            case "lengths":
                let length = spec.name.hasPrefix("input") ? 4.0 : 2.0
                return .init(name: spec.name, shape: [2], values: [length, length], isInteger: true)
            case "class_indices", "class_indices_or_probabilities":
                return .init(name: spec.name, shape: [2, 2], values: [1, 2, 2, 1], isInteger: true)
            default:
                return .init(name: spec.name, shape: [4, 2, 3], values: Array(repeating: -1.0986123, count: 24), isInteger: false)
            }
        }
    }

    /// The number of seeds: every job in every form.
    var seedCount: Int { jobs.count * Job.Form.allCases.count }

    /// Seed `index` in `variant`, with the job it comes from.
    func seed(_ index: Int, variant: UInt8) -> (draft: Draft, valid: Bool) {
        let job = index / Job.Form.allCases.count
        let form = Job.Form.allCases[index % Job.Form.allCases.count]
        let partner = (job + 1) % jobs.count
        return (jobs[job].draft(form, variant: variant, partner: jobs[partner]), valid[job] && valid[partner])
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestPath(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = UnsafeBufferPointer(start: start, count: count)
    guard count >= 3 else { return 0 }
    let world = World.shared
    let index = (Int(input[0]) << 8 | Int(input[1])) % world.seedCount
    var (draft, valid) = world.seed(index, variant: input[2])
    let operations = input[3...]
    world.mutator.apply(ArraySlice(operations), to: &draft)
    let request = draft.request()
    let response = world.service.handle(request)
    if World.verbose {
        print("\(request.method) \(request.target) \(String(decoding: request.body.prefix(400), as: UTF8.self))\n  -> \(response.status) \(String(decoding: response.body.prefix(400), as: UTF8.self))")
    }
    Checks.verify(response, to: request, unmutatedValidSeed: valid && operations.count < 4)
    return 0
}

/// The invariants every answer must hold.
enum Checks {
    static func verify(_ response: Response, to request: Request, unmutatedValidSeed: Bool) {
        func fail(_ what: String) -> Never {
            let body = String(decoding: response.body.prefix(600), as: UTF8.self)
            let sent = String(decoding: request.body.prefix(600), as: UTF8.self)
            fatalError("\(what): \(request.method) \(request.target) -> \(response.status) \(body)\n  request body: \(sent)")
        }
        guard response.status < 500 else { fail("a 5xx answer") }
        guard (200..<300).contains(response.status) || (400..<500).contains(response.status) else { fail("an unexpected status") }
        if unmutatedValidSeed && response.status != 200 { fail("a valid seed was refused") }
        let contentType = response.headers["Content-Type"] ?? ""
        if response.status >= 400 {
            guard contentType == "application/problem+json" else { fail("a 4xx that is not problem+json") }
            guard let problem = MiniJSON.parse(response.body), problem["code"]?.stringValue != nil else { fail("a problem without code") }
            return
        }
        if request.method == "HEAD" { return }
        if contentType.hasPrefix("application/json") {
            guard let document = MiniJSON.parse(response.body) else { fail("a 2xx JSON body that does not parse") }
            if request.path == "/v1/batch", request.method == "POST" {
                guard let results = document["results"]?.arrayValue else { fail("a batch answer without results") }
                for result in results {
                    guard case .object = result else { fail("a batch result that is not an object") }
                    if let error = result["error"], error["code"]?.stringValue == nil { fail("a batch error without code") }
                }
            }
        } else if contentType == "application/octet-stream", let field = response.headers["Inference-Header-Content-Length"] {
            // OIP binary tensor data extension: a JSON header of that length, then the data.
            guard let length = Int(field), (0...response.body.count).contains(length),
                  MiniJSON.parse(Array(response.body[..<length])) != nil
            else { fail("an OIP binary answer whose JSON header does not parse") }
        } else if contentType == "application/octet-stream" {
            let body = response.body
            guard body.count >= 8 else { fail("a safetensors answer shorter than its frame") }
            let length = body[..<8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
            guard length <= UInt64(body.count - 8), MiniJSON.parse(Array(body[8..<8 + Int(length)])) != nil else {
                fail("a safetensors answer whose header does not parse")
            }
        }
    }
}

/// libFuzzer's driver (in the runtime `-sanitize=fuzzer` links).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// The program's entry point. SwiftPM links an executable target with `main` defined as
/// `<Module>_main` (so that tests can link it), which hides libFuzzer's own `main`; this one
/// hands the command line to libFuzzer's driver instead, with the same flags and behaviour.
@_cdecl("FuzzRequestPath_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzzRequestPath($0, $1) }
}
