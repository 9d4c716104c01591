"""The web console end to end in headless Chromium: sign in, link the fake Matomo through New source,
check the connection, pick tables and methods, Import, wait for the live status to reach `synced`
for every table without reloading, compare the row counts with the warehouse, run a query.
Screenshots of each page go to $SCREENSHOTS."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORD = "browser-test-password"
SHOTS = os.environ.get("SCREENSHOTS", tempfile.gettempdir())
# Left out in the form, to check that unticked tables stay out of the config.
UNTICKED = {"event_categories", "event_actions", "event_names"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fake():
    proc = subprocess.Popen([os.environ["MATOMO_FAKE_BIN"], "--port", "0", "--days", "20", "--seed", "3",
                             # Slow answers (200 ms each: the first sync takes several seconds), so it is seen running with its
                             # progress bar: at 25 ms, with the report tables beside the visit walk, a run once finished between two looks.
                             "--latency-ms", "200"],
                            stdout=subprocess.PIPE, text=True)
    url = token = None
    for line in proc.stdout:
        if line.startswith("Fake Matomo"):
            url = re.search(r"(http://\S+)", line).group(1)
        elif line.startswith("token_auth:"):
            token = line.split()[1]
            break
    assert url and token, "matomo-fake did not start"
    yield url, token
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def console(fake):
    folder = tempfile.mkdtemp(prefix="matomo-console-browser-")
    port = free_port()
    warehouse = os.path.join(folder, "warehouse.sqlite")
    config = os.path.join(folder, "matomo-sync.toml")
    log = open(os.path.join(folder, "serve.log"), "w")
    env = dict(os.environ, MATOMO_SYNC_CONSOLE_PASSWORD=PASSWORD)
    proc = subprocess.Popen([os.environ["MATOMO_SYNC_BIN"], "serve", "--config", config, "--listen", f"127.0.0.1:{port}",
                             "--warehouse", "sqlite:" + warehouse], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        raise AssertionError("matomo-sync serve did not listen: " + open(log.name).read())
    yield {"base": f"http://127.0.0.1:{port}", "warehouse": warehouse, "config": config, "proc": proc, "log": log.name}
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000", "--disable-gpu"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def field(driver, label):
    """The control a <label for=...> with exactly this text names."""
    element = driver.find_element(By.XPATH, f"//label[normalize-space()='{label}']")
    return driver.find_element(By.ID, element.get_attribute("for"))


def button(driver, text):
    return driver.find_element(By.XPATH, f"//button[normalize-space()='{text}']")


def shoot(driver, name):
    # The whole page, not just the window.
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, max(1000, min(height + 40, 6000)))
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
    driver.set_window_size(1400, 1000)


def warehouse_count(path, table):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table} WHERE _site_id = 1").fetchone()[0]
    finally:
        db.close()


def test_link_import_watch_and_query(fake, console, browser):
    url, token = fake
    base = console["base"]
    wait = WebDriverWait(browser, 120, poll_frequency=0.2)

    # Sign in.
    browser.get(base + "/")
    assert browser.current_url.endswith("/signin")
    field(browser, "Password").send_keys(PASSWORD)
    shoot(browser, "1-sign-in")
    button(browser, "Sign in").click()
    wait.until(lambda d: d.find_elements(By.XPATH, "//h1[normalize-space()='Sources']"))

    # New source: the fields, Check connection.
    button(browser, "New source").click()
    wait.until(lambda d: d.find_elements(By.XPATH, "//h1[normalize-space()='New source']"))
    field(browser, "Instance URL").send_keys(url)
    field(browser, "Site ID").send_keys("1")
    token_input = field(browser, "API token")
    assert token_input.get_attribute("type") == "password"
    token_input.send_keys(token)
    button(browser, "Check connection").click()
    result = browser.find_element(By.ID, "check-result")
    wait.until(lambda d: "Matomo" in result.text or "error" in result.text)
    assert "Matomo 5.0.2" in result.text and "Example Shop" in result.text and "Europe/Paris" in result.text, result.text

    # Tables: all ticked by default with 6 hours; untick some, pick methods and frequencies.
    boxes = browser.find_elements(By.XPATH, "//input[@type='checkbox' and starts-with(@name, 'table_')]")
    assert len(boxes) >= 12 and all(b.is_selected() for b in boxes)
    tables = [b.get_attribute("name")[len("table_"):] for b in boxes]

    def row_select(table, label):
        return Select(browser.find_element(By.XPATH, f"//tr[.//input[@name='table_{table}']]//label[contains(normalize-space(), '{label}')]//select"))

    for t in tables:
        assert row_select(t, "Sync frequency").first_selected_option.text == "6 hours"
        assert [o.text for o in row_select(t, "Sync method").options] == ["Incremental", "Full refresh"]
        assert [o.text for o in row_select(t, "Sync frequency").options] == ["1 hour", "6 hours", "12 hours", "24 hours", "7 days"]
    for t in UNTICKED:
        browser.find_element(By.NAME, f"table_{t}").click()
    row_select("countries", "Sync method").select_by_visible_text("Full refresh")
    row_select("visits_summary", "Sync frequency").select_by_visible_text("1 hour")
    shoot(browser, "2-new-source")
    button(browser, "Import").click()

    # The sources page updates live: the marker set now survives only if the page is never reloaded.
    wait.until(lambda d: d.find_elements(By.XPATH, "//h1[normalize-space()='Sources']"))
    browser.execute_script("window.__notReloaded = true")
    expected = [t for t in tables if t not in UNTICKED]
    seen = set()
    bars = []

    def all_synced(d):
        states = {r.get_attribute("data-key").split("|")[2]: r.find_element(By.CSS_SELECTOR, ".state").text
                  for r in d.find_elements(By.CSS_SELECTOR, "tr[data-key]")}
        seen.update(states.values())
        for r in d.find_elements(By.CSS_SELECTOR, "tr[data-key]"):
            bar = r.find_element(By.TAG_NAME, "progress")
            if bar.is_displayed() and r.find_element(By.CSS_SELECTOR, ".state").text == "running":
                bars.append((bar.get_attribute("value"), bar.get_attribute("max"), r.find_element(By.CSS_SELECTOR, ".days").text))
                if len(bars) == 1:
                    shoot(d, "3-sources-running")
        assert "failed" not in states.values(), states
        return set(states) == set(expected) and all(s == "synced" for s in states.values())

    wait.until(all_synced)
    assert browser.execute_script("return window.__notReloaded === true"), "the page was reloaded"
    # The page first showed the tables before they synced (queued or running), then changed in place.
    assert seen - {"synced"}, f"only ever saw {seen}"
    assert "running" in seen and bars, f"never saw a table running with its bar: {seen}"
    assert any(" of " in days and "days" in days for _, _, days in bars), bars
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-live-version"), "no live update arrived"
    shoot(browser, "3-sources")

    # Shown rows equal the warehouse's (the live update may lag a second behind the last commit).
    def rows_match(d):
        for r in d.find_elements(By.CSS_SELECTOR, "tr[data-key]"):
            table = r.get_attribute("data-key").split("|")[2]
            shown = int(r.find_element(By.CSS_SELECTOR, ".rows").text.replace(",", ""))
            if shown != warehouse_count(console["warehouse"], table):
                return False
        return True

    WebDriverWait(browser, 10, poll_frequency=0.5).until(rows_match)
    assert warehouse_count(console["warehouse"], "visits") > 0

    # The file holds the source, without the token.
    text = open(console["config"]).read()
    assert url in text and token not in text
    for t in UNTICKED:
        assert f"{t} = false" in text
    assert 'countries = { method = "full_refresh"' in text and 'visits_summary = { method = "incremental", every = "1h" }' in text

    # The source's page: history, chart.
    browser.find_element(By.XPATH, f"//h2/a[normalize-space()='{url}']").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart rect"))
    # The run history is written when the scheduler's pass ends, a moment after the tables show
    # synced, and the page does not update it live: reload until it is there.
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.history tbody tr") or d.refresh())
    for label in ["Sync now", "Full refresh", "Pause", "Remove source"]:
        assert browser.find_elements(By.XPATH, f"//button[normalize-space()='{label}']"), label
    shoot(browser, "4-source")

    # Query: run, read the result table.
    browser.get(base + "/query")
    sql = field(browser, "SQL")
    sql.clear()
    sql.send_keys("SELECT COUNT(*) AS visits FROM visits")
    button(browser, "Run").click()
    cell = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#result tbody td"))
    assert int(cell.text) == warehouse_count(console["warehouse"], "visits")
    assert browser.find_element(By.LINK_TEXT, "Download CSV").get_attribute("href").startswith(base + "/query.csv?sql=")
    browser.find_element(By.XPATH, "//button[normalize-space()='Top pages']").click()
    button(browser, "Run").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#result tbody tr")) > 0)
    shoot(browser, "5-query")

    # A source added to the file by hand shows after SIGHUP.
    hand = "\n[[source]]\nurl = \"%s\"\nsites = [1]\ntoken_file = \"%s\"\ntable_prefix = \"hand_\"\n\n[source.tables]\n" % (
        url, re.search(r'token_file = "([^"]+)"', text).group(1))
    hand += "".join(f"{t} = false\n" for t in tables if t != "visits_summary")
    with open(console["config"], "a") as f:
        f.write(hand)
    console["proc"].send_signal(signal.SIGHUP)
    time.sleep(1)
    browser.get(base + "/")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-key="1|1|visits_summary"] .state'))
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, 'tr[data-key="1|1|visits_summary"] .state').text == "synced")
    assert warehouse_count(console["warehouse"], "hand_visits_summary") > 0

    # SIGTERM: the batch in hand is committed, exit 0.
    console["proc"].send_signal(signal.SIGTERM)
    assert console["proc"].wait(30) == 0, open(console["log"]).read()
