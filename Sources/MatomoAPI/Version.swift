/// matomo-sync's version: the one place it is written. `--version` prints it and every request's
/// User-Agent carries it.
public enum MatomoSyncVersion {
    public static let current = "0.1.0"
}
