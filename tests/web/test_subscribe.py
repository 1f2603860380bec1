"""The subscribe page as a reader uses it: the main feeds first, groups for
categories and countries, a webcal "Subscribe" link, the address labelled by
its real scheme, Google and Outlook links that carry that address, phone
instructions, plain words on reminders, and the selection builder, with and
without JavaScript. The builder's address is then fetched: it is a real feed
holding as many events as the page says."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.web import create_app
from tests.web.test_pages import text

from .browsing import shot


def cards(html: str) -> dict[str, dict]:
    """Each feed card of the page: what a reader sees and where its links go."""
    found = {}
    for card_id, body in re.findall(r'<article class="feed-card" id="([^"]+)">(.*?)</article>', html, re.S):

        def href(css_class: str, body: str = body) -> str:
            return unescape(re.search(rf'<a class="btn {css_class}" href="([^"]+)"', body)[1])

        address = re.search(r'<code class="feed-url"[^>]*>(.*?)</code>', body, re.S)[1]
        found[card_id] = {
            "title": unescape(re.search(r'<h3 class="feed-title">(.*?)</h3>', body, re.S)[1]),
            "label": " ".join(
                unescape(
                    re.sub(
                        r"<[^>]+>",
                        " ",
                        re.search(r'class="address-label"[^>]*>(.*?)</span>\s*<div', body, re.S)[1],
                    )
                ).split()
            ),
            "address": unescape(address.replace("<wbr>", "")),
            "subscribe": href("btn-subscribe"),
            "google": href("google"),
            "outlook": href("outlook"),
            "office": href("office"),
            "text": text_of(body),
        }
    return found


def text_of(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment.replace("<wbr>", ""))).split())


def section(html: str, start_id: str, end_id: str) -> str:
    return html[html.index(f'id="{start_id}"') : html.index(f'id="{end_id}"')]


def test_the_page_leads_with_the_four_main_feeds_then_groups(client):
    html = client.get("/subscribe?lang=en").data.decode()
    main = cards(section(html, "main-feeds", "howto"))
    assert [c["title"] for c in main.values()] == [
        "Anniversaries – all",
        "Anniversaries – round and half-decade years",
        "Anniversaries – planning (lead times)",
        "Anniversaries – round and half-decade years (with reminders)",
    ]
    # 2023–2029 (the window of a build on 1 March 2024): the documents' anniversaries and the
    # national calendar's days, every year for most of them, and the Lâm Đồng file's entries.
    assert "404 events" in main["feed-all"]["text"]
    assert "Works in every calendar program" in main["feed-planning"]["text"]
    categories = re.search(r'<details class="feed-group" id="group-categories">(.*?)</details>', html, re.S)[
        1
    ]
    assert text_of(categories).startswith("By category 7 feeds")  # people is the 7th
    assert "Anniversaries – diplomatic relations" in [c["title"] for c in cards(categories).values()]
    countries = re.search(r'<details class="feed-group" id="group-countries">(.*?)</details>', html, re.S)[1]
    names = [c["title"].removeprefix("Anniversaries – ") for c in cards(countries).values()]
    assert names == sorted(names) and "Sweden" in names and "Brazil" in names
    scopes = re.search(r'<details class="feed-group" id="group-scopes">(.*?)</details>', html, re.S)[1]
    assert text_of(scopes).startswith("By scope 2 feeds")
    assert [c["title"] for c in cards(scopes).values()] == [
        "Anniversaries – national",
        "Anniversaries – Lâm Đồng",
    ]
    # Every published feed in the page's language is offered once: 5 main and reminder
    # feeds, 7 categories, 19 countries with a dated partner, 2 scopes (national, lam-dong).
    everything = cards(html)
    assert len(everything) == 33 and all(card_id.startswith("feed-") for card_id in everything)


def test_every_feed_has_a_webcal_link_its_address_and_google_and_outlook_links(client):
    found = cards(client.get("/subscribe?lang=vi").data.decode())
    assert len(found) == 33
    for card in found.values():
        address = card["address"]
        assert address.startswith("http://127.0.0.1:8000/feeds/vi/") and address.endswith(".ics")
        assert card["subscribe"] == "webcal://" + address.removeprefix("http://")
        google = urlparse(card["google"])
        assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/r")
        assert parse_qs(google.query) == {"cid": [card["subscribe"]]}
        for link, host in ((card["outlook"], "outlook.live.com"), (card["office"], "outlook.office.com")):
            outlook = urlparse(link)
            assert (outlook.netloc, outlook.path) == (host, "/calendar/0/addfromweb")
            assert parse_qs(outlook.query) == {"url": [address], "name": [card["title"]]}
        assert (
            "Đăng ký lịch Thêm vào: Google Calendar Outlook.com Microsoft 365 Địa chỉ (http)" in card["text"]
        )


def test_an_http_address_is_not_labelled_https(client):
    """The page labelled the address field "https" although the base URL was http://."""
    html = client.get("/subscribe?lang=en").data.decode()
    # What a reader sees: the text, with each field's value where the field is.
    seen = text_of(re.sub(r'<input[^>]*\svalue="([^"]*)"[^>]*>', r" \1 ", html))
    shown = re.findall(r"((?:\S+\s+){0,3})(https?)://127\.0\.0\.1:8000/feeds/\S+", seen)
    assert len(shown) >= 33
    for before, scheme in shown:
        assert scheme == "http" and "https" not in before.split(), before
    for card in cards(html).values():
        assert card["label"] == "Address (http)"


