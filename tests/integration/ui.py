#!/usr/bin/python3
# ui.py URL TURL OUTDIR [TOKEN] -- the web UI in headless Chromium against a
# real daemon (started by ui.sh): the runs list, a run's charts updating
# live, a reload mid-run that brings the history back, the stop button, a
# scenario's trend of five runs, a comparison, and (with TOKEN) the token
# asked for once and never put in a URL. No errors in the browser console.
# Prints TAP lines; screenshots go to OUTDIR.
import json
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

URL, TURL, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
TOKEN = sys.argv[4] if len(sys.argv) > 4 else None
n = 0
failed = 0


def ok(cond, name):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(('ok' if cond else 'not ok') + ' %d - %s' % (n, name), flush=True)


def call(method, path, body=None):
    req = urllib.request.Request(URL + path, method=method)
    if TOKEN:
        req.add_header('Authorization', 'Bearer ' + TOKEN)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header('Content-Type', 'application/json')
    with urllib.request.urlopen(req, data, timeout=10) as r:
        return json.loads(r.read() or b'null')


def scenario(name, duration, vus=4):
    return {'name': name, 'target': TURL, 'load': {
        'executor': 'constant-vus', 'vus': vus, 'duration': duration},
        'requests': [{'name': 'home', 'path': '/'},
                     {'name': 'other', 'path': '/x'}]}


def wait_for(fn, secs, step=0.2):
    end = time.time() + secs
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:
            pass
        time.sleep(step)
    return None


def wait_run(rid, secs=60):
    return wait_for(lambda: call('GET', '/v1/runs/%d' % rid)['status'] in
                    ('completed', 'stopped', 'aborted', 'failed',
                     'interrupted'), secs)


def points(chart):
    return d.execute_script(
        "const c = Chart.getChart(arguments[0]);"
        "return c ? c.data.datasets.map(s => s.data.length) : null;", chart)


def shot(name):
    d.save_screenshot('%s/%s.png' % (OUT, name))


opts = Options()
for a in ('--headless=new', '--no-sandbox', '--disable-gpu',
          '--disable-dev-shm-usage', '--window-size=1400,1000'):
    opts.add_argument(a)
opts.set_capability('goog:loggingPrefs', {'browser': 'ALL',
                                          'performance': 'ALL'})
d = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)
d.set_page_load_timeout(30)
try:
    d.get(URL + '/ui/')
    if TOKEN:
        dlg = wait_for(lambda: d.find_element(By.ID, 'token-dialog')
                       .get_attribute('open') is not None, 10)
        ok(dlg, 'with a token configured the UI asks for it')
        shot('token')
        d.find_element(By.ID, 'token-input').send_keys(TOKEN)
        d.find_element(By.CSS_SELECTOR, '#token-form button').click()
    ok(wait_for(lambda: d.find_element(By.ID, 'runs').is_displayed(), 10),
       'the runs list shows')

    # A run started through the API appears in the list, live.
    rid = call('POST', '/v1/runs', {'scenario': scenario('ui-live', '12s')})['id']
    ok(wait_for(lambda: d.find_element(
        By.CSS_SELECTOR, 'a[href="#/runs/%d"]' % rid), 10),
       'the new run appears in the list by itself')
    shot('runs')

    # Its page: the charts grow with the run, at least three times.
    d.get(URL + '/ui/#/runs/%d' % rid)
    seen = []
    end = time.time() + 8
    while time.time() < end and len(set(seen)) < 4:
        p = points('c-rps')
        if p:
            seen.append(p[0])
        time.sleep(0.3)
    ok(len(set(seen)) >= 4, 'the throughput chart updates at least three '
       'times (points: %s)' % sorted(set(seen)))
    lat = points('c-lat')
    ok(lat and len(lat) >= 5, 'latency: p50, p95, p99 and a line per '
       'request (%s)' % lat)
    shot('run-live')

    # A reload mid-run brings the history back from the database.
    before = points('c-rps')[0]
    d.refresh()
    after = wait_for(lambda: (points('c-rps') or [0])[0] >= before and
                     points('c-rps')[0], 10)
    ok(after and after >= before, 'after a reload the chart has its history '
       'again (%s points before, %s after)' % (before, after))

    # Stop: the run ends stopped, and the page says so.
    d.find_element(By.ID, 'stop').click()
    ok(wait_for(lambda: 'stopped' in d.find_element(By.ID, 'status').text,
                15), 'the stop button stops the run; the page shows stopped')
    ok(call('GET', '/v1/runs/%d' % rid)['status'] == 'stopped',
       'the API agrees: stopped')
    ok(wait_for(lambda: d.find_element(By.ID, 'report'), 10),
       'an ended run shows its thresholds and report')
    ok(wait_for(lambda: d.find_element(By.ID, 'proto').text == 'http/1.1', 10),
       'an ended run names its protocol')
    shot('run-stopped')

    # The scenario page: five runs, five points.
    ids = []
    for i in range(5):
        r = call('POST', '/v1/runs', {'scenario': scenario('ui-trend', '1s', 2),
                                      'labels': {'git': 'c%d' % i}})
        ids.append(r['id'])
    for i in ids:
        wait_run(i)
    call('PUT', '/v1/baselines/ui-main', {'run_id': ids[2]})
    d.get(URL + '/ui/#/scenarios/ui-trend')
    p = wait_for(lambda: points('c-lat'), 10)
    ok(p and p[0] == 5, 'the scenario page has five points (%s)' % p)
    ok(wait_for(lambda: len(d.find_elements(By.CSS_SELECTOR, '#t tr')) == 6,
                5), 'and five runs in its table')
    shot('scenario')
    d.get(URL + '/ui/#/scenarios/ui-trend?label=git%3Dc3')
    p = wait_for(lambda: points('c-lat') == [1, 1, 1] and points('c-lat'), 10)
    ok(p == [1, 1, 1], 'a label filter keeps the runs that have it')

    # The comparison of two runs.
    d.get(URL + '/ui/#/compare/%d/%d' % (ids[0], ids[1]))
    ok(wait_for(lambda: len(d.find_elements(
        By.CSS_SELECTOR, '.tablecard tr')) > 1, 10),
       'the compare page lists the metrics with their verdicts')
    shot('compare')

    # The console stayed clean.
    logs = [e for e in d.get_log('browser') if e['level'] == 'SEVERE']
    ok(not logs, 'no errors in the browser console%s' %
       (': ' + logs[0]['message'] if logs else ''))
    if TOKEN:
        urls = [json.loads(e['message'])['message'].get('params', {})
                .get('request', {}).get('url', '')
                for e in d.get_log('performance')]
        ok(not any(TOKEN in u for u in urls),
           'the token never appears in a URL (%d requests)' % len(urls))
        ok(d.execute_script("return sessionStorage.getItem('loadd-token')")
           == TOKEN and d.execute_script(
               "return localStorage.length") == 0,
           'the token is in session storage only')
finally:
    d.quit()
print('1..%d' % n)
sys.exit(1 if failed else 0)
