import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// Everything Matomo returns is untrusted: stored verbatim or refused with a message, never executed.
@Suite(.serialized) struct HostileDataTests {
    static func visitJSON(id: Int, ts: Int, extra: String) -> String {
        #"[{"idSite":1,"idVisit":\#(id),"visitorId":"abcdef0123456789","serverTimestamp":\#(ts),"actionDetails":[]\#(extra)}]"#
    }

    /// A fake whose Live answer is exactly `body` for the first page that can hold `ts`, and `[]` otherwise.
    static func withHostile<T>(body: @escaping @Sendable (Int) -> [UInt8], _ run: (SyncHarness, Int) async throws -> T) async throws -> T {
        let ts = Int(SyncHarness.defaultNow.timeIntervalSince1970) - 86400
        return try await withHarness(configure: {
            $0.answerOverride = { method, params in
                guard method == "Live.getLastVisitsDetails" else { return nil }
                // The first page that can hold the visit gets the hostile body; any other page is empty.
                let served = (Int(params["minTimestamp"] ?? "0") ?? 0) < ts && (params["filter_offset"] ?? "0") == "0"
                return FakeAnswer(body: served ? body(ts) : Array("[]".utf8))
            }
        }) { h in
            // A plain visit at the same second, so the reports (which the sync reads to plan its pages)
            // show one visit that day.
            h.fake.addVisits([FakeVisit(idVisit: 1, siteId: 1, firstActionTimestamp: ts - 10, lastActionTimestamp: ts)])
            return try await run(h, ts)
        }
    }

    @Test func hostileKeysAndValuesAreStoredVerbatim() async throws {
        let evilKey = #"x\"); DROP TABLE visits; --"#  // as written in the JSON text
        let megabyte = String(repeating: "é", count: 600_000)
        try await Self.withHostile(body: { ts in
            let extra = #","\#(evilKey)":"boom","label":"Robert'); DELETE FROM visits; --","ctrl":"a\u0000b\u0007c","big":123456789012345678901234567890,"huge":"\#(megabyte)","nested":\#(String(repeating: "[", count: 300))1\#(String(repeating: "]", count: 300)),"id_visit":"collides","idVisit2":"ok""#
            return Array(Self.visitJSON(id: 7, ts: ts, extra: extra).utf8)
        }) { h, _ in
            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 3))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let rows = try await h.query("SELECT id_visit, label, ctrl, big, length(huge), nested, id_visit_2 FROM visits")
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row[0] == .int(7))
            #expect(row[1] == .text("Robert'); DELETE FROM visits; --"))
            // NUL cannot live in SQLite or PostgreSQL text: it becomes U+FFFD; other control characters stay.
            #expect(row[2] == .text("a\u{FFFD}b\u{7}c"))
            #expect(row[3] == .text("123456789012345678901234567890"))
            #expect(row[4] == .int(600_000))
            #expect(row[5] == .text(String(repeating: "[", count: 300) + "1" + String(repeating: "]", count: 300)))
            #expect(row[6] == .text("collides"))
            let evilColumn = ColumnNaming.snakeCase("x\"); DROP TABLE visits; --")
            #expect(try await h.query("SELECT \(ColumnNaming.quote(evilColumn)) FROM visits") == [[.text("boom")]])
            #expect(try await h.int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'visits'") == 1)
        }
    }

    @Test func invalidUTF8IsStoredWithReplacementCharacters() async throws {
        try await Self.withHostile(body: { ts in
            var bytes = Array(#"[{"idSite":1,"idVisit":8,"serverTimestamp":\#(ts),"label":"caf"#.utf8)
            bytes += [0xC3, 0x28, 0xFF]
            bytes += Array(#"é"}]"#.utf8)
            return bytes
        }) { h, _ in
            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 3))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let labels = try await h.query("SELECT label FROM visits")
            #expect(labels == [[.text("caf\u{FFFD}(\u{FFFD}é")]], "\(labels)")
        }
    }

    @Test func tooDeeplyNestedJSONIsRefusedWithAMessage() async throws {
        try await Self.withHostile(body: { ts in
            Array(Self.visitJSON(id: 9, ts: ts, extra: #","nested":\#(String(repeating: "[", count: 5000))\#(String(repeating: "]", count: 5000))"#).utf8)
        }) { h, _ in
            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 3))
            let error = try #require(report.tables.first?.error)
            #expect(error.contains("nesting deeper than"), "\(error)")
        }
    }
}
