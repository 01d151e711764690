"""The staff console in a real browser (Debian's Chromium driven by Playwright) against the real
server process: log in, answer a resident's 人工 (the answer reaches the fake WeChat API),
move a repair to done, import a bills file and read the per-row errors of a broken one.

`make test` installs Chromium first (tests/e2e/install-chromium.sh); Playwright never
downloads a browser of its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright import sync_api

from store import Store
from store.clock import utcnow
from store.db import make_engine, make_sessionmaker, transaction
from store.repairs import NewTicket, RepairRepository
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.e2e.test_server import free_port
from tests.fake_wechat_api import FakeWeChatApi
from tests.waiting import wait_for
from tests.wechat_client import WeChatServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ADMIN_PASSWORD = "browser-test-password"
RESIDENT = "o_browser_resident"


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


@pytest.fixture
def console_server(tmp_path: Path, sqlite_url: str, fake_wechat: FakeWeChatApi, understanding: object) -> Iterator[str]:
    """`python -m bot serve` with an admin made by `python -m bot console-user` and the fake WeChat API."""
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY,
           "WECHAT_SECRET": "browser-test-secret", "WECHAT_API_BASE_URL": fake_wechat.base_url,
           "DATABASE_URL": sqlite_url, "CONSOLE_SECRET": "browser-test-console-secret-0123456789"}
    command = [sys.executable, "-m", "bot", "console-user", "admin", "--name", "值班管理员", "--role", "admin"]
    made = subprocess.run(command, cwd=ROOT, env=env, input=f"{ADMIN_PASSWORD}\n", capture_output=True, text=True,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    port = free_port()
    log = (tmp_path / "server.log").open("w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def ready() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_for(ready, 30), (tmp_path / "server.log").read_text(encoding="utf-8")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def page(console_server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=console_server, viewport={"width": 390, "height": 844},
                                          locale="zh-CN")  # a phone's screen
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()


def open_ticket(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            store = Store(session)
            store.residents.get_or_create("o_browser_reporter", utcnow())
            ticket, _ = store[RepairRepository].open_ticket(
                NewTicket("o_browser_reporter", "water_leak", "5号楼楼道", "楼道水管漏水"), "browser:1", utcnow())
            return ticket.id
    finally:
        engine.dispose()


def test_staff_log_in_answer_a_resident_finish_a_repair_and_import_bills_in_a_browser(
        page: object, console_server: str, sqlite_url: str, fake_wechat: FakeWeChatApi, tmp_path: Path) -> None:
    assert isinstance(page, sync_api.Page)
    expect = sync_api.expect
    ticket_id = open_ticket(sqlite_url)
    with httpx.Client(base_url=console_server, timeout=10) as http:
        resident = WeChatServer(http, TOKEN, APPID, AES_KEY)
        resident.say(RESIDENT, "小区门口的路灯一直不亮")
        resident.say(RESIDENT, "人工")

    # Logged out, the console sends the browser to the login page.
    page.goto("/console/inbox")
    expect(page).to_have_url(f"{console_server}/console/login?next=%2Fconsole%2Finbox")
    page.get_by_label("登录名").fill("admin")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="人工会话")).to_be_visible()

    # The escalation: open it, read the resident's words, answer.
    page.locator("#cases a").first.click()
    expect(page.locator("#conversation")).to_contain_text("小区门口的路灯一直不亮")
    page.get_by_label("回复内容").fill("您好，电工今天下午去修门口的路灯。")
    page.get_by_role("button", name="发送回复").click()
    expect(page.get_by_role("status")).to_contain_text("回复已交给发送队列")

    def answered() -> bool:
        return any(sent.get("touser") == RESIDENT and "电工今天下午去修门口的路灯" in str(sent)
                   for sent in fake_wechat.sent)

    assert wait_for(answered, 15), fake_wechat.sent
    assert sum("电工今天下午去修门口的路灯" in str(sent) for sent in fake_wechat.sent) == 1

    # The repair board: move the ticket to done.
    page.get_by_role("link", name="报修").click()
    row = page.locator(f"#repair-{ticket_id}")
    row.get_by_label("新状态").select_option("done")
    row.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text(f"报修 #{ticket_id} 已更新")
    expect(page.locator(f"#repair-{ticket_id} .status")).to_have_text("已完成")

    # Bills: a broken file shows every wrong row and imports nothing; a right one is imported.
    broken = tmp_path / "broken-bills.csv"
    broken.write_text("楼号,房号,账期,费用类型,金额,截止日期\n3,502,2026-03,物业费,abc,2026-04-20\n"
                      "3,999,2026-03,水费,30,2026-04-20\n", encoding="utf-8")
    right = tmp_path / "bills.csv"
    right.write_text("楼号,房号,账期,费用类型,金额,截止日期\n3,502,2026-03,物业费,350,2026-04-20\n", encoding="utf-8")
    page.get_by_role("link", name="账单").click()
    page.get_by_label("账单文件").set_input_files(str(broken))
    page.get_by_role("button", name="导入").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("没有导入")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("金额")
    expect(errors.locator("tbody tr").nth(1)).to_contain_text("房号")
    expect(page.locator("#bills tbody")).to_contain_text("没有符合条件的账单")
    page.get_by_label("账单文件").set_input_files(str(right))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#import-done")).to_contain_text("1 张账单")
    expect(page.locator("#bills tbody tr")).to_have_count(1)
