/// Keeps the last row of each merge key in a batch, in first-seen order: what row-by-row upserts
/// give (SQLite), and what a multi-row `INSERT ... ON CONFLICT` (PostgreSQL, which refuses to touch
/// a row twice in one statement) or a ReplacingMergeTree block (ClickHouse) need made explicit.
/// Rows with a NULL key cell are all kept, as a unique index keeps them.
func lastRowPerKey(_ batch: RowBatch, mergeKey: [String]) -> [[Cell]] {
    let keyIndexes = mergeKey.compactMap { batch.index(of: $0) }
    guard keyIndexes.count == mergeKey.count, batch.rows.count > 1 else { return batch.rows }
    var position: [[Cell]: Int] = [:]
    var rows: [[Cell]] = []
    rows.reserveCapacity(batch.rows.count)
    for row in batch.rows {
        let key = keyIndexes.map { batch.cell(row, $0) }
        if key.contains(.null) {
            rows.append(row)
        } else if let at = position[key] {
            rows[at] = row
        } else {
            position[key] = rows.count
            rows.append(row)
        }
    }
    return rows
}
