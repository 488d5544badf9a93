"""The browser playground (GET /), driven in headless Chromium: Debian's chromium and
chromium-driver through selenium. Every trap example is run and its numbers compared with the
API's own answer to the same request; screenshots go to $LOSSD_E2E_OUTPUT/playground (default
.build/e2e-output/playground) so that a person can look."""
import base64
import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import requests
from safetensors.numpy import load_file, save_file
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import REPO, Lossd

EXAMPLES = ["probabilities-as-logits", "all-ignored", "ignored-inf-row", "target-out-of-range",
            "hf-class-last", "float32-extreme", "nll-raw-outputs"]
# A warning each example exists to show (when lossd answers 200).
EXPECTED_WARNING = {
    "probabilities-as-logits": "INPUT_LOOKS_LIKE_PROBABILITIES",
    "all-ignored": "ALL_TARGETS_IGNORED",
    "ignored-inf-row": "IGNORED_ROW_NONFINITE",
    "float32-extreme": "EXTREME_LOGITS",
    "nll-raw-outputs": "INPUT_NOT_LOG_PROBABILITIES",
    "hf-class-last": None,  # the causal-LM layout done right raises no warning
}
WAIT = 60  # seconds a page condition may take on a loaded 2-core machine; never asserted on


@pytest.fixture(scope="module")
def output_dir():
    path = Path(os.environ.get("LOSSD_E2E_OUTPUT", REPO / ".build" / "e2e-output")) / "playground"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("the playground tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1500",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    yield chrome
    chrome.quit()


def open_page(browser, base):
    browser.get(base + "/")
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    browser.get_log("browser")  # start each test with an empty console


def run_count(browser):
    return int(browser.find_element(By.ID, "answer-panel").get_attribute("data-run"))


def wait_for_run(browser, before):
    WebDriverWait(browser, WAIT).until(lambda b: run_count(b) > before
                                      and b.find_element(By.ID, "answer-panel").get_attribute("data-state") == "done")


def console_errors(browser, allowed_statuses=()):
    """SEVERE console entries, less the network lines of answers a test provoked on purpose."""
    errors = []
    for entry in browser.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        if entry.get("source") == "network" and any(f"status of {s}" in entry["message"] for s in allowed_statuses):
            continue
        errors.append(entry["message"])
    return errors


def page_number(text):
    return float(text)  # "NaN", "Infinity" and "-Infinity" parse too


def same_number(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def api_value(value):
    return float(value) if isinstance(value, str) else value


def snippet(browser, fmt):
    browser.find_element(By.CSS_SELECTOR, f'.copy-buttons button[data-format="{fmt}"]').click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "snippet").get_attribute("data-format") == fmt)
    return browser.find_element(By.ID, "snippet").text


def request_of_page(browser):
    """The URL and body the page sent, read back from its Python snippet (which the API then answers)."""
    scope = {}
    code = snippet(browser, "python")
    exec(code[:code.index("r = requests.post(")], scope)  # the lines that set url, headers and body
    return scope["url"], scope["headers"], scope["body"]


def warnings_on_page(browser):
    return [card.get_attribute("data-code") for card in browser.find_elements(By.CSS_SELECTOR, "#warnings .card")]


