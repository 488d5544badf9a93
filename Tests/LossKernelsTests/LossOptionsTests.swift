import LossKernels
import Testing

@Test func options_SetKnownNames_UpdatesValues() throws {
    var o = LossOptions()
    try o.set("label_smoothing", to: .double(0.1), for: .crossEntropy)
    try o.set("ignore_index", to: .int(255), for: .crossEntropy)
    try o.set("reduction", to: .string("sum"), for: .crossEntropy)
    try o.set("log_target", to: .string("true"), for: .klDiv, fromText: true)
    #expect(o.real(.labelSmoothing) == 0.1 && o.integer(.ignoreIndex) == 255 && o.reduction == .sum)
    #expect(o.boolean(.logTarget))
    #expect(o.real(.temperature) == 1, "an option never set reads its default")
}

@Test(arguments: [
    ("label_smoothing", OptionValue.double(1.5)), ("temperature", .double(0)), ("reduction", .string("avg")),
    ("reduction", .string("batchmean")), ("frobnicate", .int(1)), ("z_loss", .double(.nan)),
    ("label_smoothing", .string("0.1")), ("ignore_index", .double(1.5)), ("ignore_index", .double(9.3e18)),
])
func options_BadValueOrName_ThrowsInvalidOption(name: String, value: OptionValue) {
    var o = LossOptions()
    #expect(throws: LossError.self) { try o.set(name, to: value, for: .crossEntropy) }
    do { try o.set(name, to: value, for: .crossEntropy) } catch {
        #expect(error.kind == .invalidOption && error.subject == .option(name))
    }
}

@Test func options_FromText_AreReadAsTheirType_AndJSONMustHaveIt() throws {
    var o = LossOptions()
    try o.set("label_smoothing", to: .string("0.25"), for: .crossEntropy, fromText: true)
    try o.set("ignore_index", to: .string("9223372036854775807"), for: .crossEntropy, fromText: true)
    #expect(o.real(.labelSmoothing) == 0.25 && o.integer(.ignoreIndex) == .max)
    #expect(throws: LossError.self) { try o.set("log_target", to: .string("true"), for: .klDiv) }
    #expect(throws: LossError.self) { try o.set("ignore_index", to: .string("7"), for: .crossEntropy) }
}

@Test func catalogue_ListsEveryLossOnce_WithTheCommonOptions() {
    let names = Loss.catalogue.map(\.name.rawValue)
    #expect(Set(names).count == names.count)
    #expect(Loss.catalogue.allSatisfy { $0.option("reduction") != nil && $0.option("compat") != nil && $0.option("dtype") != nil })
    #expect(Loss.descriptor(.klDiv).reductions.contains(.batchmean))
    #expect(Loss.catalogue.allSatisfy { !$0.differentiable.isEmpty })
    for loss in Loss.catalogue {
        for option in loss.options {
            #expect((try? option.validated(option.defaultValue)) == option.defaultValue, "\(loss.name) \(option.name)")
        }
    }
}