@pytest.fixture
def https_app(published_feeds):
    settings = load_settings(
        environ={},
        overrides={
            "registry": REAL_REGISTRY,
            "feeds_dir": published_feeds,
            "base_url": "https://lich.example.vn:8443",
        },
    )
    return create_app(settings)


def test_links_follow_the_running_service_not_the_build_that_wrote_the_index(https_app):
    """The page showed the addresses index.json kept from the build (port 8000)
    after the service was started with another base URL."""
    html = https_app.test_client().get("/subscribe?lang=en").data.decode()
    assert "127.0.0.1:8000" not in html
    card = cards(html)["feed-all"]
    assert card["address"] == "https://lich.example.vn:8443/feeds/en/all.ics"
    assert card["label"] == "Address (https)"
    assert card["subscribe"] == "webcal://lich.example.vn:8443/feeds/en/all.ics"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "One event, shown twice: an anniversary that is in two of your subscriptions shows twice",
                "iPhone and iPad Tap “Subscribe” under a feed and confirm",
                "Settings → Calendar → Accounts → Add Account → Other → Add Subscribed Calendar",
                "Android The Google Calendar app cannot add a feed by its address",
                "Other calendars → + → From URL",
                "switch on Sync, so that it shows on the phone",
                "Google Calendar : ignores the reminders of subscribed calendars; the events still show.",
                "Outlook : keeps at most one reminder per event.",
                "Apple Calendar : removes them by default (iPhone, iPad and Mac)",
                "The planning feed works everywhere: its entries are the reminders themselves (“[30 days to go] …”)",
                "The feeds hold the anniversaries from 1 January 2023 to 31 December 2029.",
                "The feeds on this page are in English. The same feeds in Vietnamese",
            ],
        ),
        (
            "vi",
            [
                "Một sự kiện hiện hai lần: một ngày kỷ niệm có trong hai lịch bạn đăng ký sẽ hiện hai lần",
                "iPhone và iPad Chạm vào “Đăng ký lịch” dưới một lịch rồi xác nhận",
                "Cài đặt → Lịch → Tài khoản → Thêm tài khoản → Khác → Thêm lịch đã đăng ký",
                "Android Ứng dụng Google Calendar không thêm được lịch theo địa chỉ",
                "Lịch khác → + → Từ URL",
                "bật Đồng bộ hoá để lịch hiện trên điện thoại",
                "Google Calendar : bỏ qua lời nhắc của lịch đăng ký; các sự kiện vẫn hiện.",
                "Outlook : chỉ giữ tối đa một lời nhắc cho mỗi sự kiện.",
                "Apple Calendar : mặc định xoá lời nhắc (iPhone, iPad và Mac)",
                "Lịch kế hoạch dùng được ở mọi nơi: các mục của lịch này chính là lời nhắc (“[Còn 30 ngày] …”)",
                "Các lịch gồm những ngày kỷ niệm từ 1/1/2023 đến 31/12/2029.",
                "Các lịch trên trang này bằng tiếng Việt. Các lịch này bằng tiếng Anh",
            ],
        ),
    ],
)
def test_advice_on_phones_reminders_and_double_subscriptions(client, lang, words):
    page = text(client.get(f"/subscribe?lang={lang}"))
    for expected in words:
        assert expected in page


def test_the_builder_without_javascript_gives_a_working_feed_address(client):
    response = client.get("/subscribe?lang=en&category=diplomatic&country=SE&country=CN&milestone=milestones")
    html = response.data.decode()
    result = cards(html[html.index('id="builder-result"') :])["feed-selection"]
    assert (
        result["title"] == "Anniversaries – diplomatic relations, China, Sweden, round and half-decade years"
    )
    assert result["address"] == (
        "http://127.0.0.1:8000/feeds/filtered.ics?category=diplomatic&country=SE&country=CN"
        "&milestone=milestones&lang=en"
    )
    assert parse_qs(urlparse(result["google"]).query) == {"cid": ["webcal" + result["address"][4:]]}
    # The boxes stay ticked as chosen.
    assert re.search(r'value="diplomatic" checked', html) and re.search(r'value="SE" checked', html)
    assert re.search(r'name="milestone" value="milestones" checked', html)
    # The address is a real feed with the number of events the page states.
    feed = client.get(result["address"].removeprefix("http://127.0.0.1:8000"))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = feed.data.count(b"BEGIN:VEVENT")
    assert events > 0 and f"{events} events" in result["text"]


