#!/usr/bin/python3
"""The registers in a real browser (issue #18), as each role, against a running daemon. Every
step waits for the next page's own element or text (WebDriverWait with a deadline that fails
loudly), never for a fixed time. Date inputs are type=date: their value is set the way the
picker sets it (ISO), an invalid one by turning the input to text first, as a hostile client
would. Run with Debian's python3 (python3-selenium)."""
import argparse, datetime, re, sys

import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_support import body_text, chromium, fail, wait_for as wait_until  # noqa: E402 (after the path)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--base", required=True)
p.add_argument("--maildir", required=True)
p.add_argument("--screenshot", required=True)
p.add_argument("--timeout", type=float, default=60)
a = p.parse_args()
USERS = {"don-bp": "don-bien-phong-2026", "so-tttt": "tra-loi-phan-anh-2026", "ubnd": "uy-ban-tinh-doc-2026"}

def wait_for(d, what, condition):
    wait_until(d, what, condition, a.timeout)

def shot(d, name):
    d.save_screenshot(a.screenshot.replace(".png", "-%s.png" % name))

def login(d, user):
    d.get(a.base + "/login")
    d.delete_all_cookies()  # the previous role's session
    d.get(a.base + "/login")
    d.find_element(By.ID, "login").send_keys(user)
    d.find_element(By.ID, "password").send_keys(USERS[user])
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(d, "the status board after %s signs in" % user, lambda d: not d.current_url.rstrip("/").endswith("/login") and "Bảng trạng thái" in body_text(d))

def form(d, form_id):
    return d.find_element(By.ID, form_id)

def fill(d, form_id, values):
    """Types into the form's fields; dates go in as the picker would set them."""
    f = form(d, form_id)
    for name, value in values.items():
        el = f.find_element(By.NAME, name)
        tag, kind = el.tag_name, el.get_attribute("type")
        if tag == "select":
            Select(el).select_by_value(value)
        elif kind == "date":
            d.execute_script("arguments[0].value = arguments[1]", el, value)
        elif kind == "checkbox":
            if el.is_selected() != bool(value):
                el.click()
        else:
            el.clear()
            if len(value) > 200:
                d.execute_script("arguments[0].value = arguments[1]", el, value)
            else:
                el.send_keys(value)
    return f

def submit(d, form_id, expect, what):
    """Submits and waits for the answer page (the old one is replaced: wait for its text)."""
    old = d.find_element(By.TAG_NAME, "html")
    form(d, form_id).find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(d, what, lambda d: _stale(old) and expect in body_text(d))

def _stale(el):
    try:
        el.tag_name
        return False
    except Exception:
        return True

def click_button(d, label, expect, what, within=None):
    old = d.find_element(By.TAG_NAME, "html")
    scope = within if within is not None else d
    scope.find_element(By.XPATH, ".//button[contains(., '%s')]" % label).click()
    wait_for(d, what, lambda d: _stale(old) and expect in body_text(d))