def hover_first_cell(browser, chart_id):
    canvas = browser.find_element(By.CSS_SELECTOR, f"#{chart_id} canvas[role=img]")
    width, height = canvas.size["width"], canvas.size["height"]
    ActionChains(browser).move_to_element(canvas).move_to_element_with_offset(canvas, -width // 2 + 2, -height // 2 + 2).perform()
    output = browser.find_element(By.CSS_SELECTOR, f"#{chart_id} output")
    WebDriverWait(browser, WAIT).until(lambda b: output.text != "")
    return output.text


def first_element(nested):
    while isinstance(nested, list):
        nested = nested[0]
    return api_value(nested)


def test_page_and_assets_are_served_compressed_with_security_headers(http, url):
    page = http.get(url + "/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert http.get(url + "/playground").text == page.text
    assets = re.findall(r'(?:src|href)="(/playground/[^"]+)"', page.text)
    scripts = [a for a in assets if a.endswith(".js")]
    seen, total = set(), len(page.content)
    while scripts:  # follow the module imports
        path = scripts.pop()
        if path in seen:
            continue
        seen.add(path)
        raw = requests.get(url + path, headers={"Accept-Encoding": "identity"})
        assert raw.status_code == 200 and raw.headers["Content-Type"] == "text/javascript; charset=utf-8"
        total += len(raw.content)
        scripts += ["/playground/" + name for name in re.findall(r"from '\./([\w.-]+)'", raw.text)]
        if len(raw.content) >= 4096:  # lossd's default compression threshold
            compressed = requests.get(url + path, headers={"Accept-Encoding": "gzip"}, stream=True)
            assert compressed.headers.get("Content-Encoding") == "gzip"
            assert gzip.decompress(compressed.raw.read()) == raw.content
    for path in assets:
        if not path.endswith(".js"):
            total += len(requests.get(url + path).content)
    assert len(seen) >= 8
    assert total < 300 * 1024


def test_form_is_generated_from_the_catalogue(browser, url, http):
    open_page(browser, url)
    catalogue = http.get(url + "/v1/losses").json()["losses"]
    names = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#loss option")]
    assert names == [loss["name"] for loss in catalogue]
    select = browser.find_element(By.ID, "loss")
    for loss in catalogue:
        browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))",
                               select, loss["name"])
        controls = browser.find_elements(By.CSS_SELECTOR, "[data-option]")
        assert [c.get_attribute("data-option") for c in controls] == [o["name"] for o in loss["options"]]
        for control, option in zip(controls, loss["options"]):
            default = option["default"]
            if isinstance(default, bool):
                assert control.get_attribute("type") == "checkbox" and control.is_selected() == default
            elif isinstance(default, (int, float)):
                assert control.get_attribute("type") == "number" and float(control.get_attribute("value")) == default
            else:
                assert control.tag_name == "select" and control.get_attribute("value") == default
        reductions = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#opt-reduction option")]
        assert reductions == loss["reductions"]
        editors = [t.get_attribute("data-name") for t in browser.find_elements(By.CSS_SELECTOR, "#tensors textarea")]
        assert ("weight" in editors) == loss["weight"] and ("pos_weight" in editors) == loss["pos_weight"]
    assert console_errors(browser) == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_shows_the_apis_numbers(browser, url, http, output_dir, example):
    open_page(browser, url)
    before = run_count(browser)
    browser.find_element(By.ID, "example-" + example).click()
    wait_for_run(browser, before)
    browser.save_screenshot(str(output_dir / f"example-{example}.png"))

    target_url, headers, body = request_of_page(browser)
    job = json.loads(body)
    answers = [http.post(target_url, headers=headers, data=body)]
    job.setdefault("options", {})["compat"] = "pytorch"
    answers.append(http.post(target_url, json=job))
    columns = browser.find_elements(By.CSS_SELECTOR, "#answers .answer")
    assert len(columns) == 2
    for index, (column, answer) in enumerate(zip(columns, answers)):
        assert column.get_attribute("data-status") == str(answer.status_code)
        if answer.status_code == 200:
            shown = page_number(browser.find_element(By.ID, f"value-{index}").text)
            assert same_number(shown, api_value(answer.json()["value"])), (index, shown, answer.json()["value"])
        else:
            problem = answer.json()
            assert column.find_element(By.CSS_SELECTOR, ".code").text == f"{answer.status_code} {problem['code']}"
            assert column.find_element(By.CSS_SELECTOR, ".detail").text == problem["detail"]

    main = answers[0]
    if main.status_code == 200:
        codes = [w["code"] for w in main.json()["diagnostics"]["warnings"]]
        assert warnings_on_page(browser) == codes
        if EXPECTED_WARNING[example] is not None:
            assert EXPECTED_WARNING[example] in codes
        shown = hover_first_cell(browser, "chart-gradient")
        assert same_number(page_number(shown.rsplit(": ", 1)[1]), first_element(main.json()["grad"])), shown
        if job.get("options", {}).get("class_dim") is None and "cross_entropy" in target_url:
            logits = np.array([[api_value(x) for x in row] for row in json.loads(body)["input"]], dtype=np.float64)
            first_row = np.exp(logits[0] - logits[0].max())
            shown = hover_first_cell(browser, "chart-probabilities")
            assert math.isclose(page_number(shown.rsplit(": ", 1)[1]), first_row[0] / first_row.sum(), rel_tol=1e-12), shown
        per_sample_job = json.loads(body)
        per_sample_job.setdefault("options", {})["reduction"] = "none"
        per_sample_job["outputs"] = ["value"]
        per_sample = http.post(target_url, json=per_sample_job)
        if per_sample.status_code == 200 and isinstance(per_sample.json()["value"], list):
            shown = hover_first_cell(browser, "chart-bars")
            assert same_number(page_number(shown.rsplit(": ", 1)[1]), first_element(per_sample.json()["value"])), shown
    if example == "ignored-inf-row":
        # The warning's example row is outlined in every chart, and compat pytorch's NaN gradient is drawn too.
        browser.find_element(By.CSS_SELECTOR, '#warnings .card[data-code="IGNORED_ROW_NONFINITE"] .examples button').click()
        marked = [c.get_attribute("data-marked") for c in browser.find_elements(By.CSS_SELECTOR, "#charts canvas[role=img]")]
        assert len(marked) == 4 and set(marked) == {"1"}
        assert "NaN" in browser.find_element(By.CSS_SELECTOR, "#chart-gradient-pytorch .note").text
    if example == "all-ignored":
        assert page_number(browser.find_element(By.ID, "value-0").text) == 0.0
        assert browser.find_element(By.ID, "value-1").text == "NaN"
    if example == "target-out-of-range":
        assert main.status_code == 422 and main.json()["code"] == "TARGET_OUT_OF_RANGE"
        assert main.json()["errors"][0]["pointer"] == "/target/1"
        mark = browser.find_element(By.CSS_SELECTOR, "#pointer-target mark")
        assert mark.is_displayed() and mark.text == "3"
        browser.find_element(By.CSS_SELECTOR, '#answer-0 .pointer-link[data-pointer="/target/1"]').click()
        assert browser.switch_to.active_element.get_attribute("id") == "tensor-target"
        selected = browser.execute_script("const a = document.activeElement; return a.value.slice(a.selectionStart, a.selectionEnd)")
        assert selected == "3"
    if example == "hf-class-last":
        assert main.status_code == 200, "class_dim -1 with shift reads the (B, T, V) layout"
    if example == "nll-raw-outputs":
        assert page_number(browser.find_element(By.ID, "value-0").text) < 0
    assert console_errors(browser, allowed_statuses=(422,)) == []


