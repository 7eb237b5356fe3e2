"""The app in a real browser: Debian's Chromium driven by Playwright (no `playwright install`).

The main flow saves a screenshot to artifacts/ for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from app_server import running_app

from app.service import sample_dir
from wavllm_core.cot import PUBLISHED_PROMPT

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect
expect.set_options(timeout=60_000)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                                                   reason="needs Debian's chromium (make test installs it)")]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SAMPLE = sample_dir() / "weather_slt.wav"
MICROPHONE_CLIP = sample_dir() / "question_kal16.wav"
# Records every text the newest assistant message shows, to tell streaming from one final update.
WATCH_STREAM = """() => {
  window.__botTexts = [];
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    if (bots.length) window.__botTexts.push(bots[bots.length - 1].innerText);
  }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def server():
    with running_app() as app:
        yield app


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=FLAGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                          f"--use-file-for-fake-audio-capture={MICROPHONE_CLIP}"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, permissions=["microphone"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url)
    page.wait_for_selector("#recording")
    yield page
    context.close()


def upload(page, path: Path) -> None:
    page.locator("#recording input[type=file]").set_input_files(str(path))


def set_max_new_tokens(page, count: int) -> None:
    page.get_by_text("Generation settings").click()
    box = page.get_by_label("number input for Max new tokens (published: 512)")
    box.fill(str(count))
    box.press("Enter")


def toast(page):
    return page.locator("[data-testid='toast-body']")


def test_upload_ask_see_the_answer_stream_and_the_steps_render(page):
    upload(page, SAMPLE)
    expect(page.locator("#audio-info")).to_contain_text("5.30 s")
    set_max_new_tokens(page, 60)
    page.get_by_text("Details of an answer").click()  # closed accordions render nothing
    page.evaluate(WATCH_STREAM)
    page.locator("#instruction textarea").fill("Transcribe the audio.")
    page.locator("#submit").click()
    expect(page.locator("#chat")).to_contain_text("Transcribe the audio.")
    expect(page.locator("#details-stats")).to_contain_text("new tokens")  # filled when the answer is complete
    texts = [t for t in page.evaluate("window.__botTexts") if t.strip()]
    assert len(set(texts)) >= 3 and any(t.rstrip().endswith("▌") for t in texts)  # grew piece by piece

    page.locator("#mode").get_by_text("Step by step (CoT)").click()
    page.locator("#strategy").get_by_text("Chained steps").click()
    page.locator("#instruction textarea").fill("Transcribe the audio\nTranslate it into German")
    page.locator("#submit").click()
    expect(page.locator("#chat")).to_contain_text("Step 1/2: Transcribe the audio")
    expect(page.locator("#chat")).to_contain_text("Step 2/2: Translate it into German")
    expect(page.locator("#chat")).to_contain_text("Each step was its own generation")
    expect(page.locator("#details-choice input")).to_have_value("#2 step 2/2")
    expect(page.locator("#scale-plot canvas, #scale-plot svg").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_ask.png"), full_page=True)


def test_recording_with_the_microphone_fills_the_player(page):
    page.locator("#recording [aria-label='Record audio']").click()
    page.locator("#recording button.record-button").click()
    expect(page.locator("#recording")).to_contain_text("0:01")  # the recording timer runs
    page.locator("#recording button.stop-button").click()
    expect(page.locator("#audio-info")).to_contain_text("16000 Hz")


def test_submit_without_audio_shows_a_message_and_adds_nothing_to_the_chat(page):
    page.locator("#submit").click()
    expect(toast(page)).to_contain_text("no recording yet")
    assert page.locator("#chat [data-testid='user']").count() == 0


def test_a_ten_minute_recording_is_refused_with_the_maximum_and_stays_in_the_player(page, tmp_path):
    long_file = tmp_path / "ten_minutes.wav"
    sf.write(long_file, np.full(600 * 8_000, 0.01, dtype=np.float32), 8_000, subtype="PCM_16")
    upload(page, long_file)
    expect(page.locator("#audio-info")).to_contain_text("Too long for this model")
    page.locator("#submit").click()
    expect(toast(page)).to_contain_text("600.0 s long")
    expect(toast(page)).to_contain_text("at most")
    expect(page.locator("#recording")).to_contain_text("10:00")  # the recording is still in the player
    assert page.locator("#chat [data-testid='user']").count() == 0


def test_an_upload_over_50_mb_is_refused_in_the_page_with_the_limit(page, tmp_path):
    big = tmp_path / "big.wav"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)
    upload(page, big)
    expect(toast(page)).to_contain_text("exceed the maximum allowed size of 50.0 Mb")
    expect(page.locator("#audio-info")).to_contain_text("No recording yet")


def test_a_text_file_named_like_audio_gets_the_supported_formats(page, tmp_path):
    fake = tmp_path / "notes.wav"
    fake.write_text("these are notes, not audio\n" * 40)
    upload(page, fake)
    expect(page.locator("#audio-info")).to_contain_text("could not read notes.wav as audio")
    page.locator("#submit").click()
    expect(toast(page)).to_contain_text("Supported formats")


def test_the_model_tab_shows_the_loaded_model_and_the_untrained_banner(page):
    expect(page.locator("#untrained-banner")).to_contain_text("Untrained weights: development only")
    page.get_by_role("tab", name="Model").click()
    expect(page.locator("#model-summary")).to_contain_text("tiny-random")
    expect(page.locator("#model-summary")).to_contain_text("float32")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_model.png"))


def test_stop_ends_a_streaming_answer_and_submit_works_again(page):
    upload(page, SAMPLE)
    expect(page.locator("#audio-info")).to_contain_text("5.30 s")
    set_max_new_tokens(page, 1024)
    page.get_by_text("Greedy decoding").click()  # greedy tiny-random never stops on its own before 1024
    page.get_by_text("Stop a reply that falls into a loop").click()  # nor is it cut as a loop
    page.locator("#submit").click()
    expect(page.locator("#chat [data-testid='bot']").last).to_contain_text("▌")
    page.locator("#stop").click()
    expect(page.locator("#chat [data-testid='bot']").last).to_contain_text("stopped")
    expect(page.locator("#submit")).to_be_enabled()
    page.locator("#submit").click()
    expect(page.locator("#chat [data-testid='user']")).to_have_count(3)  # recording, first and second question


def test_an_example_fills_the_recording_the_instruction_and_the_mode(page):
    page.get_by_role("button", name="Step-by-step (CoT): First of all").click()
    expect(page.locator("#audio-info")).to_contain_text("5.30 s")
    expect(page.locator("#instruction textarea")).to_have_value(PUBLISHED_PROMPT)
    expect(page.locator("#mode input[value='Step by step (CoT)']")).to_be_checked()
    expect(page.locator("#strategy")).to_be_visible()
