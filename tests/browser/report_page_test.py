#!/usr/bin/python3
"""Loads redsim's HTML reports in headless Chromium (Debian's chromium + chromedriver, driven by
Debian's python3-selenium) and checks what a reader's browser would show:

  * a run page and a sweep index load with no console messages of level SEVERE (script errors,
    failed loads, bad SVG attributes all land there);
  * the run page's timeline has exactly one element (`#timeline rect.op`) per operation in the
    run's history, and the page's own "N of M operations" line agrees;
  * every run page the sweep index links to loads cleanly too.

A self-check first loads a page with a deliberate script error and a failed load, and requires
the harness to see both: a harness that cannot see console errors would pass everything.

Usage: report_page_test.py REDSIM_CLI WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def start_browser(profile_dir):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    # The flags keep Chromium from reaching for the network (this machine has none) and from
    # needing a sandbox or GPU it cannot have under CI.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--user-data-dir=" + profile_dir, "--window-size=1400,1000"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def severe_messages(driver, url):
    driver.get(url)
    driver.find_element(By.TAG_NAME, "body")  # the document is there
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def run(cmd):
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)
    return proc.returncode, proc.stdout


def self_check(driver, work):
    bad = os.path.join(work, "broken.html")
    with open(bad, "w") as f:
        f.write("<!doctype html><html><body><p>x</p>"
                "<img src=\"missing-image.png\">"
                "<script>undefinedFunctionCall();</script></body></html>")
    msgs = severe_messages(driver, "file://" + bad)
    check(any("undefinedFunctionCall" in m for m in msgs),
          "self-check: the harness sees a script error (%d SEVERE messages)" % len(msgs))
    check(any("missing-image.png" in m for m in msgs),
          "self-check: the harness sees a failed load")


def history_operations(path):
    count = 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            ev = json.loads(line)
            if ev.get("type") == "invoke" and ev.get("process") != "nemesis":
                count += 1
    return count


def run_page(driver, cli, work):
    out = os.path.join(work, "run")
    page = os.path.join(out, "run.html")
    # A crash-heavy scenario, small enough that the page draws every operation.
    rc, text = run([cli, "run", "single-node-kv", "--seed", "7", "--duration", "4s",
                    "--max-ops", "400", "--out", out, "--html", page])
    check(rc in (0, 1) and os.path.exists(page), "redsim run wrote " + page)
    if not os.path.exists(page):
        print(text)
        return
    ops = history_operations(os.path.join(out, "history.jsonl"))
    check(ops > 0, "history has %d operations" % ops)
    msgs = severe_messages(driver, "file://" + page)
    check(not msgs, "run page loads with no console errors " + repr(msgs[:3]))
    drawn = driver.find_elements(By.CSS_SELECTOR, "#timeline rect.op")
    check(len(drawn) == ops,
          "timeline has one element per operation (%d elements, %d operations)" %
          (len(drawn), ops))
    body = driver.find_element(By.TAG_NAME, "body").text
    m = re.search(r"Showing (\d+) of (\d+) operations", body)
    check(m is not None and int(m.group(1)) == ops and int(m.group(2)) == ops,
          "page says it shows all %d operations (%s)" % (ops, m.group(0) if m else "no line"))
    visible = [e for e in drawn[:50] if e.is_displayed()]
    check(len(visible) == min(50, len(drawn)), "operation elements are rendered (displayed)")


def sweep_pages(driver, cli, work):
    out = os.path.join(work, "sweep")
    rc, text = run([cli, "sweep", "all", "--seeds", "1..2", "--duration", "2s", "--out", out])
    index = os.path.join(out, "index.html")
    check(os.path.exists(index), "redsim sweep wrote " + index)
    if not os.path.exists(index):
        print(text)
        return
    msgs = severe_messages(driver, "file://" + index)
    check(not msgs, "sweep index loads with no console errors " + repr(msgs[:3]))
    links = sorted({a.get_attribute("href") for a in
                    driver.find_elements(By.CSS_SELECTOR, "a[href$='.html']")})
    check(len(links) > 0, "sweep index links %d run pages" % len(links))
    for href in links:
        msgs = severe_messages(driver, href)
        check(not msgs, "linked page %s loads cleanly %s" % (os.path.basename(href), msgs[:2]))
        n = len(driver.find_elements(By.CSS_SELECTOR, "#timeline rect.op"))
        m = re.search(r"Showing (\d+) of (\d+) operations",
                      driver.find_element(By.TAG_NAME, "body").text)
        if m:
            check(n == int(m.group(1)),
                  "%s: %d timeline elements for the %s operations it says it shows" %
                  (os.path.basename(href), n, m.group(1)))


def main():
    cli = sys.argv[1]
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            print("FAIL %s is missing: run scripts/setup-deps.sh" % tool)
            return 1
    work = tempfile.mkdtemp(prefix="redsim-browser-")
    driver = start_browser(os.path.join(work, "profile"))
    try:
        self_check(driver, work)
        run_page(driver, cli, work)
        sweep_pages(driver, cli, work)
    finally:
        driver.quit()
        shutil.rmtree(work, ignore_errors=True)
    print("%d failure(s)" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
