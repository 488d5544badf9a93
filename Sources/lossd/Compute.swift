import ArgumentParser
import Foundation
import LossAPI

/// `lossd compute`: one job (or a batch) as JSON on standard input, the result as JSON on
/// standard output. Same decoding, kernels, writer and problems as the HTTP API.
struct Compute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "Compute one job or a batch read as JSON from standard input.",
        discussion: """
            The input is a job as for POST /v1/loss/{name} (the loss named by the argument or by
            a "loss" member), or a batch {"jobs": [...]} as for POST /v1/batch. The result (or
            the problem+json document of an error) is written to standard output. Exit status:
            0 on success (a batch whose jobs failed individually still succeeds), 1 when the
            input was rejected.
            """
    )

    @Argument(help: "The loss, when the job has no \"loss\" member (ignored for a batch).")
    var loss: String?

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let answer = LossService().compute(document: [UInt8](input), loss: loss)
        FileHandle.standardOutput.write(Data(answer.body))
        FileHandle.standardOutput.write(Data("\n".utf8))
        if answer.status != 200 {
            throw ExitCode.failure
        }
    }
}
