import LossKernels
import Testing

@Test func options_SetKnownNames_UpdatesFields() throws {
    var o = LossOptions()
    try o.set("label_smoothing", to: .double(0.1))
    try o.set("ignore_index", to: .int(255))
    try o.set("reduction", to: .string("sum"))
    try o.set("log_target", to: .string("true"))
    #expect(o.labelSmoothing == 0.1 && o.ignoreIndex == 255 && o.reduction == .sum && o.logTarget)
}

@Test(arguments: [
    ("label_smoothing", OptionValue.double(1.5)), ("temperature", .double(0)), ("delta", .int(0)),
    ("beta", .double(-1)), ("reduction", .string("avg")), ("frobnicate", .int(1)), ("z_loss", .double(.nan)),
])
func options_BadValueOrName_ThrowsInvalidOption(name: String, value: OptionValue) {
    var o = LossOptions()
    #expect(throws: LossError.self) { try o.set(name, to: value) }
    do { try o.set(name, to: value) } catch {
        #expect(error.kind == .invalidOption && error.field == "options/" + name)
    }
}

@Test func catalogue_ListsEveryLossOnceWithReduction() {
    #expect(Loss.catalogue.map(\.name) == LossName.allCases)
    #expect(Loss.catalogue.allSatisfy { $0.accepts(option: "reduction") && $0.accepts(option: "compat") })
    #expect(Loss.descriptor(.klDiv).reductions.contains(.batchmean))
}