def run_client_snippet(code, cwd):
    """Runs a "Python client" snippet with lossd's client (clients/python/src) importable, in `cwd`;
    returns the `result` it computed."""
    scope = {}
    sys.path.insert(0, str(REPO / "clients" / "python" / "src"))
    here = os.getcwd()
    try:
        os.chdir(cwd)
        exec(code, scope)  # its prints go to pytest's captured output
    finally:
        os.chdir(here)
        sys.path.remove(str(REPO / "clients" / "python" / "src"))
    return scope["result"]


def test_copy_as_curl_python_and_the_client_reproduce_the_answer(browser, url, output_dir, tmp_path):
    open_page(browser, url)
    before = run_count(browser)
    browser.find_element(By.ID, "example-ignored-inf-row").click()
    wait_for_run(browser, before)
    shown = page_number(browser.find_element(By.ID, "value-0").text)
    scope = {}
    exec(snippet(browser, "python"), scope)  # its prints go to pytest's captured output
    assert scope["r"].status_code == 200 and same_number(api_value(scope["r"].json()["value"]), shown)
    client = snippet(browser, "client")
    assert 'client.loss("cross_entropy", **tensors, **options)' in client
    result = run_client_snippet(client, tmp_path)
    assert np.float32(result.value) == np.float32(shown)  # the client widens float32 values to Python floats
    assert "IGNORED_ROW_NONFINITE" in [w.code for w in result.warnings]
    curl = subprocess.run(["bash", "-c", snippet(browser, "curl")], capture_output=True, check=True, timeout=60)
    assert same_number(api_value(json.loads(curl.stdout)["value"]), shown)
    fetch = snippet(browser, "fetch")
    assert f'fetch("{url}/v1/loss/cross_entropy"' in fetch and '"Content-Type": "application/json"' in fetch
    browser.save_screenshot(str(output_dir / "copy-as.png"))
    assert console_errors(browser) == []


