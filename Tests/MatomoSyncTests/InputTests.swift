import Foundation
import Testing
@testable import MatomoAPI
@testable import MatomoSync

@Suite struct InputTests {
    @Test func tableListsAndOptionsAreChecked() throws {
        #expect(try TableName.parseList("visits, countries") == [.visits, .countries])
        #expect(throws: SyncError.self) { try TableName.parseList("visits,pageviews") }
        var options = SyncOptions()
        options.backfillDays = -1
        #expect(throws: SyncError.self) { try options.validate() }
        options.backfillDays = 100_000
        #expect(throws: SyncError.self) { try options.validate() }
        #expect(throws: SyncError.self) { try WarehouseURL.open("mysql://x") }
    }
}
