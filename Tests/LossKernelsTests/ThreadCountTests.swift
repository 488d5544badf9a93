import LossKernels
import LossTestSupport
import Testing

/// `LossJob.maxThreads`: a job kept on one thread gives exactly the answer of a job split across
/// two (chunks are the same either way and their statistics merge in row order).
struct ThreadCountTests {
    @Test func oneThread_GivesTheTwoThreadAnswer_BitForBit() throws {
        var g = SeededGenerator(seed: 11)
        let rows = 64, classes = 5000  // 320k elements: above the two-thread threshold
        let input = Tensor(shape: [rows, classes], float32: g.doubles(rows * classes).map { Float($0 * 6) })
        var job = LossJob(name: .crossEntropy, input: input, target: g.classes([rows], classes: classes, ignored: 0.1))
        try job.options.set(.labelSmoothing, to: .double(0.1))
        let split = try Loss.compute(job)
        job.maxThreads = 1
        let single = try Loss.compute(job)
        #expect(single.value.doubles == split.value.doubles)
        #expect(single.grad!.doubles == split.grad!.doubles)
        #expect(single.diagnostics.stat("grad_l2_norm") == split.diagnostics.stat("grad_l2_norm"))
        #expect(single.diagnostics.stat("mean_entropy") == split.diagnostics.stat("mean_entropy"))
    }
}