def test_keyboard_only_use(browser, url, http):
    open_page(browser, url)
    browser.execute_script("document.activeElement && document.activeElement.blur()")

    def tab_to(element_id, limit=60):
        for _ in range(limit):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            if browser.switch_to.active_element.get_attribute("id") == element_id:
                return
        pytest.fail(f"Tab never reached #{element_id}")

    tab_to("example-all-ignored")
    before = run_count(browser)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for_run(browser, before)
    assert page_number(browser.find_element(By.ID, "value-0").text) == 0.0

    # Choose mse_loss with the keyboard, type tensors, and compute with Ctrl+Enter.
    tab_to("loss")
    while browser.find_element(By.ID, "loss").get_attribute("value") != "mse_loss":
        ActionChains(browser).send_keys(Keys.ARROW_DOWN).perform()
    tab_to("tensor-input")
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys("[1.0, 2.0, 4.0]").perform()
    tab_to("tensor-target")
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys("[0.0, 2.0, 1.0]").perform()
    before = run_count(browser)
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
    wait_for_run(browser, before)
    expected = http.post(url + "/v1/loss/mse_loss", json={"input": [1.0, 2.0, 4.0], "target": [0.0, 2.0, 1.0]}).json()
    assert page_number(browser.find_element(By.ID, "value-0").text) == expected["value"]

    # The gradient heatmap reads out under the arrow keys.
    canvas = browser.find_element(By.CSS_SELECTOR, "#chart-gradient canvas[role=img]")
    for _ in range(80):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element == canvas:
            break
    else:
        pytest.fail("Tab never reached the gradient heatmap")
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).send_keys(Keys.ARROW_RIGHT).perform()
    readout = browser.find_element(By.CSS_SELECTOR, "#chart-gradient output").text
    assert readout.startswith("row 0, element 2: ")
    assert page_number(readout.rsplit(": ", 1)[1]) == expected["grad"][2]
    assert console_errors(browser) == []


def test_generated_logits_are_seeded_and_computed(browser, url, http):
    open_page(browser, url)
    browser.find_element(By.CSS_SELECTOR, "#generator summary").click()
    for field, value in (("gen-shape", "6, 5"), ("gen-seed", "7")):
        element = browser.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    browser.find_element(By.ID, "gen-button").click()
    first = browser.find_element(By.ID, "tensor-input").get_attribute("value")
    browser.find_element(By.ID, "gen-button").click()
    assert browser.find_element(By.ID, "tensor-input").get_attribute("value") == first
    logits = np.array(json.loads(first), dtype=np.float32)
    target = json.loads(browser.find_element(By.ID, "tensor-target").get_attribute("value"))
    assert logits.shape == (6, 5) and len(target) == 6 and all(0 <= t < 5 for t in target)
    before = run_count(browser)
    browser.find_element(By.ID, "compute").click()
    wait_for_run(browser, before)
    expected = http.post(url + "/v1/loss/cross_entropy", json={"input": logits.tolist(), "target": target}).json()
    assert page_number(browser.find_element(By.ID, "value-0").text) == expected["value"]
    assert console_errors(browser) == []


def test_safetensors_and_npy_files_fill_the_editors(browser, url, http, tmp_path):
    open_page(browser, url)
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((4, 3)).astype(np.float32)
    target = np.array([2, 0, 1, 1], dtype=np.int64)
    save_file({"input": logits, "target": target}, str(tmp_path / "job.safetensors"))
    browser.find_element(By.ID, "file-input").send_keys(str(tmp_path / "job.safetensors"))
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "tensor-target").get_attribute("value") == "[2, 0, 1, 1]")
    before = run_count(browser)
    browser.find_element(By.ID, "compute").click()
    wait_for_run(browser, before)
    expected = http.post(url + "/v1/loss/cross_entropy", json={"input": logits.tolist(), "target": target.tolist()}).json()
    assert page_number(browser.find_element(By.ID, "value-0").text) == expected["value"]

    doubled = (logits * 2).astype(np.float64)
    np.save(tmp_path / "input.npy", doubled)
    browser.find_element(By.ID, "file-input").send_keys(str(tmp_path / "input.npy"))
    WebDriverWait(browser, WAIT).until(lambda b: json.loads(b.find_element(By.ID, "tensor-input").get_attribute("value")) == doubled.tolist())
    assert console_errors(browser) == []


def test_a_dropped_npy_file_fills_the_tensor_it_lands_on(browser, url, tmp_path):
    open_page(browser, url)
    np.save(tmp_path / "labels.npy", np.array([[1, 0], [2, 2]], dtype=np.int64))
    payload = base64.b64encode((tmp_path / "labels.npy").read_bytes()).decode()
    browser.execute_script("""
        const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'labels.npy'));
        document.getElementById('tensor-target').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    """, payload)
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "tensor-target").get_attribute("value") == "[[1, 0],\n [2, 2]]")
    assert browser.find_element(By.ID, "shape-target").text.startswith("[2, 2]")
    assert console_errors(browser) == []