def test_the_builder_says_when_nothing_is_chosen_or_nothing_matches(client):
    page = text(client.get("/subscribe?lang=en"))
    assert "Choose at least one category, country or milestone level" in page
    page = text(client.get("/subscribe?lang=en&category=documents&country=SE"))
    assert "0 events" in page and "No anniversary matches this selection" in page


def test_a_wrong_builder_value_is_a_400_page_that_names_it(client):
    response = client.get("/subscribe?lang=vi&country=XX")
    assert response.status_code == 400
    assert "country" in text(response) and "XX" in text(response)


# In the browser: Debian's Chromium on a real server, with the browser suite's fixtures.

WIDTHS = {"phone": 390, "desktop": 1280}

# Elements wider than the page, or whose text is cut off inside them.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, problems = [];
  if (document.documentElement.scrollWidth > width) problems.push("page " + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll("main *")) {
    if (!el.getClientRects().length) continue;
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 || box.left < -0.5) problems.push(el.tagName + "." + el.className + " " + Math.round(box.left) + ".." + Math.round(box.right));
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") problems.push("cut " + el.tagName + "." + el.className);
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", WIDTHS)
def test_subscribe_page_fits_phone_and_desktop(browser, server, lang, size):
    page = browser.new_page(viewport={"width": WIDTHS[size], "height": 900})
    page.goto(f"{server}/subscribe?lang={lang}&category=diplomatic&milestone=tron")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(OVERFLOW) == []
    main = page.locator("#main-feeds ~ .feed-grid").first.locator(".feed-card")
    assert main.count() == 4
    if size == "desktop":  # two cards side by side
        first, second = (main.nth(i).bounding_box() for i in (0, 1))
        assert second["x"] > first["x"] + first["width"] and abs(second["y"] - first["y"]) < 1
    # Every address shows whole, wrapped inside its box rather than cut.
    for address in page.locator(".feed-url").all():
        box = address.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[size]
    shot(page, f"subscribe-{lang}-{WIDTHS[size]}")
    page.close()


def test_builder_without_javascript_reloads_the_page_with_the_address(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/subscribe?lang=vi")
    assert page.locator("#builder-result").inner_text().startswith("Hãy chọn ít nhất một nhóm")
    assert page.locator(".copy-button").first.is_hidden(), "no dead Copy button without JavaScript"
    page.check("input[name=country][value=SE]")
    page.check("input[name=milestone][value=milestones]")
    page.click("form.builder button[type=submit]")
    page.wait_for_url("**country=SE**")
    assert page.url.endswith("#builder")
    result = page.locator("#feed-selection")
    assert result.locator("h3").inner_text() == "Lịch kỷ niệm – Thụy Điển, năm tròn, năm chẵn"
    assert result.locator(".feed-url").inner_text() == (
        "http://127.0.0.1:8000/feeds/filtered.ics?country=SE&milestone=milestones&lang=vi"
    )
    assert result.locator("a.btn-subscribe").get_attribute("href") == (
        "webcal://127.0.0.1:8000/feeds/filtered.ics?country=SE&milestone=milestones&lang=vi"
    )
    assert page.locator("input[name=country][value=SE]").is_checked()
    context.close()


def test_builder_updates_live_and_copy_puts_the_address_on_the_clipboard(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{server}/subscribe?lang=en")
    page.check("input[name=category][value=diplomatic]")
    page.wait_for_selector("#feed-selection")
    page.check("input[name=milestone][value=tron]")
    title = page.locator("#feed-selection h3")
    page.wait_for_function("document.querySelector('#feed-selection h3').textContent.includes('năm tròn')")
    assert title.inner_text() == "Anniversaries – diplomatic relations, major anniversary (năm tròn)"
    address = "http://127.0.0.1:8000/feeds/filtered.ics?category=diplomatic&milestone=tron&lang=en"
    assert page.locator("#feed-selection .feed-url").inner_text() == address
    assert "category=diplomatic" in page.url and "milestone=tron" in page.url, "the address bar follows"
    button = page.locator("#feed-selection .copy-button")
    button.click()
    page.wait_for_function("document.querySelector('#feed-selection .copy-button').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == address
    shot(page, "subscribe-en-builder")
    context.close()


def test_before_the_first_build_the_page_says_so_and_the_builder_still_works(tmp_path):
    app = create_app(load_settings(environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": tmp_path}))
    response = app.test_client().get("/subscribe?lang=en&category=diplomatic")
    page = text(response)
    assert response.status_code == 200 and "No feeds have been published yet." in page
    assert "By category" not in page and "By country" not in page
    assert list(cards(response.data.decode())) == ["feed-selection"]
