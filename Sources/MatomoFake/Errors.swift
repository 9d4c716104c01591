/// Matomo API errors, with the exact messages and HTTP statuses of a Matomo 5.0.2 server
/// (see /work/shared/matomo-samples ERR.* / TOKEN.* and Matomo's source for the ones not sampled).
enum MatomoError: Error, Equatable {
    case wrongToken
    case tokenNotPosted
    case noViewAccess(site: String)
    case noViewAccessAnySite
    case invalidMethodName
    case pluginNotEnabled(String)
    case unknownMethod(module: String, method: String)
    case missingParameter(String)
    case unknownSite(String)
    case invalidDate
    case invalidPeriod(String)
    case notARange(String)
    case referrersGetAllMultiple

    var message: String {
        switch self {
        case .wrongToken:
            return "Unable to authenticate with the provided token. It is either invalid or expired."
        case .tokenNotPosted:
            return "Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter."
        case .noViewAccess(let site):
            return "You can't access this resource as it requires 'view' access for the website id = \(site)."
        case .noViewAccessAnySite:
            return "You can't access this resource as it requires view access for at least one website."
        case .invalidMethodName:
            return "The method name is invalid. Expected 'module.methodName'"
        case .pluginNotEnabled(let module):
            return "The plugin \(module) is not enabled. You can activate the plugin on Settings &gt; Plugins page in Matomo."
        case .unknownMethod(let module, let method):
            return "The method '\(method)' does not exist or is not available in the module '\\Piwik\\Plugins\\\(module)\\API'."
        case .missingParameter(let name):
            return "Please specify a value for '\(name)'."
        case .unknownSite(let id):
            return "An unexpected website was found in the request: website id was set to '\(id)' ."
        case .invalidDate:
            return "Date format must be: YYYY-MM-DD, or 'today' or 'yesterday' or any keyword supported by the strtotime function (see http://php.net/strtotime for more information): false"
        case .invalidPeriod(let period):
            return "The period '\(period)' is not supported. Try any of the following instead: day, week, month, year, range"
        case .notARange(let date):
            return "The date '\(date)' is not a correct date range. It should have the following format:  'lastN', 'previousN', 'YYYY-MM-DD,YYYY-MM-DD'."
        case .referrersGetAllMultiple:
            return "Referrers.getAll with multiple sites or dates is not supported (yet)."
        }
    }

    /// 401 for authentication and access problems, 200 for everything else (as Matomo does).
    var status: Int {
        switch self {
        case .wrongToken, .tokenNotPosted, .noViewAccess, .noViewAccessAnySite: return 401
        default: return 200
        }
    }
}
