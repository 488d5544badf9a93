import HTTPServer
import LossAPI
import TensorCodecs
import Testing

/// Every bad request gets its stable code and a pointer to the exact offending element.
@Suite struct RequestValidationTests {
    let client = APIClient()

    @Test(arguments: [
        // (loss, body, code, pointer)
        ("mse_loss", #"{"input": [1, 2], "target": [1, 2],}"#, "MALFORMED_JSON", ""),
        ("mse_loss", #"{"input": [1, 2], "target": [1, 2, x]}"#, "MALFORMED_JSON", "/target/2"),
        ("mse_loss", #"[1, 2]"#, "MALFORMED_REQUEST", ""),
        ("mse_loss", #"{"input": [1], "target": [1], "optionz": {}}"#, "MALFORMED_REQUEST", "/optionz"),
        ("mse_loss", #"{"target": [1]}"#, "MALFORMED_REQUEST", "/input"),
        ("mse_loss", #"{"input": [1]}"#, "MALFORMED_REQUEST", "/target"),
        ("mse_loss", #"{"input": [1], "target": [1], "outputs": ["value", "loss"]}"#, "MALFORMED_REQUEST", "/outputs/1"),
        ("mse_loss", #"{"input": [1], "target": [1], "options": [1]}"#, "MALFORMED_REQUEST", "/options"),
        ("mse_loss", #"{"input": [[1, 2], [3]], "target": [1]}"#, "INVALID_TENSOR", "/input/1"),
        ("mse_loss", #"{"input": [[1, 2], [3, "x"]], "target": [1]}"#, "INVALID_TENSOR", "/input/1/1"),
        ("mse_loss", #"{"input": [1, true], "target": [1]}"#, "INVALID_TENSOR", "/input/1"),
        ("mse_loss", #"{"input": {"shape": [2, 2], "data": [1, 2, 3]}, "target": [1]}"#, "INVALID_TENSOR", "/input/data"),
        ("mse_loss", #"{"input": {"shape": [2, -1], "data": []}, "target": [1]}"#, "INVALID_TENSOR", "/input/shape/1"),
        // The schemathesis crash (issue 18): a size beyond Int.max after sizes whose product
        // already overflows; the overflow message once converted every size to Int (SIGILL).
        ("cross_entropy", #"{"input": 0.0, "target": 0.0, "grad_output": {"shape": [138218, 187, 2712, 3662291, 12963586, 527960, 845939896, 8643466417512051113984000], "data": [1.0]}}"#, "INVALID_TENSOR", "/grad_output/shape/7"),
        ("cross_entropy", #"{"input": 0.0, "target": 0.0, "grad_output": {"shape": [1099511627776, 2, 1e300], "data": [1.0]}}"#, "INVALID_TENSOR", "/grad_output/shape/2"),
        ("cross_entropy", #"{"input": 0.0, "target": 0.0, "grad_output": {"shape": [1099511627776, 2], "data": [1.0]}}"#, "INVALID_TENSOR", "/grad_output/shape"),
        // A size 0 does not excuse the others: the class layout of this empty input overflowed.
        ("cross_entropy", #"{"input": {"shape": [0, 1, 1099511627776, 1099511627776], "data": []}, "target": [0]}"#, "INVALID_TENSOR", "/input/shape"),
        ("mse_loss", #"{"input": {"shape": [1099511627776, 0, 2], "data": []}, "target": [1]}"#, "INVALID_TENSOR", "/input/shape"),
        ("mse_loss", #"{"input": {"shape": [1], "data": [1], "dtype": "int8"}, "target": [1]}"#, "INVALID_TENSOR", "/input/dtype"),
        ("mse_loss", #"{"input": {"shape": [1], "data": [1], "dtype": "int64"}, "target": [1]}"#, "INVALID_TENSOR", "/input"),
        ("mse_loss", #"{"input": {"shape": [1], "data": [1], "strides": [1]}, "target": [1]}"#, "MALFORMED_REQUEST", "/input/strides"),
        ("mse_loss", #"{"input": [1], "target": [1], "weight": [1]}"#, "INVALID_TENSOR", "/weight"),
        ("cross_entropy", #"{"input": [[1, 2]], "target": {"shape": [1], "data": [0.5], "dtype": "int64"}}"#, "INVALID_TENSOR", "/target/data/0"),
        ("nll_loss", #"{"input": [[1, 2], [3, 4]], "target": [[0], [1.5]]}"#, "INVALID_TENSOR", "/target/1/0"),
        ("mse_loss", #"{"input": [1], "target": [1], "options": {"beta": 2}}"#, "INVALID_OPTION", "/options/beta"),
        ("mse_loss", #"{"input": [1], "target": [1], "options": {"reduction": "batchmean"}}"#, "INVALID_OPTION", "/options/reduction"),
        ("mse_loss", #"{"input": [1], "target": [1], "options": {"reduction": "avg"}}"#, "INVALID_OPTION", "/options/reduction"),
        ("mse_loss", #"{"input": [1], "target": [1], "options": {"dtype": "float16"}}"#, "INVALID_OPTION", "/options/dtype"),
        ("mse_loss", #"{"input": [1], "target": [1], "options": {"compat": null}}"#, "INVALID_OPTION", "/options/compat"),
        ("cross_entropy", #"{"input": [[1, 2]], "target": [0], "options": {"label_smoothing": 1.5}}"#, "INVALID_OPTION", "/options/label_smoothing"),
        ("cross_entropy", #"{"input": [[1, 2]], "target": [0], "options": {"ignore_index": 0.5}}"#, "INVALID_OPTION", "/options/ignore_index"),
        ("huber_loss", #"{"input": [1], "target": [1], "options": {"delta": 0}}"#, "INVALID_OPTION", "/options/delta"),
        // Issue 18.5: an integer target beyond 2^53 is an index out of range, not "not whole".
        ("cross_entropy", #"{"input": [[1, 2]], "target": [9223372036854775807]}"#, "TARGET_OUT_OF_RANGE", "/target/0"),
        ("nll_loss", #"{"input": [[-1, -2]], "target": [-1e300]}"#, "TARGET_OUT_OF_RANGE", "/target/0"),
        // Issue 18.7: option values of the wrong JSON type are refused, as openapi.yaml types them.
        ("cross_entropy", #"{"input": [[1, 2]], "target": [0], "options": {"label_smoothing": "0.1"}}"#, "INVALID_OPTION", "/options/label_smoothing"),
        ("kl_div", #"{"input": [0], "target": [1], "options": {"log_target": "true"}}"#, "INVALID_OPTION", "/options/log_target"),
        ("cross_entropy", #"{"input": [[1, 2]], "target": [0], "options": {"ignore_index": "3"}}"#, "INVALID_OPTION", "/options/ignore_index"),
    ])
    func badJob_IsAnsweredWithItsCodeAndPointer(loss: String, body: String, code: String, pointer: String) throws {
        let problem = try ProblemBody(client.post("/v1/loss/" + loss, json: body))
        #expect(problem.code == code, "\(problem.detail)")
        #expect(problem.pointers == [pointer], "\(problem.detail)")
    }

    @Test func malformedJSON_ReportsTheByteOffset() throws {
        let problem = try ProblemBody(client.post("/v1/loss/mse_loss", json: #"{"input": [1, 2,]}"#))
        #expect(problem.code == "MALFORMED_JSON")
        #expect(problem.detail.contains("byte 16"), "\(problem.detail)")
    }

    @Test func deepNesting_IsMalformedJSON_NotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let problem = try ProblemBody(client.post("/v1/loss/mse_loss", json: #"{"input": "# + deep + "}"))
        #expect(problem.code == "MALFORMED_JSON")
    }

    @Test func queryOption_ForAnotherLoss_IsInvalidOption() throws {
        let problem = try ProblemBody(client.post("/v1/loss/mse_loss?gamma=2", json: #"{"input": [1], "target": [1]}"#))
        #expect(problem.code == "INVALID_OPTION")
        #expect(problem.pointers == ["/options/gamma"])
    }

    /// Issue 18.5: ignore_index is read as an int64 whatever its size (it was refused beyond 2^53).
    @Test func largeIgnoreIndex_IsAnInteger() throws {
        let response = client.post(
            "/v1/loss/cross_entropy",
            json: #"{"input": [[1, 2], [3, 4]], "target": [0, 9223372036854775807], "options": {"ignore_index": 9223372036854775807}}"#)
        #expect(response.status == 200)
        let counts = try response.jsonObject()["diagnostics"]?.objectValue?["counts"]?.objectValue
        #expect(counts?["ignored"]?.numberValue?.int64Value == 1)
    }

    /// Issue 18.7: target values in errors are printed as sent, not widened from float32.
    @Test func classTargetNotWhole_IsEchoedAsSent() throws {
        let problem = try ProblemBody(client.post("/v1/loss/cross_entropy", json: #"{"input": [[1, 2]], "target": [0.2]}"#))
        #expect(problem.code == "INVALID_TENSOR")
        #expect(problem.detail.contains("0.2") && !problem.detail.contains("0.2000000"), "\(problem.detail)")
    }

    /// Issue 14: (B, T, V) logits with (B, T) labels in torch's layout name the likely fix.
    @Test func classesLastLayout_WithoutClassDim_NamesTheFix() throws {
        let body = #"{"input": {"shape": [2, 3, 4], "data": [0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0]}, "target": [[0, 1, 2], [3, 0, -100]]}"#
        let problem = try ProblemBody(client.post("/v1/loss/cross_entropy", json: body))
        #expect(problem.code == "SHAPE_MISMATCH" && problem.detail.contains("class_dim: -1"), "\(problem.detail)")
        let fixed = client.post("/v1/loss/cross_entropy?class_dim=-1&shift=true", json: body)
        #expect(fixed.status == 200)
    }

    @Test func optionGivenTwiceInTheQuery_SaysSo() throws {
        let problem = try ProblemBody(client.post("/v1/loss/mse_loss?reduction=sum&reduction=mean", json: #"{"input": [1], "target": [1]}"#))
        #expect(problem.code == "INVALID_OPTION" && problem.detail.contains("twice (in the query)"), "\(problem.detail)")
    }

    @Test func optionInQueryAndBody_IsInvalidOption() throws {
        let problem = try ProblemBody(
            client.post("/v1/loss/mse_loss?reduction=sum", json: #"{"input": [1], "target": [1], "options": {"reduction": "sum"}}"#))
        #expect(problem.code == "INVALID_OPTION")
        #expect(problem.pointers == ["/options/reduction"])
    }

    @Test func batchEnvelope_Errors_FailTheWholeRequest() throws {
        #expect(try ProblemBody(client.post("/v1/batch", json: #"{"jobz": []}"#)).pointers == ["/jobz"])
        #expect(try ProblemBody(client.post("/v1/batch", json: #"{"jobs": {}}"#)).pointers == ["/jobs"])
        var configuration = LossService.Configuration()
        configuration.maxBatchJobs = 1
        let small = APIClient(service: LossService(configuration: configuration))
        let tooMany = try ProblemBody(small.post("/v1/batch", json: #"{"jobs": [{}, {}]}"#))
        #expect(tooMany.code == "MALFORMED_REQUEST" && tooMany.pointers == ["/jobs"])
    }

    @Test func batch_BadJobs_FailAlone_WithPointersUnderTheirIndex() throws {
        let body = """
            {"jobs": [
              {"loss": "nope", "input": [1], "target": [1]},
              {"input": [1], "target": [1]},
              {"loss": "mse_loss", "input": [[1], [2, 3]], "target": [1]},
              "job"
            ]}
            """
        let response = client.post("/v1/batch", json: body)
        #expect(response.status == 200)
        guard case .array(let results)? = try response.jsonObject()["results"] else {
            Issue.record("results is not an array")
            return
        }
        #expect(results.count == 4)
        let errors = results.map { $0.objectValue?["error"]?.objectValue }
        #expect(errors.map { $0?["code"]?.stringValue } == ["UNKNOWN_LOSS", "MALFORMED_REQUEST", "INVALID_TENSOR", "MALFORMED_REQUEST"])
        let pointers = errors.map { error -> String? in
            guard case .array(let list)? = error?["errors"] else { return nil }
            return list.first?.objectValue?["pointer"]?.stringValue
        }
        #expect(pointers == ["/jobs/0/loss", "/jobs/1/loss", "/jobs/2/input/1", "/jobs/3"])
    }

    /// Issue 19: a jobs array of only numbers (read packed by the JSON reader) was refused whole.
    @Test(arguments: [(#"{"jobs": [0]}"#, 1, "a number"), (#"{"jobs": [1, 2.5, -3]}"#, 3, "a number"),
                      (#"{"jobs": [[1, 2], [3, 4]]}"#, 2, "an array")])
    func batchOfNumbers_GivesEachElementItsError(body: String, count: Int, kind: String) throws {
        let response = client.post("/v1/batch", json: body)
        #expect(response.status == 200)
        guard case .array(let results)? = try response.jsonObject()["results"] else {
            Issue.record("results is not an array")
            return
        }
        #expect(results.count == count)
        for (index, result) in results.enumerated() {
            let error = result.objectValue?["error"]?.objectValue
            #expect(error?["code"]?.stringValue == "MALFORMED_REQUEST")
            #expect(error?["detail"]?.stringValue?.contains(kind) == true)
            guard case .array(let list)? = error?["errors"] else { Issue.record("no errors"); continue }
            #expect(list.first?.objectValue?["pointer"]?.stringValue == "/jobs/\(index)")
        }
    }

    @Test func emptyBatch_HasNoResults() throws {
        let response = client.post("/v1/batch", json: #"{"jobs": []}"#)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"results":[]}"#)
    }
}
