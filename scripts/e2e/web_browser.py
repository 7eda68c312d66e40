#!/usr/bin/python3
"""End-to-end check of acknowledgement by link, in a real browser (Debian's chromium driven by
Selenium). Reads the notification email the daemon sent to the test SMTP server, opens its
acknowledgement link, confirms, then signs in and looks at the status board, saving screenshots.
Run with Debian's python3 (python3-selenium). Every step waits for the next page's own element
(WebDriverWait with a deadline that fails loudly), never for a fixed time: after a click the old
page is still there until the new one arrives, and the login POST (600,000 PBKDF2 iterations)
takes seconds on a loaded machine."""
import argparse, email, email.policy, glob, os, re, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_support import body_text, chromium, fail, wait_for as wait_until  # noqa: E402 (after the path)
from selenium.webdriver.common.by import By  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--base", required=True)
p.add_argument("--maildir", required=True)
p.add_argument("--login", required=True)
p.add_argument("--password", required=True)
p.add_argument("--screenshot", required=True)
p.add_argument("--timeout", type=float, default=60)
a = p.parse_args()

def wait_for(driver, what, condition):
    wait_until(driver, what, condition, a.timeout)

def heading(driver):
    try:
        return driver.find_element(By.TAG_NAME, "h1").text
    except Exception:
        return ""

# 1. The email with the link (text parts decoded from quoted-printable/base64).
link, mail_to, deadline = None, None, time.time() + a.timeout
pattern = re.compile(re.escape(a.base) + r"/ack/[A-Za-z0-9._~-]+")
while link is None and time.time() < deadline:
    for path in sorted(glob.glob(os.path.join(a.maildir, "*.eml"))):
        msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
        for part in msg.walk():
            if part.get_content_maintype() != "text":
                continue
            m = pattern.search(part.get_content())
            if m:
                link, mail_to = m.group(0), msg["To"]
                break
        if link:
            break
    if link is None:
        time.sleep(0.5)
if link is None:
    fail("no email with an acknowledgement link in %s within %ss" % (a.maildir, a.timeout))
print("link from the email to %s: %s..." % (mail_to, link[:70]), flush=True)

driver = chromium(a.timeout)
try:
    # 2. Opening the link shows a confirmation and changes nothing.
    driver.get(link)
    page = driver.page_source
    if "Xác nhận đã tiếp nhận" not in page or "Acknowledge" not in page:
        fail("the link did not show the confirmation page:\n" + driver.find_element(By.TAG_NAME, "body").text[:800])
    driver.save_screenshot(a.screenshot.replace(".png", "-confirm.png"))
    driver.find_element(By.ID, "note").send_keys("Đã cử tổ kỹ thuật (e2e)")
    driver.find_element(By.ID, "confirm").click()
    # The POST's answer replaces the page: wait for its notice (the form page lacks it).
    wait_for(driver, "the acknowledgement notice after confirming", lambda d: "Đã xác nhận tiếp nhận sự cố" in body_text(d))
    body = body_text(driver)
    incident = re.search(r"#(\d+)", body).group(1)
    print("acknowledged incident #%s in the browser" % incident, flush=True)

    # 3. Sign in and see it acknowledged on the status board.
    driver.get(a.base + "/login")
    driver.find_element(By.ID, "login").send_keys(a.login)
    driver.find_element(By.ID, "password").send_keys(a.password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # Navigating before the login POST has answered would abort it (the board would show the
    # login page again): wait for the board the login redirects to.
    wait_for(driver, "the status board after signing in",
             lambda d: not d.current_url.rstrip("/").endswith("/login") and heading(d).startswith("Bảng trạng thái"))
    board = body_text(driver)
    row = [l for l in board.splitlines() if "#" + incident in l]
    if "Bảng trạng thái" not in board or "Đã tiếp nhận / Acknowledged" not in board:
        fail("the status board does not show the incident acknowledged:\n" + board[:1200])
    driver.save_screenshot(a.screenshot)
    driver.set_window_size(390, 1400)  # a phone
    driver.get(a.base + "/")
    wait_for(driver, "the status board at phone width", lambda d: heading(d).startswith("Bảng trạng thái"))
    driver.save_screenshot(a.screenshot.replace(".png", "-phone.png"))
    print("status board shows #%s acknowledged; screenshot %s" % (incident, a.screenshot), flush=True)
    print("OK incident=%s" % incident, flush=True)
finally:
    driver.quit()
