/// The console's pages as Mustache templates. `{{x}}` escapes HTML (every value from Matomo, the
/// warehouse or the config goes through it); `{{{body}}}` only ever takes a page this file rendered.
/// No inline script or style anywhere: the CSP allows only /static/console.js and console.css.
enum Templates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · matomo-sync</title>
        <link rel="stylesheet" href="/static/console.css">
        <script src="/static/console.js" defer></script>
        </head>
        <body>
        {{#signedIn}}
        <header>
          <strong>matomo-sync</strong>
          <nav><a href="/">Sources</a> <a href="/query">Query</a> <a href="/metrics">Metrics</a></nav>
          <form method="post" action="/reload" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Reload config</button></form>
          <form method="post" action="/signout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>
        </header>
        {{/signedIn}}
        <main>
        {{#flash}}<p class="flash">{{flash}}</p>{{/flash}}
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <h1>Sign in</h1>
        <form method="post" action="/signin" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <p><label for="password">Password</label><br><input type="password" id="password" name="password" autocomplete="current-password" autofocus required></p>
          <p><button type="submit">Sign in</button></p>
        </form>
        """

    static let sources = """
        <h1>Sources</h1>
        <p>Config: <code>{{configPath}}</code> · warehouse: <code>{{warehouse}}</code></p>
        {{#reloadError}}<p class="error" role="alert">The config file did not load (the sources below are the last good ones): {{reloadError}}</p>{{/reloadError}}
        <form method="get" action="/sources/new" class="inline"><button type="submit">New source</button></form>
        {{^sources}}<p>No source yet: link one with New source.</p>{{/sources}}
        <div data-live="/events">
        {{#sources}}
        <section class="source">
          <h2><a href="/sources/{{index}}">{{url}}</a> <small>{{sites}}{{#prefix}} · prefix <code>{{prefix}}</code>{{/prefix}}</small></h2>
          <table class="tables">
            <thead><tr><th>site</th><th>table</th><th>state</th><th>progress</th><th>rows</th><th>last success</th><th>next run</th><th>method</th><th>frequency</th></tr></thead>
            <tbody>
            {{#tables}}
            <tr data-key="{{key}}">
              <td>{{siteId}}</td><td><code>{{table}}</code></td>
              <td><span class="state state-{{state}}">{{state}}</span> <span class="error-text">{{error}}</span></td>
              <td><progress max="{{daysTotal}}" value="{{daysDone}}" {{^isRunning}}hidden{{/isRunning}}></progress> <span class="days">{{days}}</span></td>
              <td class="rows">{{rows}}</td><td class="last-success">{{lastSuccess}}</td><td class="next-run">{{nextRun}}</td>
              <td>{{method}}</td><td>{{frequency}}</td>
            </tr>
            {{/tables}}
            </tbody>
          </table>
        </section>
        {{/sources}}
        </div>
        """

    static let newSource = """
        <h1>New source</h1>
        <form method="post" action="/sources" id="new-source" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <p><label for="url">Instance URL</label><br><input type="text" id="url" name="url" placeholder="https://analytics.example.com" value="{{url}}" required size="50"></p>
          <p><label for="site">Site ID</label><br><input type="text" id="site" name="site" value="{{site}}" placeholder="1" required size="8"></p>
          <p><label for="token">API token</label><br><input type="password" id="token" name="token" autocomplete="off" required size="40"></p>
          <p><button type="button" id="check-connection">Check connection</button> <span id="check-result" role="status"></span></p>
          <table class="tables">
            <thead><tr><th>table</th><th>one row per</th><th>Sync method</th><th>Sync frequency</th></tr></thead>
            <tbody>
            {{#tables}}
            <tr>
              <td><label><input type="checkbox" name="table_{{name}}" value="on" checked> {{name}}</label></td>
              <td>{{meaning}}</td>
              <td><label>Sync method <select name="method_{{name}}">{{#methods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/methods}}</select></label></td>
              <td><label>Sync frequency <select name="every_{{name}}">{{#frequencies}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/frequencies}}</select></label></td>
            </tr>
            {{/tables}}
            </tbody>
          </table>
          <p><button type="submit">Import</button></p>
        </form>
        """

    static let source = """
        <h1>{{url}}</h1>
        <p>{{sites}}{{#prefix}} · table prefix <code>{{prefix}}</code>{{/prefix}} · token: kept in <code>{{tokenPlace}}</code> (never shown)</p>
        {{#verify}}<p>Verified against Matomo {{verify}} (set in the config file's <code>verify</code>); each verify is in the run history.</p>{{/verify}}
        <div data-live="/events">
        <table class="tables">
          <thead><tr><th>site</th><th>table</th><th>state</th><th>rows</th><th>last success</th><th>next run</th><th>method and frequency</th><th>actions</th></tr></thead>
          <tbody>
          {{#tables}}
          <tr data-key="{{key}}">
            <td>{{siteId}}</td><td><code>{{table}}</code></td>
            <td><span class="state state-{{state}}">{{state}}</span> <progress max="{{daysTotal}}" value="{{daysDone}}" {{^isRunning}}hidden{{/isRunning}}></progress> <span class="days">{{days}}</span> <span class="error-text">{{error}}</span></td>
            <td class="rows">{{rows}}</td><td class="last-success">{{lastSuccess}}</td><td class="next-run">{{nextRun}}</td>
            <td>{{#derived}}synced with {{derived}}{{/derived}}{{^derived}}
              <form method="post" action="/sources/{{sourceIndex}}/tables/{{table}}/plan" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <label>Sync method <select name="method">{{#methods}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/methods}}</select></label>
                <label>Sync frequency <select name="every">{{#frequencies}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/frequencies}}</select></label>
                <button type="submit">Save</button>
              </form>{{/derived}}
            </td>
            <td>{{^derived}}
              <form method="post" action="/sources/{{sourceIndex}}/tables/{{table}}/sync" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="site" value="{{siteId}}"><button type="submit">Sync now</button></form>
              <form method="post" action="/sources/{{sourceIndex}}/tables/{{table}}/sync" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="site" value="{{siteId}}"><input type="hidden" name="full_refresh" value="1"><button type="submit">Full refresh</button></form>
              {{#paused}}<form method="post" action="/sources/{{sourceIndex}}/tables/{{table}}/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Resume</button></form>{{/paused}}
              {{^paused}}<form method="post" action="/sources/{{sourceIndex}}/tables/{{table}}/pause" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Pause</button></form>{{/paused}}
            {{/derived}}</td>
          </tr>
          {{/tables}}
          </tbody>
        </table>
        </div>
        {{#charts}}
        <h2>Visits per day, site {{siteId}}</h2>
        {{{svg}}}
        {{/charts}}
        <h2>Run history</h2>
        {{^runs}}<p>No run recorded yet.</p>{{/runs}}
        {{#hasRuns}}
        <table class="history">
          <thead><tr><th>start</th><th>site</th><th>table</th><th>duration</th><th>rows</th><th>requests</th><th>result</th><th>error</th></tr></thead>
          <tbody>
          {{#runs}}<tr><td>{{startedAt}}</td><td>{{siteId}}</td><td><code>{{table}}</code></td><td>{{duration}}</td><td>{{rows}}</td><td>{{requests}}</td><td class="state-{{result}}">{{result}}</td><td>{{error}}</td></tr>{{/runs}}
          </tbody>
        </table>
        {{/hasRuns}}
        <h2>Remove</h2>
        <form method="get" action="/sources/{{sourceIndex}}/remove" class="inline"><button type="submit">Remove source</button></form>
        """

    static let removeSource = """
        <h1>Remove {{url}}?</h1>
        <form method="post" action="/sources/{{sourceIndex}}/remove" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="confirm" value="yes">
          <p>The source leaves the config file and stops syncing. Its data stays in the warehouse unless you also tick:</p>
          <p><label><input type="checkbox" name="delete_tables" value="yes"> Delete its tables</label></p>
          <p><button type="submit">Remove source</button> <a href="/sources/{{sourceIndex}}">Cancel</a></p>
        </form>
        """

    static let query = """
        <h1>Query</h1>
        <form method="post" action="/query" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <p><label for="sql">SQL</label><br><textarea id="sql" name="sql" rows="6" cols="100" spellcheck="false">{{sql}}</textarea></p>
          <p><button type="submit">Run</button>
          {{#csvLink}}<a href="{{csvLink}}" download="query.csv">Download CSV</a>{{/csvLink}}</p>
        </form>
        <p>Examples: {{#examples}}<button type="button" class="example" data-sql="{{sql}}">{{label}}</button> {{/examples}}</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#hasResult}}
        <p>{{rowCount}}</p>
        <table class="result" id="result">
          <thead><tr>{{#columns}}<th>{{.}}</th>{{/columns}}</tr></thead>
          <tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody>
        </table>
        {{/hasResult}}
        """
}
