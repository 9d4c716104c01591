import Foundation

/// Visits per day as an SVG bar chart, drawn on the server: no script, nothing to load.
enum VisitsChart {
    static func svg(_ points: [(day: String, visits: Int)], width: Int = 900, height: Int = 220) -> String {
        guard !points.isEmpty else { return "<p>No visits_summary rows yet.</p>" }
        let top = max(1, points.map(\.visits).max() ?? 1)
        let left = 50, bottom = 30, plotWidth = width - left - 10, plotHeight = height - bottom - 10
        let step = Double(plotWidth) / Double(points.count)
        var out = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"Visits per day\">"
        out += "<text x=\"4\" y=\"16\">\(top)</text><text x=\"4\" y=\"\(height - bottom)\">0</text>"
        for (i, point) in points.enumerated() {
            let h = Double(plotHeight) * Double(point.visits) / Double(top)
            let x = Double(left) + Double(i) * step
            out += "<rect class=\"bar\" x=\"\(f(x))\" y=\"\(f(Double(10 + plotHeight) - h))\" width=\"\(f(max(1, step - 1)))\" height=\"\(f(h))\"><title>\(escape(point.day)): \(point.visits)</title></rect>"
        }
        out += "<text x=\"\(left)\" y=\"\(height - 8)\">\(escape(points.first!.day))</text>"
        out += "<text x=\"\(width - 80)\" y=\"\(height - 8)\">\(escape(points.last!.day))</text>"
        return out + "</svg>"
    }

    static func f(_ v: Double) -> String { String((v * 10).rounded() / 10) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
