/// `query`'s rule, checked before SQL leaves for a server warehouse: one statement, not a write.
/// The server stays the authority on reads (a read-only transaction, `readonly=2`); this check
/// refuses what is plainly outside the rule in the same words on every warehouse, and never sends a
/// second statement to a server (or a front door) that might run it.
enum ReadOnlyStatement {
    /// Statements no read starts with.
    static let writeKeywords: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "DROP", "CREATE", "ALTER", "TRUNCATE", "RENAME",
        "OPTIMIZE", "ATTACH", "DETACH", "GRANT", "REVOKE", "SET", "SYSTEM", "KILL", "USE", "COPY", "VACUUM",
        "ANALYZE", "CLUSTER", "REINDEX", "COMMENT", "LOCK", "CALL", "DO", "BEGIN", "COMMIT", "ROLLBACK",
        "START", "SAVEPOINT", "RELEASE", "PREPARE", "EXECUTE", "DEALLOCATE", "LISTEN", "NOTIFY", "DISCARD",
        "REFRESH", "SECURITY", "EXCHANGE", "MOVE", "UNDROP", "BACKUP", "RESTORE",
    ]

    /// Why the SQL is refused, or nil to send it.
    static func refusal(_ sql: String) -> SyncError? {
        let (statements, firstWord) = scan(sql)
        if statements == 0 { return .invalidInput(oneReadOnlyStatement + "; this SQL has none") }
        if statements > 1 { return .invalidInput(oneReadOnlyStatement + "; this SQL has several") }
        if let firstWord, writeKeywords.contains(firstWord.uppercased()) {
            return .invalidInput(oneReadOnlyStatement + "; this one writes")
        }
        return nil
    }

    /// Counts the statements (text other than space and comments, between top-level `;`) and finds
    /// the first word, skipping strings, quoted names, comments and dollar quotes.
    static func scan(_ sql: String) -> (statements: Int, firstWord: String?) {
        let s = Array(sql.unicodeScalars)
        var i = 0
        var statements = 0
        var inStatement = false
        var firstWord: String?
        func isWordChar(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
        }
        func begin() {
            if !inStatement { inStatement = true; statements += 1 }
        }
        while i < s.count {
            let c = s[i]
            let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            if c == "-" && next == "-" {
                while i < s.count && s[i] != "\n" { i += 1 }
                continue
            }
            if c == "/" && next == "*" {
                i += 2
                while i < s.count && !(s[i] == "*" && i + 1 < s.count && s[i + 1] == "/") { i += 1 }
                i += 2
                continue
            }
            if c == ";" {
                inStatement = false
                i += 1
                continue
            }
            if c.properties.isWhitespace {
                i += 1
                continue
            }
            begin()
            if c == "'" || c == "\"" || c == "`" {
                // Quoted: a doubled quote or a backslash escape stays inside.
                i += 1
                while i < s.count {
                    if s[i] == "\\" { i += 2; continue }
                    if s[i] == c {
                        if i + 1 < s.count && s[i + 1] == c { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                continue
            }
            if c == "$" {
                // PostgreSQL's dollar quotes: $tag$ ... $tag$.
                var j = i + 1
                while j < s.count && isWordChar(s[j]) { j += 1 }
                if j < s.count && s[j] == "$" {
                    let tag = Array(s[i...j])
                    var k = j + 1
                    while k + tag.count <= s.count && Array(s[k..<(k + tag.count)]) != tag { k += 1 }
                    i = min(s.count, k + tag.count)
                    continue
                }
            }
            if isWordChar(c) {
                var j = i
                while j < s.count && isWordChar(s[j]) { j += 1 }
                if firstWord == nil, statements == 1 {
                    firstWord = String(String.UnicodeScalarView(s[i..<j]))
                }
                i = j
                continue
            }
            i += 1
        }
        return (statements, firstWord)
    }
}