def test_large_answer_is_summarised(browser, url, output_dir, tmp_path):
    open_page(browser, url)
    shape = browser.find_element(By.ID, "gen-shape")
    browser.find_element(By.CSS_SELECTOR, "#generator summary").click()
    shape.clear()
    shape.send_keys("512, 2500")  # 1.28 M logits: sent and answered as safetensors
    browser.find_element(By.ID, "gen-button").click()
    assert "kept as binary" in browser.find_element(By.ID, "tensor-input").get_attribute("value")
    before = run_count(browser)
    browser.find_element(By.ID, "compute").click()
    wait_for_run(browser, before)
    assert math.isfinite(page_number(browser.find_element(By.ID, "value-0").text))
    note = browser.find_element(By.CSS_SELECTOR, "#chart-gradient .note").text
    assert note.startswith("showing 64 of 512 samples and 128 of 2500 classes; all 1,280,000 values")
    assert "showing 256 of 512 samples" in browser.find_element(By.CSS_SELECTOR, "#chart-bars .note").text
    browser.save_screenshot(str(output_dir / "large.png"))
    # The body is saved as job.safetensors, and the curl snippet sends it for the same answer.
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    curl = snippet(browser, "curl")
    assert "--data-binary @job.safetensors" in curl
    browser.find_element(By.ID, "save-body").click()
    saved = tmp_path / "job.safetensors"
    WebDriverWait(browser, WAIT).until(lambda b: saved.exists() and saved.stat().st_size > 5_120_000)
    subprocess.run(["bash", "-c", curl], cwd=tmp_path, check=True, timeout=120, capture_output=True)
    answer = load_file(str(tmp_path / "answer.safetensors"))
    assert np.float32(browser.find_element(By.ID, "value-0").text) == answer["value"]  # shortest float32 digits
    assert answer["grad"].shape == (512, 2500)
    # The Python client's snippet reads the same saved body and gets the same answer.
    result = run_client_snippet(snippet(browser, "client"), tmp_path)
    assert result.value == answer["value"] and np.array_equal(result.grad, answer["grad"])
    assert console_errors(browser) == []


def test_a_4096_by_32000_answer_is_summarised_without_freezing_the_tab(browser, output_dir):
    """The size a language-model user pastes: 131 M logits, 524 MB each way as safetensors (a lossd
    whose body cap allows it). The page must come back with a capped drawing, still scriptable."""
    server = Lossd(args=["--max-body-bytes", str(640 << 20)])
    try:
        open_page(browser, server.url)
        browser.find_element(By.CSS_SELECTOR, "#generator summary").click()
        shape = browser.find_element(By.ID, "gen-shape")
        shape.clear()
        shape.send_keys("4096, 32000")
        browser.find_element(By.ID, "gen-button").click()
        before = run_count(browser)
        browser.find_element(By.ID, "compute").click()
        WebDriverWait(browser, 4 * WAIT).until(lambda b: run_count(b) > before
                                              and b.find_element(By.ID, "answer-panel").get_attribute("data-state") == "done")
        assert browser.find_element(By.ID, "status").text.startswith("cross_entropy: answered 200")
        assert math.isfinite(page_number(browser.find_element(By.ID, "value-0").text))
        note = browser.find_element(By.CSS_SELECTOR, "#chart-gradient .note").text
        assert note.startswith("showing 64 of 4096 samples and 128 of 32000 classes; all 131,072,000 values")
        assert "showing 256 of 4096 samples" in browser.find_element(By.CSS_SELECTOR, "#chart-bars .note").text
        # Drawn capped: the page holds a few thousand elements, not one per logit.
        assert browser.execute_script("return document.getElementsByTagName('*').length") < 20_000
        browser.save_screenshot(str(output_dir / "large-4096x32000.png"))
        assert console_errors(browser) == []
    finally:
        server.stop()


def test_token_field_unlocks_a_protected_lossd(browser, tmp_path):
    (tmp_path / "token").write_text("pl4yground-t0ken\n")
    server = Lossd(args=["--auth-token-file", str(tmp_path / "token")])
    try:
        browser.get(server.url + "/")
        status = browser.find_element(By.ID, "status")
        WebDriverWait(browser, WAIT).until(lambda b: "bearer token" in status.text)
        token = browser.find_element(By.ID, "token")
        token.send_keys("pl4yground-t0ken")
        token.send_keys(Keys.TAB)
        WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        before = run_count(browser)
        browser.find_element(By.ID, "example-probabilities-as-logits").click()
        wait_for_run(browser, before)
        assert browser.find_element(By.ID, "answer-0").get_attribute("data-status") == "200"
        assert "Bearer $LOSSD_TOKEN" in snippet(browser, "curl")
        assert "pl4yground-t0ken" not in browser.find_element(By.ID, "snippet").text
        browser.execute_script("sessionStorage.clear()")
    finally:
        server.stop()
