"""The official checkpoint: safe reading, exact conversion, loading, and downloads that resume.

A tiny fake `final.pt` with the release's key names stands in for the 30 GB file; an independent
reference forward (tests/fake_release.py) written from the published formulas is the yardstick.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
import torch
from conftest import speechlike
from fake_release import LLAMA, FakeSizes, ReferenceWavLLM, fake_release_state, save_release

from wavllm_core import checkpoint_convert
from wavllm_core.checkpoint_convert import (
    INDEX_FILE,
    CheckpointKeysError,
    NotWavLLMError,
    OutputExistsError,
    convert_checkpoint,
)
from wavllm_core.checkpoint_reader import (
    CheckpointError,
    NotACheckpointError,
    StandIn,
    TruncatedCheckpointError,
    UnsafeCheckpointError,
    read_checkpoint,
)
from wavllm_core.cli import main
from wavllm_core.download import RELEASE_FILE, RELEASE_REPO, TOKENIZER_FILE, TOKENIZER_REPO, DownloadError, download_release, fetch_file
from wavllm_core.generation import DecodingSettings, answer
from wavllm_core.hub import load_model
from wavllm_core.modeling import WavLLMForConditionalGeneration
from wavllm_core.tokenization import train_tiny_tokenizer

SIZES = FakeSizes()
INSTRUCTION = "Transcribe the audio."
GREEDY_STEPS = 4
SHARD_BYTES = 2 << 20  # small shards, so the fake (~8 MB) is written in several


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """final.pt with tokenizer.model beside it, as a user would have them after downloading."""
    folder = tmp_path_factory.mktemp("release")
    state = fake_release_state(SIZES)
    save_release(folder / "final.pt", state)
    train_tiny_tokenizer(SIZES.vocab).save(folder)
    return folder / "final.pt", state


@pytest.fixture(scope="module")
def converted(release, tmp_path_factory):
    path, _ = release
    return convert_checkpoint(path, tmp_path_factory.mktemp("converted") / "wavllm-fake", shard_bytes=SHARD_BYTES)


@pytest.fixture(scope="module")
def loaded(converted):
    return load_model(str(converted.directory), device="cpu")


@pytest.fixture(scope="module")
def reference(release):
    return ReferenceWavLLM(release[1], SIZES)


@pytest.fixture(scope="module")
def clip():
    """Shorter than one 3 s Whisper piece of the fake, so the piece is padded and trimmed back."""
    return speechlike(2.5, seed=3)


@pytest.fixture(scope="module")
def batch(loaded, clip):
    return loaded.processor(clip, INSTRUCTION)


@pytest.fixture(scope="module")
def reference_run(reference, batch):
    """The reference's greedy decoding: the logits of every step and the tokens chosen."""
    audio = reference.audio(batch["input_features"], int(batch["piece_frames"][0]), batch["input_values"][0])
    r = reference.prompt_scale(batch["scale_input_ids"][0])
    ids, mask = batch["input_ids"][0], batch["audio_mask"][0]
    steps, tokens = [], []
    for _ in range(GREEDY_STEPS):
        logits = reference.logits(ids, mask, audio, r)
        steps.append((ids, mask, logits))
        tokens.append(int(logits[-1].argmax()))
        ids, mask = torch.cat([ids, torch.tensor(tokens[-1:])]), torch.cat([mask, torch.tensor([False])])
    return {"r": r, "steps": steps, "tokens": tokens}


def _model_logits(model, batch, ids, mask, encoder_outputs=None) -> torch.Tensor:
    """The converted model's logits for a sequence (the batch's audio and instruction, `ids` as text)."""
    inputs = dict(batch)
    inputs.update(input_ids=ids[None], audio_mask=mask[None], attention_mask=torch.ones(1, len(ids), dtype=torch.long))
    with torch.no_grad():
        return model(**inputs, encoder_outputs=encoder_outputs).logits[0]


# The converted directory ----------------------------------------------------------------------


def test_conversion_writes_sharded_safetensors_with_index_config_tokenizer_and_model_card(release, converted):
    directory = converted.directory
    index = json.loads((directory / INDEX_FILE).read_text())
    shards = sorted(directory.glob("model-*.safetensors"))
    assert len(shards) > 1 and set(index["weight_map"].values()) == {s.name for s in shards}
    assert index["metadata"]["total_size"] == converted.bytes_written
    assert (directory / "tokenizer.model").read_bytes() == (release[0].parent / "tokenizer.model").read_bytes()
    assert "v-sjhu/WavLLM" in (directory / "README.md").read_text()
    config = json.loads((directory / "config.json").read_text())
    assert config["model_type"] == "wavllm" and config["lora_scale_rotary_permuted"] is True


