/// Describes where PyTorch's answer (compat pytorch) differs from the safe one.
enum PyTorchComparison {
    /// `value` (PyTorch's reduced value, or the number of differing elements of a none value),
    /// `grad_nan_elements` and `grad_nan_positions` (first few flat input indices).
    static func entries(safe: LossResult, pytorch: LossResult) -> [Diagnostics.Entry] {
        var out: [Diagnostics.Entry] = []
        let sv = safe.value.doubles, tv = pytorch.value.doubles
        if safe.value.shape.isEmpty, let t = tv.first {
            out.append(.init("value", .double(t)))
        } else {
            let differing = zip(sv, tv).filter { !same($0, $1) }.count
            if differing > 0 { out.append(.init("value_differing_elements", .int(differing))) }
        }
        if let sg = safe.grad?.doubles, let tg = pytorch.grad?.doubles {
            var nan = PositionSample()
            for i in tg.indices where tg[i].isNaN && !sg[i].isNaN { nan.hit(i) }
            var other = 0
            for i in tg.indices where !tg[i].isNaN && !same(sg[i], tg[i]) { other += 1 }
            if nan.count > 0 {
                out.append(.init("grad_nan_elements", .int(nan.count)))
                out.append(.init("grad_nan_positions", .indices(nan.examples)))
            }
            if other > 0 { out.append(.init("grad_other_differing_elements", .int(other))) }
        }
        return out
    }

    private static func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
}
