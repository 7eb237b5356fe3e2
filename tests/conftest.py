"""Shared, session-scoped fixtures: one tiny random model and processor for the whole suite.

Tests never reach a model hub: HF_HUB_OFFLINE is set before transformers is imported, and the
model cache points into a temporary directory.
"""

from __future__ import annotations

import os
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("WAVLLM_HOME", tempfile.mkdtemp(prefix="wavllm-home-"))

import pytest  # noqa: E402
import torch  # noqa: E402

from wavllm_core.audio import AudioClip, prepare_waveform  # noqa: E402
from wavllm_core.config import preset_config  # noqa: E402
from wavllm_core.hub import load_model  # noqa: E402
from wavllm_core.modeling import WavLLMForConditionalGeneration  # noqa: E402
from wavllm_core.processing import WavLLMProcessor  # noqa: E402
from wavllm_core.tokenization import train_tiny_tokenizer  # noqa: E402
from wavllm_core.training.toy_data import shaped_noise  # noqa: E402


def speechlike(seconds: float, seed: int = 0) -> AudioClip:
    """Noise shaped by a slow envelope: cheap, deterministic, and not silent."""
    return prepare_waveform(shaped_noise(seconds, seed), 16_000)


def with_trained_lora(model: WavLLMForConditionalGeneration, seed: int = 1) -> WavLLMForConditionalGeneration:
    """Give LoRA B non-zero values, as after training, so LoRA and r visibly matter."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("lora_B"):
                param.copy_(torch.randn(param.shape, generator=generator) * 0.2)
    return model


@pytest.fixture(scope="module")
def one_torch_thread():
    """On a shared 2-core machine, two spinning OpenMP threads per op run tiny models up to 10x
    slower than one; a module that asks for this (`pytestmark = pytest.mark.usefixtures(...)`)
    runs on one thread, and the previous setting is restored for the rest of the suite."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_config():
    return preset_config("tiny-random")


@pytest.fixture(scope="session")
def processor(tiny_config) -> WavLLMProcessor:
    return WavLLMProcessor(tiny_config, train_tiny_tokenizer(tiny_config.text_config.vocab_size))


@pytest.fixture(scope="session")
def fresh_model(tiny_config) -> WavLLMForConditionalGeneration:
    """A freshly initialised model: LoRA B is zero, as before any training."""
    torch.manual_seed(0)
    return WavLLMForConditionalGeneration(tiny_config).eval()


@pytest.fixture(scope="session")
def trained_model(tiny_config) -> WavLLMForConditionalGeneration:
    torch.manual_seed(0)
    return with_trained_lora(WavLLMForConditionalGeneration(tiny_config).eval())


@pytest.fixture(scope="session")
def loaded_tiny():
    return load_model("tiny-random", device="cpu")


@pytest.fixture(scope="session")
def clip() -> AudioClip:
    return speechlike(3.0)


@pytest.fixture(scope="session")
def wav_file(tmp_path_factory, clip):
    import soundfile as sf

    path = tmp_path_factory.mktemp("audio") / "clip.wav"
    sf.write(path, clip.samples, 16_000, subtype="PCM_16")
    return path
