import Foundation

/// Reference data Matomo derives from its own tables (GeoIP, DeviceDetector, search engine and social
/// lists): looked up from the few values a FakeVisit carries, so visits render all ~84 fields.
enum Lookups {
    struct Country {
        var code: String
        var name: String
        var continent: String
        var continentCode: String
        var languageCode: String
        var language: String
        var ipPrefix: String
        var weight: Int
        var flag: String { "plugins/Morpheus/icons/dist/flags/\(code).png" }
    }

    static let countries: [Country] = [
        Country(code: "fr", name: "France", continent: "Europe", continentCode: "eur", languageCode: "fr", language: "French", ipPrefix: "90.12", weight: 22),
        Country(code: "us", name: "United States", continent: "North America", continentCode: "amn", languageCode: "en", language: "English", ipPrefix: "98.207", weight: 16),
        Country(code: "de", name: "Germany", continent: "Europe", continentCode: "eur", languageCode: "de", language: "German", ipPrefix: "84.130", weight: 12),
        Country(code: "gb", name: "United Kingdom", continent: "Europe", continentCode: "eur", languageCode: "en", language: "English", ipPrefix: "81.2", weight: 8),
        Country(code: "nl", name: "Netherlands", continent: "Europe", continentCode: "eur", languageCode: "nl", language: "Dutch", ipPrefix: "145.53", weight: 6),
        Country(code: "it", name: "Italy", continent: "Europe", continentCode: "eur", languageCode: "it", language: "Italian", ipPrefix: "93.40", weight: 5),
        Country(code: "es", name: "Spain", continent: "Europe", continentCode: "eur", languageCode: "es", language: "Spanish", ipPrefix: "83.44", weight: 5),
        Country(code: "ca", name: "Canada", continent: "North America", continentCode: "amn", languageCode: "en", language: "English", ipPrefix: "24.114", weight: 4),
        Country(code: "br", name: "Brazil", continent: "South America", continentCode: "ams", languageCode: "pt", language: "Portuguese", ipPrefix: "177.33", weight: 4),
        Country(code: "jp", name: "Japan", continent: "Asia", continentCode: "asi", languageCode: "ja", language: "Japanese", ipPrefix: "126.15", weight: 3),
        Country(code: "be", name: "Belgium", continent: "Europe", continentCode: "eur", languageCode: "fr", language: "French", ipPrefix: "81.240", weight: 3),
        Country(code: "ch", name: "Switzerland", continent: "Europe", continentCode: "eur", languageCode: "de", language: "German", ipPrefix: "85.1", weight: 3),
        Country(code: "in", name: "India", continent: "Asia", continentCode: "asi", languageCode: "en", language: "English", ipPrefix: "49.36", weight: 3),
        Country(code: "au", name: "Australia", continent: "Oceania", continentCode: "oce", languageCode: "en", language: "English", ipPrefix: "1.120", weight: 2),
        Country(code: "pl", name: "Poland", continent: "Europe", continentCode: "eur", languageCode: "pl", language: "Polish", ipPrefix: "83.20", weight: 2),
    ]

    private static let countryByCode: [String: Country] = Dictionary(uniqueKeysWithValues: countries.map { ($0.code, $0) })

    static func country(_ code: String) -> Country {
        countryByCode[code] ?? Country(code: code, name: code.isEmpty || code == "xx" ? "Unknown" : code.uppercased(),
                                       continent: "Unknown", continentCode: "unk", languageCode: "en", language: "English",
                                       ipPrefix: "203.0", weight: 0)
    }

    /// A device/OS/browser combination as DeviceDetector would report it.
    struct Device {
        var deviceType: String
        var brand: String
        var model: String
        var osName: String
        var osVersion: String
        var osCode: String
        var osIconCode: String
        var browserFamily: String
        var browserFamilyDescription: String
        var browserName: String
        var browserVersion: String
        var browserCode: String
        var resolutions: [String]
        var weight: Int
        // Derived strings, built once per table entry rather than once per rendered visit.
        let operatingSystem: String
        let browser: String
        let deviceTypeIcon: String
        let osIcon: String
        let browserIcon: String

