import Foundation
import HTTPServer
import LossAPI
import Testing

/// The browser playground: its files served from the binary as they are in playground/, with
/// the headers a page without external resources needs, and no inline code the policy would block.
@Suite struct PlaygroundTests {
    let client = APIClient()

    /// playground/ in the repository, file name to bytes.
    static let sourceFiles: [String: Data] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("playground")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var files: [String: Data] = [:]
        for name in names { files[name] = try? Data(contentsOf: folder.appendingPathComponent(name)) }
        return files
    }()

    @Test func everyFileOfThePlaygroundFolder_IsServedByteForByte() throws {
        #expect(Self.sourceFiles.count >= 3)
        for (name, bytes) in Self.sourceFiles {
            let response = client.get("/playground/\(name)")
            #expect(response.status == 200, "\(name)")
            #expect(Data(response.body) == bytes, "run scripts/embed-playground.sh after editing playground/\(name)")
        }
    }

    @Test(arguments: ["/", "/playground"])
    func page_IsTheIndexWithSecurityHeaders(path: String) throws {
        let response = client.get(path)
        #expect(response.status == 200)
        #expect(Data(response.body) == Self.sourceFiles["index.html"])
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        let policy = try #require(response.headers["Content-Security-Policy"])
        #expect(policy.hasPrefix("default-src 'self';"))
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
    }

    @Test func assets_HaveTheirMediaTypes_AndTheSameHeaders() throws {
        for (name, type) in [("main.js", "text/javascript; charset=utf-8"), ("playground.css", "text/css; charset=utf-8"),
                             ("favicon.svg", "image/svg+xml")] {
            let response = client.get("/playground/\(name)")
            #expect(response.headers["Content-Type"] == type, "\(name)")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff", "\(name)")
            #expect(response.headers["Content-Security-Policy"]?.hasPrefix("default-src 'self'") == true, "\(name)")
        }
    }

    @Test func unknownAsset_Is404NotFoundProblem() throws {
        let problem = try ProblemBody(client.get("/playground/missing.js"))
        #expect(problem.status == 404 && problem.code == "NOT_FOUND")
        #expect(client.get("/playground/js/main.js").status == 404)
    }

    @Test func wholePage_IsUnder300KB() {
        let total = Self.sourceFiles.values.reduce(0) { $0 + $1.count }
        #expect(total > 0 && total < 300 * 1024, "playground/ holds \(total) bytes")
    }

    /// `default-src 'self'` blocks inline scripts and styles, so the page must have none.
    @Test func page_HasNoInlineScriptOrStyle_AndLoadsOnlyItsOwnAssets() throws {
        let html = String(decoding: try #require(Self.sourceFiles["index.html"]), as: UTF8.self)
        #expect(!html.contains("<style"))
        #expect(!html.contains(" style="))
        #expect(html.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "inline event handler")
        let scripts = html.components(separatedBy: "<script").dropFirst()
        #expect(!scripts.isEmpty)
        for script in scripts { #expect(script.hasPrefix(" type=\"module\" src=\"/playground/")) }
        for match in html.matches(of: /(?:src|href)="([^"]+)"/) {
            let target = String(match.1)
            if target == "/openapi.yaml" { continue }
            #expect(target.hasPrefix("/playground/"), "\(target) is not one of the page's assets")
            #expect(client.get(target).status == 200, "\(target)")
        }
    }

    /// Every module a script imports is an asset too.
    @Test func scriptImports_AreAllServed() {
        for (name, bytes) in Self.sourceFiles where name.hasSuffix(".js") {
            let text = String(decoding: bytes, as: UTF8.self)
            for match in text.matches(of: /from '\.\/([A-Za-z0-9_.-]+)'/) {
                #expect(client.get("/playground/\(match.1)").status == 200, "\(name) imports \(match.1)")
            }
        }
    }

    @Test func page_NeedsNoToken_ButTheAPIStillDoes() {
        let auth = BearerAuth(token: "s3cr3t")
        let service = LossService()
        let exchange = auth.wrap({ request in service.respond(to: request) }, service: service)
        for path in ["/", "/playground", "/playground/main.js"] {
            #expect(exchange(Request(method: "GET", target: path)).response.status == 200, "\(path)")
        }
        #expect(exchange(Request(method: "GET", target: "/v1/losses")).response.status == 401)
        #expect(exchange(Request(method: "GET", target: "/playground/a/b")).response.status == 401)
    }
}
