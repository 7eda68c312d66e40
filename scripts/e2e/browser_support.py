"""What the browser end-to-end scripts share: failing loudly, finding Debian's tools, reading the
page, waiting on a condition with a deadline (never a fixed sleep), and starting headless
chromium through chromedriver (python3-selenium)."""
import shutil, sys, time

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:
    print("FAIL: %s cannot import selenium (%s): install the Debian package python3-selenium" % (sys.executable, e), flush=True)
    sys.exit(1)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def tool(name, package):
    path = shutil.which(name)
    if path is None:
        fail("%s is not on PATH: install the Debian package %s" % (name, package))
    return path


def body_text(driver):
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except Exception as e:  # the page is being replaced
        return "(no body: %s)" % e


def wait_for(driver, what, condition, timeout):
    """Waits until condition(driver) is true; fails naming what was awaited and showing the page."""
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        fail("%s did not happen within %ss; the browser is at %s showing:\n%s" % (what, timeout, driver.current_url, body_text(driver)[:1500]))


def poll_until(what, condition, timeout, every=0.2):
    """Polls condition() (no browser needed: a file, a mail) until it returns a true value, which
    it returns; fails naming what was awaited after timeout seconds."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.time() >= deadline:
            fail("%s did not happen within %ss" % (what, timeout))
        time.sleep(every)


def chromium(timeout, window="1280,1000"):
    """Headless chromium, Vietnamese first, with a page-load deadline."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = tool("chromium", "chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=" + window, "--lang=vi"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(tool("chromedriver", "chromium-driver")), options=opts)
    driver.set_page_load_timeout(timeout)
    return driver