        init(deviceType: String, brand: String, model: String, osName: String, osVersion: String, osCode: String,
             osIconCode: String, browserFamily: String, browserFamilyDescription: String, browserName: String,
             browserVersion: String, browserCode: String, resolutions: [String], weight: Int) {
            self.deviceType = deviceType
            self.brand = brand
            self.model = model
            self.osName = osName
            self.osVersion = osVersion
            self.osCode = osCode
            self.osIconCode = osIconCode
            self.browserFamily = browserFamily
            self.browserFamilyDescription = browserFamilyDescription
            self.browserName = browserName
            self.browserVersion = browserVersion
            self.browserCode = browserCode
            self.resolutions = resolutions
            self.weight = weight
            operatingSystem = osVersion.isEmpty ? osName : "\(osName) \(osVersion)"
            browser = browserVersion.isEmpty ? browserName : "\(browserName) \(browserVersion)"
            deviceTypeIcon = "plugins/Morpheus/icons/dist/devices/\(deviceType.lowercased()).png"
            osIcon = "plugins/Morpheus/icons/dist/os/\(osIconCode).png"
            browserIcon = "plugins/Morpheus/icons/dist/browsers/\(browserCode).png"
        }
    }

    private struct DeviceKey: Hashable {
        var type: String
        var os: String
        var browser: String
    }

    private static let desktop = ["1920x1080", "1366x768", "1440x900", "2560x1440", "1536x864"]
    private static let phone = ["390x844", "412x915", "393x873", "360x800"]
    private static let tablet = ["820x1180", "1024x1366", "768x1024"]

    static let devices: [Device] = [
        Device(deviceType: "Desktop", brand: "Unknown", model: "Generic Desktop", osName: "Windows", osVersion: "10", osCode: "WIN", osIconCode: "WIN",
               browserFamily: "Blink", browserFamilyDescription: "Blink (Chrome, Opera)", browserName: "Chrome", browserVersion: "119.0", browserCode: "CH", resolutions: desktop, weight: 24),
        Device(deviceType: "Desktop", brand: "Unknown", model: "Generic Desktop", osName: "Windows", osVersion: "10", osCode: "WIN", osIconCode: "WIN",
               browserFamily: "Blink", browserFamilyDescription: "Blink (Chrome, Opera)", browserName: "Microsoft Edge", browserVersion: "119.0", browserCode: "PS", resolutions: desktop, weight: 8),
        Device(deviceType: "Desktop", brand: "Unknown", model: "Generic Desktop", osName: "Windows", osVersion: "10", osCode: "WIN", osIconCode: "WIN",
               browserFamily: "Gecko", browserFamilyDescription: "Gecko (Firefox)", browserName: "Firefox", browserVersion: "120.0", browserCode: "FF", resolutions: desktop, weight: 5),
        Device(deviceType: "Desktop", brand: "Apple", model: "Generic Desktop", osName: "Mac", osVersion: "10.15", osCode: "MAC", osIconCode: "MAC",
               browserFamily: "WebKit", browserFamilyDescription: "WebKit (Safari)", browserName: "Safari", browserVersion: "17.1", browserCode: "SF", resolutions: desktop, weight: 8),
        Device(deviceType: "Desktop", brand: "Apple", model: "Generic Desktop", osName: "Mac", osVersion: "10.15", osCode: "MAC", osIconCode: "MAC",
               browserFamily: "Blink", browserFamilyDescription: "Blink (Chrome, Opera)", browserName: "Chrome", browserVersion: "119.0", browserCode: "CH", resolutions: desktop, weight: 6),
        Device(deviceType: "Desktop", brand: "Unknown", model: "Generic Desktop", osName: "GNU/Linux", osVersion: "", osCode: "LIN", osIconCode: "LIN",
               browserFamily: "Gecko", browserFamilyDescription: "Gecko (Firefox)", browserName: "Firefox", browserVersion: "120.0", browserCode: "FF", resolutions: desktop, weight: 4),
        Device(deviceType: "Smartphone", brand: "Apple", model: "iPhone", osName: "iOS", osVersion: "17.1", osCode: "IOS", osIconCode: "IOS",
               browserFamily: "WebKit", browserFamilyDescription: "WebKit (Safari)", browserName: "Mobile Safari", browserVersion: "17.1", browserCode: "MF", resolutions: phone, weight: 18),
        Device(deviceType: "Smartphone", brand: "Google", model: "Pixel 8", osName: "Android", osVersion: "14", osCode: "AND", osIconCode: "AND",
               browserFamily: "Blink", browserFamilyDescription: "Blink (Chrome, Opera)", browserName: "Chrome Mobile", browserVersion: "119.0", browserCode: "CM", resolutions: phone, weight: 10),
        Device(deviceType: "Smartphone", brand: "Samsung", model: "Galaxy S23", osName: "Android", osVersion: "14", osCode: "AND", osIconCode: "AND",
               browserFamily: "Blink", browserFamilyDescription: "Blink (Chrome, Opera)", browserName: "Samsung Browser", browserVersion: "23.0", browserCode: "SB", resolutions: phone, weight: 7),
        Device(deviceType: "Tablet", brand: "Apple", model: "iPad", osName: "iOS", osVersion: "16.6", osCode: "IPA", osIconCode: "IOS",
               browserFamily: "WebKit", browserFamilyDescription: "WebKit (Safari)", browserName: "Mobile Safari", browserVersion: "16.6", browserCode: "MF", resolutions: tablet, weight: 7),
    ]

