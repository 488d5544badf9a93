import ArgumentParser
import Foundation
import LossAPI

/// `lossd openapi`: prints openapi.yaml as the server serves it, generated from the loss
/// descriptors (the repository's openapi.yaml is this output; `scripts/generate-contract.sh`).
struct OpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi", abstract: "Print the OpenAPI document (openapi.yaml), generated from the loss descriptors.")

    func run() throws {
        FileHandle.standardOutput.write(Data(OpenAPISpec.yaml.utf8))
    }
}

/// `lossd docs TABLE`: prints one of the Markdown tables README.md and docs/API.md carry.
struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Print a Markdown table generated from the loss descriptors: "
            + ContractTables.all.map(\.name).joined(separator: ", ") + ".")

    @Argument(help: "The table: \(ContractTables.all.map(\.name).joined(separator: ", ")).")
    var table: String

    func validate() throws {
        guard ContractTables.table(table) != nil else {
            throw ValidationError("no table \(table); tables are " + ContractTables.all.map(\.name).joined(separator: ", "))
        }
    }

    func run() throws {
        FileHandle.standardOutput.write(Data(ContractTables.table(table)!.utf8))
    }
}
