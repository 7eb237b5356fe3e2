"""The Listening quiz in a real browser (Debian's Chromium, Playwright): a whole practice set answered,
checked and submitted, then the review with the evidence audio and the model's explanation. The
review is saved as a screenshot in artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, CHROMIUM, FLAGS, expect, playwright, pytestmark  # noqa: F401  (skips, marks)
from test_quiz_api import isolated_app

from app.quiz_review import key_text
from wavllm_core.quiz import bundled_sets

SET = bundled_sets()[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with isolated_app(tmp_path_factory.mktemp("quiz-browser-home")) as app:
        yield app


@pytest.fixture
def page(server):
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM,
                                          args=FLAGS + ["--autoplay-policy=no-user-gesture-required"])
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server.url)
        page.get_by_role("tab", name="Listening quiz").click()
        yield page
        chromium.close()


def test_a_whole_practice_set_answered_checked_submitted_and_reviewed(page):
    page.locator("#quiz-name input, #quiz-name textarea").first.fill("Browser Student")
    page.locator("#quiz-start").click()
    expect(page.locator("#quiz-status")).to_contain_text("Practice · Practice set 1 · Browser Student")
    page.locator("#quiz-play-slow").click()
    expect(page.locator("#quiz-heading")).to_contain_text("played 1 time(s)")
    answered = 0
    for index, conversation in enumerate(SET.conversations):
        expect(page.locator("#quiz-heading")).to_contain_text(f"Conversation {index + 1} of {len(SET.conversations)}")
        for slot, question in enumerate(conversation.questions):
            wrong = next(letter for letter in question.options if letter != question.answer)
            letter = question.answer if answered % 3 else wrong  # a few wrong ones for the review
            page.locator(f"#quiz-q{slot} label").filter(has_text=f"{letter}. {question.options[letter]}").click()
            page.locator(f"#quiz-lock{slot}").click()
            expect(page.locator(f"#quiz-feedback{slot}")).to_contain_text(key_text(question.answer,
                                                                                   question.options[question.answer]))
            answered += 1
        expect(page.locator("#quiz-transcript")).to_contain_text(conversation.transcript[-1].text)
        expect(page.locator("#quiz-transcript mark").first).to_be_visible()
        if index + 1 < len(SET.conversations):
            page.locator("#quiz-next").click()
    expect(page.locator("#quiz-status")).to_contain_text(f"{SET.question_count} of {SET.question_count} answered")
    page.locator("#quiz-submit").click()

    expected = sum(1 for number in range(SET.question_count) if number % 3)
    expect(page.locator("#quiz-score")).to_contain_text(f"{expected} / {SET.question_count} right")
    expect(page.locator("#quiz-review-item")).to_contain_text("Question 1")
    expect(page.locator("#quiz-review-item mark")).to_contain_text(SET.conversations[0].transcript[1].text)
    page.locator("#quiz-evidence").click()
    expect(page.locator("#quiz-evidence-player audio, #quiz-evidence-player [data-testid='waveform-Evidence span']")
           .first).to_be_attached()
    page.locator("#quiz-explain").click()
    expect(page.locator("#quiz-explanation")).to_contain_text("has untrained random weights")
    expect(page.locator("#quiz-attempts")).to_contain_text(f"{expected}/{SET.question_count}")
    page.locator("#quiz-export").click()
    expect(page.locator("#quiz-export-file a[href$='quiz-progress-Browser-Student.csv']")).to_be_attached()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_quiz_review.png"), full_page=True)