d = chromium(a.timeout, window="420,1400")  # a phone
today = datetime.date.today()
saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
sat_iso, sat_vn = saturday.isoformat(), saturday.strftime("%d/%m/%Y")
try:
    # 1. The operating unit plans a Saturday of 8 hours; the board and the day's report follow.
    login(d, "don-bp")
    d.get(a.base + "/registers/plan")
    fill(d, "f-plan", {"date": sat_iso, "mode": "hours", "hours": "08:00-20:00", "reason": "Trực ban"})
    submit(d, "f-plan", "phải từ 8 đến 10 giờ", "the refusal of a 12-hour Saturday")
    if form(d, "f-plan").find_element(By.NAME, "hours").get_attribute("value") != "08:00-20:00":
        fail("the refused plan lost what was typed")
    fill(d, "f-plan", {"hours": "08:00-12:00, 13:00-17:00"})
    submit(d, "f-plan", "Kế hoạch vận hành ngày %s: 08:00-12:00, 13:00-17:00 (Trực ban)" % sat_vn, "the plan saved")
    shot(d, "plan")
    def board_follows(d):
        d.get(a.base + "/")
        rows = d.find_elements(By.CSS_SELECTOR, "#operating-hours [data-date='%s']" % sat_iso)
        return rows and "08:00-12:00, 13:00-17:00" in rows[0].text and "kế hoạch" in rows[0].text and "applying" not in rows[0].get_attribute("class")
    # The daemon reloads to follow the plan (its web server restarts): the row loses "being applied".
    wait_for(d, "the status board showing the planned Saturday, applied by the engine", board_follows)
    shot(d, "board")
    print("plan: %s 8 h on the status board (the hours the engine judges against)" % sat_iso, flush=True)

    # 2. A surprise inspection with a finding (script in it, shown escaped), a follow-up action, closed.
    d.get(a.base + "/registers/inspections")
    long_bodies = "Sở TT&TT." * 40
    fill(d, "f-inspections", {"kind": "surprise", "date": "2026-02-30", "bodies": long_bodies, "findings": "<script>alert('x')</script> Mất 1 card nhận"})
    d.execute_script("arguments[0].type = 'text'; arguments[0].value = '2026-02-30'", form(d, "f-inspections").find_element(By.NAME, "date"))
    submit(d, "f-inspections", "không phải ngày", "the refusal of an invalid date")
    f = form(d, "f-inspections")
    if "Dài 360 ký tự, tối đa 200" not in f.text:
        fail("the over-long bodies were not refused beside the field:\n" + f.text[:600])
    if f.find_element(By.NAME, "findings").get_attribute("value") != "<script>alert('x')</script> Mất 1 card nhận":
        fail("the refused inspection lost the findings")
    fill(d, "f-inspections", {"date": today.isoformat(), "bodies": "Sở TT&TT, BĐBP tỉnh", "people": "Nguyễn Văn A"})
    f = form(d, "f-inspections")
    f.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=checked]")[0].click()
    submit(d, "f-inspections", "Mở / Open", "the inspection recorded")
    if "<script>alert('x')</script>" in d.page_source or "&lt;script&gt;alert('x')&lt;/script&gt; Mất 1 card nhận" not in d.page_source:
        fail("the finding's script tag was not shown escaped")
    number = re.search(r"#(\d+) Kiểm tra đột xuất", body_text(d)).group(1)
    d.find_element(By.XPATH, "//summary[contains(., 'Thêm việc khắc phục')]").click()
    fill(d, "f-inspections-%s-action" % number, {"text": "Thay card nhận", "owner": "Kỹ thuật viên", "due": (today + datetime.timedelta(days=7)).isoformat()})
    submit(d, "f-inspections-%s-action" % number, "Thay card nhận — Kỹ thuật viên", "the follow-up action added")
    # The inspection starts a maintenance window for the checks it disturbs (on the timeline).
    d.find_element(By.XPATH, "//summary[contains(., 'Bắt đầu thời gian bảo trì')]").click()
    fill(d, "f-inspections-%s-maintenance" % number, {"duration": "1h"})
    submit(d, "f-inspections-%s-maintenance" % number, "Bắt đầu thời gian bảo trì adhoc:", "the maintenance window started from the inspection")
    print("maintenance window from inspection #%s" % number, flush=True)
    click_button(d, "Đã xong", "Đã xong việc khắc phục", "the action done")
    click_button(d, "Đóng biên bản", "Đã đóng / Closed", "the inspection closed")
    shot(d, "inspection")
    print("inspection #%s: surprise, finding, action done, closed" % number, flush=True)

    # 3. A complaint about content, forwarded to the Department (email), answered by it.
    d.get(a.base + "/registers/feedback")
    fill(d, "f-feedback", {"subject": "content", "channel": "in-person", "item": "video/lao.mp4", "text": "Phụ đề tiếng Lào sai chính tả\nở phút thứ 2"})
    submit(d, "f-feedback", "Phụ đề tiếng Lào sai chính tả", "the complaint recorded")
    click_button(d, "Chuyển Sở", "Đã chuyển Sở", "the complaint forwarded")
    login(d, "so-tttt")
    d.get(a.base + "/registers/feedback")
    fid = re.search(r"#(\d+)", body_text(d)).group(1)
    fill(d, "f-feedback-%s-answer" % fid, {"answer": "x" * 4500})
    submit(d, "f-feedback-%s-answer" % fid, "tối đa 4000", "the refusal of an over-long answer")
    if len(form(d, "f-feedback-%s-answer" % fid).find_element(By.NAME, "answer").get_attribute("value")) != 4500:
        fail("the refused answer lost what was typed")
    fill(d, "f-feedback-%s-answer" % fid, {"answer": "Sở đã yêu cầu thay tệp phụ đề."})
    submit(d, "f-feedback-%s-answer" % fid, "Đã trả lời", "the Department's answer")
    shot(d, "feedback")
    print("feedback #%s: content, forwarded, answered by the Department" % fid, flush=True)

    # 4. A repair linked to the incident; 5. the sound equipment lent and returned.
    login(d, "don-bp")
    d.get(a.base + "/")
    wait_for(d, "an open incident on the board", lambda d: re.search(r"#\d+", body_text(d.find_element(By.TAG_NAME, "table")) if d.find_elements(By.TAG_NAME, "table") else "") is not None)
    incident = re.search(r"#(\d+)", d.find_element(By.TAG_NAME, "table").text).group(1)
    d.get(a.base + "/registers/maintenance")
    fill(d, "f-maintenance", {"what": "Thay card nhận số 3", "who": "Kỹ thuật viên", "cost": "1500000", "parts": "Card nhận", "incident": incident})
    submit(d, "f-maintenance", "#%s" % incident, "the repair logged")
    if not d.find_elements(By.CSS_SELECTOR, "a[href='/incidents/%s']" % incident):
        fail("the repair does not link to incident #%s" % incident)
    d.get(a.base + "/registers/equipment")
    fill(d, "f-equipment", {"id": "am-thanh-luu-dong", "name": "Bộ âm thanh lưu động", "serial": "SN-2026", "location": "Đồn Biên phòng", "state": "working", "lendable": "1"})
    submit(d, "f-equipment", "Bộ âm thanh lưu động", "the equipment recorded")
    d.find_element(By.XPATH, "//summary[contains(., 'Cho mượn')]").click()
    fill(d, "f-equipment-am-thanh-luu-dong-lend", {"borrower": "UBND xã Na Ư", "purpose": "Tuyên truyền bầu cử"})
    submit(d, "f-equipment-am-thanh-luu-dong-lend", "Đang cho mượn / Out with: UBND xã Na Ư", "the loan")
    click_button(d, "Đã nhận lại", "Đã nhận lại am-thanh-luu-dong từ UBND xã Na Ư", "the return")
    shot(d, "equipment")
    print("repair linked to incident #%s; sound equipment lent and returned" % incident, flush=True)

    # 6. The Committee reads, has no form, and is refused a write.
    login(d, "ubnd")
    d.get(a.base + "/registers/feedback")
    wait_for(d, "the Committee reading the feedback", lambda d: "Sở đã yêu cầu thay tệp phụ đề." in body_text(d))
    if d.find_elements(By.ID, "f-feedback"):
        fail("the Committee sees the feedback form")
    # 7. The yearly report counts each register.
    d.get(a.base + "/reports/tay-trang?period=%d" % today.year)
    wait_for(d, "the yearly report's registers section", lambda d: "Đợt kiểm tra đã thực hiện" in body_text(d))
    text = body_text(d)
    for expected in ["1 (định kỳ 0, đột xuất 1)", "tiếp nhận 1, đã trả lời 1, còn mở 0", "Bảo trì, sửa chữa đã thực hiện", "Lượt cho mượn"]:
        if expected not in text:
            fail("the yearly report lacks '%s':\n%s" % (expected, text[text.find("Kiểm tra, bảo trì"):][:1200]))
    shot(d, "report")
    print("the yearly report counts the registers", flush=True)
    print("OK", flush=True)
finally:
    d.quit()