    private static let deviceByKey: [DeviceKey: Device] = {
        var out: [DeviceKey: Device] = [:]
        for d in devices {
            let key = DeviceKey(type: d.deviceType, os: d.osName, browser: d.browserName)
            if out[key] == nil { out[key] = d }
        }
        return out
    }()

    static func device(type: String, os: String, browser: String) -> Device {
        if let d = deviceByKey[DeviceKey(type: type, os: os, browser: browser)] { return d }
        // Anything else: keep what the visit says, fill the rest the way DeviceDetector does for unknowns.
        return Device(deviceType: type, brand: "Unknown", model: "", osName: os, osVersion: "", osCode: "UNK", osIconCode: "UNK",
                      browserFamily: "Unknown", browserFamilyDescription: "Unknown", browserName: browser, browserVersion: "",
                      browserCode: "UNK", resolutions: type == "Desktop" ? desktop : phone, weight: 0)
    }

    static let referrerTypeNames: [String: String] = [
        "direct": "Direct Entry", "search": "Search Engines", "website": "Websites",
        "campaign": "Campaigns", "social": "Social Networks",
    ]

    /// `referer_type` integers of Referrers.getAll (Matomo's Common::REFERRER_TYPE_*).
    static let referrerTypeIDs: [String: Int] = ["direct": 1, "search": 2, "website": 3, "campaign": 6, "social": 7]

    private static let searchEngineURLs: [String: String] = [
        "Google": "http://google.com", "Bing": "http://bing.com", "DuckDuckGo": "http://duckduckgo.com",
        "Ecosia": "http://ecosia.org", "Yahoo!": "http://search.yahoo.com", "Qwant": "http://qwant.com",
    ]

    static func searchEngineURL(_ name: String) -> String {
        searchEngineURLs[name] ?? "http://\(name.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "." }).com"
    }

    private static let socialURLs: [String: String] = [
        "LinkedIn": "linkedin.com", "Hacker News": "news.ycombinator.com", "reddit": "reddit.com",
        "Twitter": "twitter.com", "Facebook": "facebook.com", "Mastodon": "mastodon.social",
    ]

    static func socialURL(_ name: String, referrerUrl: String) -> String {
        if let url = socialURLs[name] { return url }
        var host = Substring(referrerUrl)
        if let r = host.range(of: "://") { host = host[r.upperBound...] }
        host = host.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if host.hasPrefix("www.") { host = host.dropFirst(4) }
        return String(host)
    }

    /// Matomo's timezone_name for SitesManager answers.
    static func timezoneName(_ tz: String) -> String {
        let known: [String: String] = [
            "Europe/Paris": "France", "Europe/Berlin": "Germany", "Europe/London": "United Kingdom",
            "Europe/Amsterdam": "Netherlands", "Europe/Madrid": "Spain - Madrid", "Europe/Rome": "Italy",
            "America/Los_Angeles": "United States - Los Angeles", "America/New_York": "United States - New York",
            "America/Chicago": "United States - Chicago", "Asia/Tokyo": "Japan", "Asia/Kolkata": "India",
            "Australia/Sydney": "Australia - Sydney", "UTC": "UTC",
        ]
        if let name = known[tz] { return name }
        if let offset = SiteZone.fixedOffset(tz) {
            let sign = offset < 0 ? "-" : "+"
            let m = abs(offset) / 60
            return m % 60 == 0 ? "UTC\(sign)\(m / 60)" : "UTC\(sign)\(m / 60):\(m % 60 < 10 ? "0" : "")\(m % 60)"
        }
        return tz.split(separator: "/").last.map { $0.replacingOccurrences(of: "_", with: " ") } ?? tz
    }

    static let currencySymbols: [String: String] = ["EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF", "INR": "₹"]
    static let currencyNames: [String: String] = [
        "EUR": "Euro", "USD": "US Dollar", "GBP": "British Pound", "JPY": "Japanese Yen", "CHF": "Swiss Franc", "INR": "Indian Rupee",
    ]
}