def test_every_size_is_inferred_from_tensor_shapes_with_32_llm_heads(converted):
    config = converted.config
    text, whisper, wavlm = config.text_config, config.semantic_config, config.acoustic_config
    assert (text.hidden_size, text.num_hidden_layers, text.intermediate_size, text.vocab_size) == (
        SIZES.llm_dim, SIZES.llm_layers, SIZES.llm_ffn, SIZES.vocab)
    assert (text.num_attention_heads, text.num_key_value_heads) == (32, 32)
    assert (whisper.d_model, whisper.encoder_layers, whisper.encoder_ffn_dim, whisper.encoder_attention_heads) == (
        SIZES.whisper_dim, SIZES.whisper_layers, SIZES.whisper_ffn, 1)
    assert (wavlm.hidden_size, wavlm.num_hidden_layers, wavlm.num_attention_heads) == (
        SIZES.wavlm_dim, SIZES.wavlm_layers, SIZES.wavlm_heads)
    assert (config.lora_rank, config.prompt_adapter_dim, config.projector_dim) == (SIZES.rank, SIZES.prompt_dim, SIZES.projector)
    assert tuple(config.acoustic_subsampler_channels) == SIZES.acoustic_channels


def test_converted_names_are_exactly_the_models_own_state_dict(converted):
    with torch.device("meta"):
        expected = set(WavLLMForConditionalGeneration(converted.config).state_dict())
    written = set(json.loads((converted.directory / INDEX_FILE).read_text())["weight_map"])
    assert written == expected


# Exactness against the reference ---------------------------------------------------------------


def test_prompt_scale_equals_the_reference_and_is_clamped_at_3_and_zero_in_places(loaded, batch, reference_run):
    r = loaded.model.compute_prompt_scale(batch["scale_input_ids"], batch["scale_attention_mask"])[0]
    reference_r = reference_run["r"]
    torch.testing.assert_close(r, reference_r, atol=1e-5, rtol=0)
    assert (reference_r == 3).sum() > 10 and (reference_r == 0).sum() > 10
    assert ((reference_r > 0) & (reference_r < 3)).sum() > 10


def test_logits_equal_the_reference_at_every_position_over_greedy_steps(loaded, batch, reference_run):
    (ids, mask, first), *later = reference_run["steps"]
    torch.testing.assert_close(_model_logits(loaded.model, batch, ids, mask), first, atol=1e-4, rtol=0)
    audio = [batch[k] for k in ("input_features", "piece_frames", "pieces_per_clip", "input_values", "acoustic_attention_mask")]
    encoded = loaded.model.encode_audio(*audio)  # the frozen encoders, checked above; reused for the later steps
    for ids, mask, reference_logits in later:
        torch.testing.assert_close(_model_logits(loaded.model, batch, ids, mask, encoded), reference_logits, atol=1e-4, rtol=0)


def test_generate_follows_the_reference_greedy_tokens(loaded, batch, reference_run):
    new = loaded.model.generate(**batch, do_sample=False, max_new_tokens=GREEDY_STEPS)[0].tolist()
    expected = reference_run["tokens"]
    if 2 in expected:  # the LLM stops at EOS
        expected = expected[: expected.index(2) + 1]
    assert new == expected


def test_without_the_rotary_permutation_the_logits_differ_from_the_reference(release, batch, reference_run, tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint_convert, "_rotary_index", lambda config, p: torch.arange(config.text_config.hidden_size))
    wrong = convert_checkpoint(release[0], tmp_path / "unpermuted")
    model = load_model(str(wrong.directory), device="cpu").model
    ids, mask, reference_logits = reference_run["steps"][0]
    assert (_model_logits(model, batch, ids, mask) - reference_logits).abs().max() > 1e-2


def test_reading_r_in_the_release_order_for_q_and_k_changes_the_logits(loaded, batch, reference_run):
    model = loaded.model
    layers = [m for n, m in model.language_model.named_modules() if n.endswith(("q_proj", "k_proj"))]
    saved = [layer.scale_index for layer in layers]
    try:
        for layer in layers:
            layer.scale_index = None
        ids, mask, reference_logits = reference_run["steps"][0]
        assert (_model_logits(model, batch, ids, mask) - reference_logits).abs().max() > 1e-3
    finally:
        for layer, index in zip(layers, saved):
            layer.scale_index = index


