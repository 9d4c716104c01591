/// The console's only script and stylesheet, served from /static/. The script writes every value
/// it receives with `textContent`, never as HTML.
enum StaticAssets {
    static let script = #"""
        "use strict";
        document.addEventListener("DOMContentLoaded", () => {
          const live = document.querySelector("[data-live]");
          if (live && window.EventSource) {
            const events = new EventSource(live.getAttribute("data-live"));
            events.onmessage = (message) => {
              const data = JSON.parse(message.data);
              for (const t of data.tables) {
                const row = document.querySelector('tr[data-key="' + CSS.escape(t.key) + '"]');
                if (!row) continue;
                const state = row.querySelector(".state");
                state.textContent = t.state;
                state.className = "state state-" + t.state;
                const set = (selector, text) => { const el = row.querySelector(selector); if (el) el.textContent = text; };
                set(".rows", t.rows);
                set(".last-success", t.lastSuccess);
                set(".next-run", t.nextRun);
                set(".error-text", t.error);
                set(".days", t.days);
                const bar = row.querySelector("progress");
                if (bar) {
                  bar.hidden = !t.isRunning;
                  bar.max = Math.max(1, t.daysTotal);
                  bar.value = t.daysDone;
                }
              }
              document.body.setAttribute("data-live-version", String(data.version));
            };
          }
          const check = document.getElementById("check-connection");
          if (check) {
            check.addEventListener("click", async () => {
              const form = document.getElementById("new-source");
              const out = document.getElementById("check-result");
              out.textContent = "checking...";
              out.className = "";
              const body = new URLSearchParams();
              for (const name of ["csrf", "url", "site", "token"]) body.set(name, form.elements[name].value);
              try {
                const answer = await fetch("/sources/check", { method: "POST", body, credentials: "same-origin" });
                const result = await answer.json();
                if (result.ok) {
                  out.textContent = "Matomo " + result.version + " · site: " + result.site + " · timezone: " + result.timezone;
                  out.className = "ok";
                } else {
                  out.textContent = result.error;
                  out.className = "error";
                }
              } catch (e) {
                out.textContent = "error: the console did not answer (" + e + ")";
                out.className = "error";
              }
            });
          }
          for (const button of document.querySelectorAll("button.example")) {
            button.addEventListener("click", () => {
              const sql = document.getElementById("sql");
              sql.value = button.getAttribute("data-sql");
              sql.focus();
            });
          }
        });
        """#

    static let stylesheet = """
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { display: flex; gap: 1.2em; align-items: center; padding: .6em 1.2em; background: #23324d; color: #fff; }
        header a { color: #cfe0ff; margin-right: .8em; }
        header nav { flex: 1; }
        main { padding: 1em 1.6em; }
        .inline { display: inline; }
        .card { background: #fff; padding: 1em 1.4em; border: 1px solid #dde1e8; border-radius: 6px; max-width: 70em; }
        table { border-collapse: collapse; background: #fff; margin: .5em 0 1.2em; }
        th, td { border: 1px solid #dde1e8; padding: .3em .6em; text-align: left; vertical-align: top; }
        th { background: #eef1f5; }
        .state { font-weight: 600; }
        .state-synced, .state-clean { color: #18794e; }
        .state-running { color: #1d5fd1; }
        .state-failed, .state-differs, .error, .error-text { color: #b42318; }
        .state-paused, .state-queued { color: #7a6a00; }
        .ok { color: #18794e; }
        .flash { background: #e7f6ec; padding: .4em .8em; border-radius: 4px; }
        button { cursor: pointer; }
        textarea { font-family: ui-monospace, monospace; width: 100%; }
        svg.chart { background: #fff; border: 1px solid #dde1e8; }
        svg.chart .bar { fill: #4a78c2; }
        svg.chart text { font-size: 11px; fill: #4b5565; }
        """
}
