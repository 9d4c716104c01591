// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "matomo-sync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "matomo-sync", targets: ["matomo-sync"]),
        .executable(name: "matomo-fake", targets: ["matomo-fake"]),
        .executable(name: "matomo-bench", targets: ["matomo-bench"]),
        .library(name: "MatomoSync", targets: ["MatomoSync"]),
        .library(name: "MatomoFake", targets: ["MatomoFake"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/console-kit", from: "4.15.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // HTTP client for Matomo's Reporting API: requests, errors, site info, JSON reading.
        // Knows nothing of tables or warehouses.
        .target(
            name: "MatomoAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Tables, planning rules, row shaping, warehouses and the sync engine.
        .target(
            name: "MatomoSync",
            dependencies: [
                "MatomoAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The fake Matomo server used by tests, the benchmark and `matomo-sync demo`.
        // Independent of the client on purpose: it must not share the code it tests.
        .target(
            name: "MatomoFake",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ]
        ),
        // The web console of `matomo-sync serve`: sign-in, sources, the New source form, queries, metrics.
        // Reaches the engine and the warehouse through one adapter (Sources/MatomoSyncConsole/ConsoleBackend.swift).
        .target(
            name: "MatomoSyncConsole",
            dependencies: [
                "MatomoSync",
                "MatomoAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "matomo-sync",
            dependencies: [
                "MatomoSync",
                "MatomoSyncConsole",
                "MatomoFake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ConsoleKitTerminal", package: "console-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runs the fake Matomo alone, for poking at it with curl.
        .executableTarget(
            name: "matomo-fake",
            dependencies: ["MatomoFake"]
        ),
        // The benchmark: the fake Matomo with a year of visits, the built `matomo-sync` as a child process.
        .executableTarget(
            name: "matomo-bench",
            dependencies: ["MatomoFake", "MatomoSync"]
        ),
        // The conformance suite's traffic for a real Matomo's Tracking API (scripts/conformance.sh).
        .executableTarget(
            name: "conformance-traffic",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .testTarget(
            name: "MatomoFakeTests",
            dependencies: ["MatomoFake"],
            // Real answers, read by path (#filePath) rather than bundled.
            exclude: ["Samples"]
        ),
        // The client alone: URLs, tokens, JSON reading, rate limits, retries (against the fake).
        .testTarget(
            name: "MatomoAPITests",
            dependencies: ["MatomoAPI", "MatomoFake"]
        ),
        .testTarget(
            name: "MatomoSyncTests",
            dependencies: ["MatomoSync", "MatomoFake", "MatomoAPI", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            // Read from the source tree by path (Support/Fixtures.swift), not bundled as resources.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MatomoSyncConsoleTests",
            dependencies: ["MatomoSyncConsole", "MatomoSync", "MatomoFake", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        // Tests against a real Matomo (scripts/conformance.sh provides one); skipped without MATOMO_CONFORMANCE_URL.
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["MatomoSync", "MatomoFake", "MatomoAPI"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
