"""The processor lays out the published template exactly and refuses what does not fit."""

from __future__ import annotations

import pytest

from conftest import speechlike
from wavllm_core.config import LLAMA2_SYSTEM_PROMPT
from wavllm_core.processing import IGNORE_INDEX, InputTooLongError, Turn, normalize_instruction


def split(batch):
    ids = batch["input_ids"][0].tolist()
    audio = batch["audio_mask"][0].tolist()
    start, end = audio.index(True), len(audio) - audio[::-1].index(True)
    return ids[:start], end - start, ids[end:]


def test_template_pieces_are_encoded_separately_as_published(processor):
    sp = processor.tokenizer
    left, frames, right = split(processor(speechlike(2.0), "Transcribe the audio."))
    assert left == [sp.bos_token_id] + sp.encode(f"[INST]<<SYS>>\n{LLAMA2_SYSTEM_PROMPT}\n<</SYS>>\n\n<SPEECH>")
    assert right == sp.encode(" </SPEECH> Transcribe the audio. [/INST]")
    assert frames == processor.audio_frames(32_000)


def test_the_text_after_the_audio_starts_with_a_lone_space_piece(processor):
    _, _, right = split(processor(speechlike(1.0), "Hi"))
    assert processor.tokenizer.convert_ids_to_tokens(right[:1]) == ["▁"]


def test_bos_after_audio_reproduces_the_released_inference_quirk(tiny_config, processor):
    from wavllm_core.processing import WavLLMProcessor

    quirk = WavLLMProcessor(tiny_config.__class__(**{**tiny_config.to_dict(), "bos_after_audio": True}), processor.tokenizer)
    _, _, trained = split(processor(speechlike(1.0), "Hi"))
    _, _, released = split(quirk(speechlike(1.0), "Hi"))
    assert released[0] == processor.tokenizer.bos_token_id
    assert released[1:] == trained[1:]


def test_prompt_scale_input_is_the_quoted_instruction_without_bos(processor):
    batch = processor(speechlike(1.0), "Is there only one speaker?")
    assert batch["scale_input_ids"][0].tolist() == processor.tokenizer.encode('"Is there only one speaker?"')


def test_response_ids_end_with_eos_and_are_the_only_labels(processor):
    batch = processor(speechlike(1.0), "Transcribe.", response="good morning")
    labels = batch["labels"][0].tolist()
    answer = processor.tokenizer.encode("good morning") + [processor.tokenizer.eos_token_id]
    assert [x for x in labels if x != IGNORE_INDEX] == answer
    assert batch["input_ids"][0].tolist()[-len(answer):] == answer


def test_empty_instruction_is_allowed_for_spoken_questions(processor):
    batch = processor(speechlike(1.0), "")
    _, _, right = split(batch)
    assert right == processor.tokenizer.encode(" </SPEECH>  [/INST]")
    assert batch["scale_input_ids"][0].tolist() == processor.tokenizer.encode('""')


def test_instruction_with_newlines_is_made_one_line(processor):
    assert normalize_instruction("First transcribe;\n\nthen\ttranslate.  ") == "First transcribe; then translate."
    a = processor(speechlike(1.0), "Transcribe\nthe audio.")
    b = processor(speechlike(1.0), "Transcribe the audio.")
    assert a["input_ids"].tolist() == b["input_ids"].tolist()


def test_refuses_an_instruction_longer_than_the_token_budget_with_the_budget_in_the_message(processor, tiny_config):
    words = " ".join(["speaker"] * 2000)
    with pytest.raises(InputTooLongError, match=rf"limit is {tiny_config.max_instruction_tokens} tokens"):
        processor(speechlike(1.0), words)


def test_refuses_audio_longer_than_the_position_budget_with_the_maximum_duration(processor):
    limit = processor.max_audio_seconds("Transcribe.", max_new_tokens=512)
    assert 100 < limit < 130
    with pytest.raises(InputTooLongError, match=r"at most 1\d\d\.\d s"):
        processor(speechlike(limit + 5), "Transcribe.")
    processor(speechlike(limit - 1), "Transcribe.")


def test_fewer_answer_tokens_leave_room_for_longer_audio(processor):
    assert processor.max_audio_seconds("x", max_new_tokens=64) > processor.max_audio_seconds("x", max_new_tokens=512) + 30


def test_history_turns_follow_the_llama2_chat_layout(processor):
    sp = processor.tokenizer
    batch = processor(speechlike(1.0), "And in German?", history=[Turn("Transcribe.", "hello")])
    _, _, right = split(batch)
    expected = (
        sp.encode(" </SPEECH> Transcribe. [/INST]") + sp.encode("hello") + [sp.eos_token_id]
        + [sp.bos_token_id] + sp.encode("[INST] And in German? [/INST]")
    )
    assert right == expected
    assert batch["scale_input_ids"][0].tolist() == sp.encode('"And in German?"')


def test_generation_batches_are_padded_on_the_left_and_training_batches_on_the_right(processor):
    clips = [speechlike(1.0), speechlike(2.0)]
    prompts = processor(clips, ["a", "b"])
    training = processor(clips, ["a", "b"], response=["x", "y"])
    assert prompts["attention_mask"][0, 0] == 0 and prompts["attention_mask"][0, -1] == 1
    assert training["attention_mask"][0, 0] == 1 and training["attention_mask"][0, -1] == 0


def test_rendered_prompt_shows_the_exact_text_and_the_audio_frame_count(processor):
    text = processor.render_prompt("Transcribe.", 48_000)
    assert text.startswith("[INST]<<SYS>>\n" + LLAMA2_SYSTEM_PROMPT)
    assert f"<SPEECH><audio: {processor.audio_frames(48_000)} frames> </SPEECH> Transcribe. [/INST]" in text
