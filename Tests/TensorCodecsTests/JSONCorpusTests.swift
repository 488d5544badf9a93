import TensorCodecs
import Testing

/// A corpus of valid (y_) and invalid (n_) documents in the manner of JSONTestSuite (written
/// here, not downloaded): every RFC 8259 rule the reader must enforce has a case.
@Suite struct JSONCorpusTests {
    /// Documents RFC 8259 accepts (plus Python's non-finite literals), each with its name.
    static let accepted: [(String, [UInt8])] = [
        ("y_array_empty", Array("[]".utf8)),
        ("y_object_empty", Array("{}".utf8)),
        ("y_array_of_empty", Array("[[]]".utf8)),
        ("y_number_zero_document", Array("0".utf8)),
        ("y_number_negative_zero", Array("[-0]".utf8)),
        ("y_number_negative_zero_fraction", Array("[-0.0]".utf8)),
        ("y_number_exponent_capital_plus", Array("[1E+2]".utf8)),
        ("y_number_exponent_minus", Array("[1e-2]".utf8)),
        ("y_number_zero_exponent", Array("[0e1, 0E+1, 0.0e-0]".utf8)),
        ("y_number_huge_exponent_is_infinity", Array("[1e99999999999999999999]".utf8)),
        ("y_number_tiny_is_zero", Array("[1e-400]".utf8)),
        ("y_number_many_digits", Array("[1234567890123456789012345678901234567890.123456789e-10]".utf8)),
        ("y_string_document", Array("\"x\"".utf8)),
        ("y_literals", Array("[true, false, null]".utf8)),
        ("y_whitespace_all_kinds", Array(" \t\r\n[ 1 ,\t2\r\n] \n".utf8)),
        ("y_object_nested", Array(#"{"a":[1,"b",null,true,{}],"c":{"d":[]}}"#.utf8)),
        ("y_object_empty_key", Array(#"{"":0}"#.utf8)),
        ("y_string_escapes", Array(#"["\"\\\/\b\f\n\r\t"]"#.utf8)),
        ("y_string_escaped_nul", Array(#"["\u0000"]"#.utf8)),
        ("y_string_surrogate_pair", Array(#"["\uD834\uDD1E"]"#.utf8)),
        ("y_string_utf8_two_three_four_bytes", Array("[\"é€𝄞\"]".utf8)),
        ("y_string_noncharacter", [0x5B, 0x22, 0xEF, 0xBF, 0xBF, 0x22, 0x5D]),
        ("y_string_del_unescaped", [0x5B, 0x22, 0x7F, 0x22, 0x5D]),
        ("y_nonfinite_python_literals", Array("[NaN, Infinity, -Infinity]".utf8)),
        ("y_deep_512", Array((String(repeating: "[", count: 512) + String(repeating: "]", count: 512)).utf8)),
    ]

    /// Documents that must be rejected, each with the error kind expected.
    static let rejected: [(String, [UInt8], JSONParseError.Kind)] = [
        ("n_empty", [], .unexpectedEnd),
        ("n_only_whitespace", Array(" \n".utf8), .unexpectedEnd),
        ("n_array_unclosed", Array("[".utf8), .unexpectedEnd),
        ("n_array_unclosed_after_value", Array("[1".utf8), .unexpectedEnd),
        ("n_array_close_only", Array("]".utf8), .unexpectedCharacter(0x5D)),
        ("n_array_trailing_comma", Array("[1,]".utf8), .trailingComma),
        ("n_array_trailing_comma_newline", Array("[1,\n]".utf8), .trailingComma),
        ("n_array_leading_comma", Array("[,1]".utf8), .unexpectedCharacter(0x2C)),
        ("n_array_double_comma", Array("[1,,2]".utf8), .unexpectedCharacter(0x2C)),
        ("n_array_missing_comma", Array("[1 2]".utf8), .unexpectedCharacter(0x32)),
        ("n_array_extra_close", Array("[1]]".utf8), .trailingCharacters),
        ("n_object_trailing_comma", Array(#"{"a":1,}"#.utf8), .trailingComma),
        ("n_object_comma_only", Array("{,}".utf8), .unexpectedCharacter(0x2C)),
        ("n_object_missing_colon", Array(#"{"a" 1}"#.utf8), .unexpectedCharacter(0x31)),
        ("n_object_missing_value", Array(#"{"a":}"#.utf8), .unexpectedCharacter(0x7D)),
        ("n_object_number_key", Array("{1:1}".utf8), .unexpectedCharacter(0x31)),
        ("n_object_single_quotes", Array("{'a':1}".utf8), .unexpectedCharacter(0x27)),
        ("n_object_missing_comma", Array(#"{"a":1 "b":2}"#.utf8), .unexpectedCharacter(0x22)),
        ("n_object_extra_close", Array(#"{"a":1}}"#.utf8), .trailingCharacters),
        ("n_object_duplicate_key", Array(#"{"a":1,"a":2}"#.utf8), .duplicateKey("a")),
        ("n_number_leading_zero", Array("[01]".utf8), .leadingZero),
        ("n_number_negative_leading_zero", Array("[-01]".utf8), .leadingZero),
        ("n_number_double_zero", Array("[00]".utf8), .leadingZero),
        ("n_number_plus", Array("[+1]".utf8), .unexpectedCharacter(0x2B)),
        ("n_number_leading_dot", Array("[.5]".utf8), .unexpectedCharacter(0x2E)),
        ("n_number_trailing_dot", Array("[1.]".utf8), .invalidNumber),
        ("n_number_dot_exponent", Array("[1.e1]".utf8), .invalidNumber),
        ("n_number_empty_exponent", Array("[1e]".utf8), .invalidNumber),
        ("n_number_exponent_sign_only", Array("[1e+]".utf8), .invalidNumber),
        ("n_number_minus_only", Array("[-]".utf8), .invalidNumber),
        ("n_number_double_minus", Array("[--1]".utf8), .invalidNumber),
        ("n_number_hex", Array("[0x1]".utf8), .unexpectedCharacter(0x78)),
        ("n_number_fraction_exponent", Array("[1e1.5]".utf8), .unexpectedCharacter(0x2E)),
        ("n_number_lowercase_nan", Array("[nan]".utf8), .unexpectedCharacter(0x61)),
        ("n_number_lowercase_inf", Array("[inf]".utf8), .unexpectedCharacter(0x69)),
        ("n_number_negative_nan", Array("[-NaN]".utf8), .invalidNumber),
        ("n_number_space_after_minus", Array("[- 1]".utf8), .invalidNumber),
        ("n_number_infinity_suffix", Array("[Infinity1]".utf8), .unexpectedCharacter(0x31)),
        ("n_literal_truncated_true", Array("[tru]".utf8), .unexpectedCharacter(0x5D)),
        ("n_literal_truncated_null_at_end", Array("nul".utf8), .unexpectedEnd),
        ("n_literal_capitalised", Array("[True]".utf8), .unexpectedCharacter(0x54)),
        ("n_string_unterminated", Array("[\"abc".utf8), .unexpectedEnd),
        ("n_string_control_character", [0x5B, 0x22, 0x61, 0x01, 0x22, 0x5D], .controlCharacterInString),
        ("n_string_raw_tab", [0x5B, 0x22, 0x09, 0x22, 0x5D], .controlCharacterInString),
        ("n_string_raw_newline", [0x5B, 0x22, 0x0A, 0x22, 0x5D], .controlCharacterInString),
        ("n_string_invalid_escape", Array(#"["\a"]"#.utf8), .invalidEscape),
        ("n_string_escaped_apostrophe", Array(#"["\'"]"#.utf8), .invalidEscape),
        ("n_string_short_unicode_escape", Array(#"["\u12"]"#.utf8), .invalidUnicodeEscape),
        ("n_string_bad_hex", Array(#"["\uZZZZ"]"#.utf8), .invalidUnicodeEscape),
        ("n_string_lone_high_surrogate", Array(#"["\uD800"]"#.utf8), .invalidUnicodeEscape),
        ("n_string_lone_low_surrogate", Array(#"["\uDC00"]"#.utf8), .invalidUnicodeEscape),
        ("n_string_high_then_not_low", Array(#"["\uD800\u0041"]"#.utf8), .invalidUnicodeEscape),
        ("n_string_single_quotes", Array("['a']".utf8), .unexpectedCharacter(0x27)),
        ("n_utf8_invalid_byte", [0x5B, 0x22, 0xFF, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_overlong_nul", [0x5B, 0x22, 0xC0, 0x80, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_overlong_three_bytes", [0x5B, 0x22, 0xE0, 0x80, 0xAF, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_encoded_surrogate", [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_above_10FFFF", [0x5B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_truncated_sequence", [0x5B, 0x22, 0xE2, 0x82, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_lone_continuation", [0x5B, 0x22, 0x80, 0x22, 0x5D], .invalidUTF8),
        ("n_utf8_outside_string", [0x5B, 0xC3, 0xA9, 0x5D], .unexpectedCharacter(0xC3)),
        ("n_structure_bom", [0xEF, 0xBB, 0xBF, 0x5B, 0x5D], .unexpectedCharacter(0xEF)),
        ("n_structure_comment", Array("[1/*c*/]".utf8), .unexpectedCharacter(0x2F)),
        ("n_structure_trailing_nul", [0x5B, 0x31, 0x5D, 0x00], .trailingCharacters),
        ("n_structure_two_values", Array("1 2".utf8), .trailingCharacters),
        ("n_structure_vertical_tab_whitespace", [0x5B, 0x0B, 0x31, 0x5D], .unexpectedCharacter(0x0B)),
        ("n_structure_depth_513", Array(String(repeating: "[", count: 513).utf8), .nestingTooDeep(limit: 512)),
    ]

    @Test(arguments: accepted.map(\.0))
    func validDocument_IsAccepted(name: String) throws {
        let bytes = Self.accepted.first { $0.0 == name }!.1
        #expect(throws: Never.self) { try JSONReader.parse(bytes) }
    }

    @Test(arguments: rejected.map(\.0))
    func invalidDocument_IsRejectedWithItsKind(name: String) {
        let (_, bytes, kind) = Self.rejected.first { $0.0 == name }!
        do {
            let value = try JSONReader.parse(bytes)
            Issue.record("\(name) was accepted as \(value)")
        } catch {
            #expect(error.kind == kind, "\(name): \(error)")
            #expect(error.offset <= bytes.count)
        }
    }

    @Test func nonFiniteLiterals_AreRejected_WhenDisabled() {
        let options = JSONReader.Options(allowNonFiniteLiterals: false)
        for text in ["NaN", "Infinity", "-Infinity", "[1, NaN]"] {
            #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(text.utf8), options: options) }
        }
    }

    @Test func duplicateKeys_KeepTheLast_WhenAllowed() throws {
        let options = JSONReader.Options(rejectDuplicateKeys: false)
        let value = try JSONReader.parse(Array(#"{"a":1,"b":true,"a":2}"#.utf8), options: options)
        #expect(value.objectValue?["a"] == .number(JSONNumber(value: 2, isInteger: true)))
        #expect(value.objectValue?.keys == ["a", "b", "a"])
    }

    @Test func duplicateKeys_AreFound_InLargeObjects() {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let text = "{\(members),\"k17\":0}"
        #expect {
            try JSONReader.parse(Array(text.utf8))
        } throws: { ($0 as? JSONParseError)?.kind == .duplicateKey("k17") }
    }
}
