import Foundation

/// One sync per ClickHouse database. ClickHouse has no advisory locks nor transactions, so each sync
/// creates a ticket table of its own (`CREATE TABLE` is atomic) holding its identity and a heartbeat,
/// then looks for other live tickets: if there is one it withdraws. Two syncs starting at the same
/// moment may both withdraw; two never both proceed. A ticket is dead when its heartbeat is older
/// than `staleAfter` seconds (server clock), or at once when its process, on this host, is gone: a
/// killed sync does not block the next run. A sync whose ticket was dropped as dead stops at its
/// next commit.
extension ClickHouseWarehouse {
    static let ticketPrefix = "_matomo_sync_lock_"
    static let staleAfter: Int64 = 180
    static let beatEvery: Duration = .seconds(30)

    public func lockForSync() async throws {
        guard lockHolders.enter() else { return }
        let me = ProcessIdentity.current.text
        let ticket = Self.ticketPrefix + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await http.run("CREATE TABLE \(chName(ticket)) ENGINE = Log AS SELECT \(chString(me)) AS owner, now() AS beat")
        do {
            let others = try await select("""
                SELECT name, toInt64(now()) - toInt64(metadata_modification_time) FROM system.tables
                WHERE database = \(chString(http.database)) AND startsWith(name, \(chString(Self.ticketPrefix))) AND name != \(chString(ticket))
                """)
            for row in others.rows {
                guard case .text(let name) = row[0], case .int(let tableAge) = row[1] else { continue }
                if let holder = try await liveHolder(name, tableAge: tableAge) {
                    throw SyncError.warehouse("another matomo-sync is already syncing into \(displayName) (\(holder)); wait for it to finish, or stop it, then run again. A lock whose holder stopped without a trace expires \(Self.staleAfter / 60) minutes after its last heartbeat")
                }
            }
        } catch {
            await dropTicket(ticket)
            throw error
        }
        lockTicket = ticket
        lockHolders.taken()
        lockLost = false
        heartbeat = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.beatEvery)
                guard !Task.isCancelled, let self else { return }
                await self.beat()
            }
        }
    }

    public func unlockSync() async {
        guard lockHolders.leave() else { return }
        heartbeat?.cancel()
        heartbeat = nil
        if let ticket = lockTicket { await dropTicket(ticket) }
        lockTicket = nil
    }

    /// Detached: a cancelled sync (Ctrl-C, a stopped task) must still give its own ticket back.
    private func dropTicket(_ ticket: String) async {
        let http = self.http
        await Task.detached { _ = try? await http.run("DROP TABLE IF EXISTS \(chName(ticket))") }.value
    }

    /// The holder of a live ticket, described; nil after dropping a dead one (or finding it gone).
    private func liveHolder(_ ticket: String, tableAge: Int64) async throws -> String? {
        let read: QueryResult
        do {
            read = try await select("SELECT any(owner), count(), toInt64(now()) - toInt64(max(beat)) FROM \(chName(ticket))")
        } catch {
            return nil  // dropped meanwhile by its holder
        }
        guard let row = read.rows.first, case .text(let owner) = row[0], case .int(let beats) = row[1], case .int(let beatAge) = row[2] else { return nil }
        // A ticket is made with its first beat; an empty one is one being made, unless old.
        let age = beats > 0 ? beatAge : tableAge
        let gone = ProcessIdentity(owner).map { !$0.mayBeAlive } ?? false
        if age <= Self.staleAfter, !gone {
            return "\(owner.isEmpty ? "a sync starting" : owner), last heartbeat \(age) s ago"
        }
        _ = try await http.run("DROP TABLE IF EXISTS \(chName(ticket))")
        return nil
    }

    func beat() async {
        guard let ticket = lockTicket else { return }
        do {
            try await http.run("INSERT INTO \(chName(ticket)) SELECT \(chString(ProcessIdentity.current.text)), now()")
        } catch {
            // Gone means another sync judged this one dead; a network error is retried at the next beat.
            if "\(error)".contains("Code: 60") || "\(error)".contains("UNKNOWN_TABLE") { lockLost = true }
        }
    }

    func checkLockHeld() throws {
        if lockLost {
            throw SyncError.warehouse("\(displayName): this sync lost its lock (no heartbeat reached the server for \(Self.staleAfter / 60) minutes, and another sync took over); run again")
        }
    }
}