def test_converted_model_loads_in_4bit_on_cpu_and_generates(converted, clip):
    import bitsandbytes as bnb

    four_bit = load_model(str(converted.directory), load_in_4bit=True, device="cpu")
    assert isinstance(four_bit.model.language_model.model.layers[0].self_attn.q_proj.base_layer, bnb.nn.Linear4bit)
    result = answer(four_bit, clip, INSTRUCTION, DecodingSettings(max_new_tokens=3, greedy=True))
    assert result.new_tokens >= 1


def test_convert_command_writes_the_default_model_that_load_model_finds_by_name(release, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WAVLLM_HOME", str(tmp_path))
    assert main(["convert", "--checkpoint", str(release[0])]) == 0
    assert str(tmp_path / "models" / "wavllm-7b") in capsys.readouterr().out
    assert load_model("wavllm-7b", device="cpu").directory == tmp_path / "models" / "wavllm-7b"


def test_info_reports_the_converted_official_model(converted, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WAVLLM_HOME", str(tmp_path))
    assert main(["info"]) == 0
    assert "wavllm-7b: not downloaded" in capsys.readouterr().out
    shutil.copytree(converted.directory, tmp_path / "models" / "wavllm-7b")
    assert main(["info"]) == 0
    assert f"wavllm-7b: converted, 0.0 GB in {tmp_path / 'models' / 'wavllm-7b'}" in capsys.readouterr().out


def test_download_command_reports_an_already_converted_model_without_fetching(converted, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WAVLLM_HOME", str(tmp_path))
    shutil.copytree(converted.directory, tmp_path / "models" / "wavllm-7b")
    assert main(["download"]) == 0
    assert "already converted" in capsys.readouterr().out


def test_an_existing_model_is_only_replaced_with_force(release, converted):
    with pytest.raises(OutputExistsError, match="--force"):
        convert_checkpoint(release[0], converted.directory)


# Bad input -------------------------------------------------------------------------------------


def test_a_truncated_checkpoint_is_reported_as_an_incomplete_download(release, tmp_path):
    data = release[0].read_bytes()
    (tmp_path / "final.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedCheckpointError, match="incomplete"):
        read_checkpoint(tmp_path / "final.pt")


def test_an_html_page_saved_as_final_pt_is_reported_as_a_web_page(release, tmp_path, capsys):
    page = tmp_path / "final.pt"
    page.write_text("<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body>expired</body></html>\n")
    tokenizer = release[0].parent / "tokenizer.model"
    assert main(["convert", "--checkpoint", str(page), "--tokenizer", str(tokenizer), "--out", str(tmp_path / "out")]) == 2
    assert "web page" in capsys.readouterr().err
    with pytest.raises(NotACheckpointError, match="web page"):
        read_checkpoint(page)


class _RunsShell:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class _RunsPython:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


@pytest.mark.parametrize(("payload", "global_name"), [(_RunsShell, f"{os.system.__module__}.system"), (_RunsPython, "builtins.exec")])
def test_a_pickle_that_would_run_code_is_refused_naming_the_global_and_runs_nothing(release, tmp_path, payload, global_name):
    marker = tmp_path / "payload-ran"
    path = save_release(tmp_path / "final.pt", dict(list(release[1].items())[:3]), {"cfg": payload(marker)})
    with pytest.raises(UnsafeCheckpointError) as error:
        read_checkpoint(path)
    assert global_name in str(error.value)
    assert not marker.exists()


def test_a_checkpoint_of_another_architecture_is_named_as_not_wavllm(tmp_path):
    bert = {
        "bert.embeddings.word_embeddings.weight": torch.zeros(30, 8),
        "bert.encoder.layer.0.attention.self.query.weight": torch.zeros(8, 8),
        "cls.predictions.bias": torch.zeros(30),
    }
    torch.save(bert, tmp_path / "final.pt")
    train_tiny_tokenizer(SIZES.vocab).save(tmp_path)
    with pytest.raises(NotWavLLMError, match="not a WavLLM checkpoint.*bert.embeddings"):
        convert_checkpoint(tmp_path / "final.pt", tmp_path / "out")


def _convert_variant(release, tmp_path, state):
    save_release(tmp_path / "final.pt", state)
    shutil.copy(release[0].parent / "tokenizer.model", tmp_path)
    return convert_checkpoint(tmp_path / "final.pt", tmp_path / "out")


def test_missing_weights_are_an_error_that_lists_them(release, tmp_path):
    gone = [f"{LLAMA}layers.1.attention.wk_lora_B", "wavlm_encoder.model.encoder.pos_conv_embed.conv.weight_g"]
    state = {k: v for k, v in release[1].items() if k not in gone}
    with pytest.raises(CheckpointKeysError) as error:
        _convert_variant(release, tmp_path, state)
    assert sorted(error.value.missing) == sorted(gone) and not error.value.unexpected
    assert all(name in str(error.value) for name in gone)
    assert not (tmp_path / "out").exists()


def test_unexpected_weights_are_an_error_that_lists_them(release, tmp_path):
    extra = {f"{LLAMA}layers.0.attention.wq_lora_C": torch.zeros(2), "wavlm_encoder.extra_head.weight": torch.zeros(2)}
    with pytest.raises(CheckpointKeysError) as error:
        _convert_variant(release, tmp_path, {**release[1], **extra})
    assert sorted(error.value.unexpected) == sorted(extra) and not error.value.missing
    assert all(name in str(error.value) for name in extra)


def test_too_little_disk_space_is_reported_before_writing(release, tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint_convert.shutil, "disk_usage", lambda path: SimpleNamespace(free=1000))
    with pytest.raises(CheckpointError, match="GB free"):
        convert_checkpoint(release[0], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_omegaconf_objects_become_inert_stand_ins_and_their_code_never_runs(release, tmp_path, monkeypatch):
    marker = tmp_path / "setstate-ran"

    class DictConfig:
        def __init__(self, content):
            self.__dict__["_content"] = content

        def __getstate__(self):
            return dict(self.__dict__)

        def __setstate__(self, state):
            marker.touch()

    package, module = ModuleType("omegaconf"), ModuleType("omegaconf.dictconfig")
    DictConfig.__module__, DictConfig.__qualname__ = "omegaconf.dictconfig", "DictConfig"
    module.DictConfig = DictConfig
    monkeypatch.setitem(sys.modules, "omegaconf", package)
    monkeypatch.setitem(sys.modules, "omegaconf.dictconfig", module)
    path = save_release(tmp_path / "final.pt", dict(list(release[1].items())[:3]), {"cfg": DictConfig({"lr": 2e-5})})
    monkeypatch.delitem(sys.modules, "omegaconf.dictconfig")
    cfg = read_checkpoint(path).extras["cfg"]
    assert isinstance(cfg, StandIn) and cfg.global_name == "omegaconf.dictconfig.DictConfig"
    assert cfg.state == {"_content": {"lr": 2e-5}} and not marker.exists()


def test_fairseq_args_and_numpy_scalars_are_kept_as_plain_data_in_stand_ins(release):
    extras = read_checkpoint(release[0]).extras
    assert set(extras) == {"args", "cfg", "optimizer_history", "last_optimizer_state", "extra_state"}
    args, best_loss = extras["args"], extras["extra_state"]["best_loss"]
    assert args.global_name == "argparse.Namespace" and args.state == {"arch": "wavllm", "lr": [2e-5], "max_tokens": 4000}
    assert best_loss.global_name.endswith("multiarray.scalar") and isinstance(best_loss.args[1], bytes)
    assert extras["optimizer_history"][0]["num_updates"] == 1200


# Downloads -------------------------------------------------------------------------------------


class FakeHub(ThreadingHTTPServer):
    """The hub's resolve endpoint on 127.0.0.1: HEAD gives size, ETag and commit; GET honours Range.

    `drop_after` cuts the next GET after that many bytes, and then answers 503 (an outage) until
    `outage` is cleared, so the download call gives up and a later call must resume it.
    """

    daemon_threads = True

    def __init__(self, files: dict[str, bytes]):
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.files, self.log = files, []
        self.drop_after: int | None = None
        self.outage = False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _HubHandler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, *args) -> None:
        pass

    def _content(self) -> bytes | None:
        path = self.path.split("?")[0].replace("/resolve/main/", "/")
        return self.server.files.get(path)

    def _headers(self, status: int, content: bytes, length: int, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", f'"{hashlib.sha1(content).hexdigest()}"')
        self.send_header("X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567")
        self.send_header("Accept-Ranges", "bytes")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def do_HEAD(self) -> None:
        content = self._content()
        if content is None:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._headers(200, content, len(content))

    def do_GET(self) -> None:
        content = self._content()
        if self.server.outage or content is None:
            self.send_response(503 if content is not None else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = int(self.headers.get("Range", "bytes=0-").split("=")[1].split("-")[0])
        body = content[start:]
        extra = {"Content-Range": f"bytes {start}-{len(content) - 1}/{len(content)}"} if start else None
        self._headers(206 if start else 200, content, len(body), extra)
        dropping = self.server.drop_after is not None
        sent = body[: self.server.drop_after] if dropping else body
        # Logged before the body goes out: the client may be done with it before this thread runs on.
        self.server.log.append({"path": self.path, "start": start, "sent": len(sent)})
        if dropping:
            self.server.drop_after, self.server.outage = None, True
        self.wfile.write(sent)
        if dropping:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True


@pytest.fixture
def hub(monkeypatch):
    import huggingface_hub.constants
    import huggingface_hub.file_download

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.file_download.time, "sleep", lambda seconds: None)  # its retry pause
    monkeypatch.setattr(huggingface_hub.constants, "DOWNLOAD_CHUNK_SIZE", 64 << 10)  # bytes reach the file in 64 KiB steps
    server = FakeHub({})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_interrupted_download_resumes_and_fetches_only_the_rest(hub, tmp_path):
    content = os.urandom(3 << 20)
    hub.files[f"/{RELEASE_REPO}/{RELEASE_FILE}"] = content
    hub.drop_after = 1 << 20
    with pytest.raises(DownloadError, match="Run the same command again"):
        fetch_file(RELEASE_REPO, RELEASE_FILE, directory=tmp_path, endpoint=hub.endpoint)
    assert [entry["sent"] for entry in hub.log] == [1 << 20]
    hub.outage, hub.log = False, []
    fetched = fetch_file(RELEASE_REPO, RELEASE_FILE, directory=tmp_path, endpoint=hub.endpoint)
    assert hub.log == [{"path": hub.log[0]["path"], "start": 1 << 20, "sent": len(content) - (1 << 20)}]
    assert fetched.path.read_bytes() == content and fetched.path.name == RELEASE_FILE


def test_download_fetches_the_release_and_tokenizer_checks_and_converts(hub, release, tmp_path):
    hub.files[f"/{RELEASE_REPO}/{RELEASE_FILE}"] = release[0].read_bytes()
    hub.files[f"/{TOKENIZER_REPO}/{TOKENIZER_FILE}"] = (release[0].parent / "tokenizer.model").read_bytes()
    result = download_release(cache_dir=tmp_path / "cache", out=tmp_path / "wavllm-7b", endpoint=hub.endpoint)
    assert load_model(str(result.directory), device="cpu").model.config.lora_scale_rotary_permuted
    again = download_release(cache_dir=tmp_path / "cache", out=tmp_path / "wavllm-7b", endpoint=hub.endpoint)
    assert again.already_converted


def test_a_downloaded_html_error_page_is_rejected_and_removed(hub, tmp_path):
    hub.files[f"/{RELEASE_REPO}/{RELEASE_FILE}"] = b"<html><body>404 - this link has expired</body></html>"
    with pytest.raises(DownloadError, match="web page"):
        download_release(cache_dir=tmp_path, out=tmp_path / "out", tokenizer=None, endpoint=hub.endpoint)
    assert not list(tmp_path.rglob(RELEASE_FILE))


def test_eval_scores_the_converted_official_model(converted, tmp_path, capsys):
    from test_training import write_manifest

    manifest = write_manifest(tmp_path, [
        ("asr_1", "Based on the attached audio, generate a comprehensive text transcription of the spoken content.",
         "good morning", True),
        ("sv_2", "Is there only one speaker in the audio clip?", "Yes", True),
    ])
    out = tmp_path / "report.json"
    status = main(["eval", "--model", str(converted.directory), "--manifest", str(manifest), "--audio-root", str(tmp_path),
                   "--out", str(out), "--max-new-tokens", "3", "--device", "cpu", "--no-progress"])
    assert status == 0
    report = json.loads(out.read_text())
    assert [r["id"] for r in report["rows"]] == ["asr_1", "sv_2"]
    assert all(r.get("error") in (None, "") for r in report["rows"])
    assert report["scores"]["asr"]["metric"] == "wer" and set(report["scores"]) == {"asr", "sv"}
