"""WavLLM as a transformers-native model: audio → encoders → bridges → fusion → prompt → LLM → text."""

from .audio import AudioClip, AudioError, load_audio
from .config import PRESETS, WavLLMConfig, preset_config
from .generation import Answer, DecodingSettings, answer, stream_answer
from .hub import LoadedModel, ModelNotFoundError, load_model
from .modeling import WavLLMForConditionalGeneration
from .processing import InputTooLongError, Turn, WavLLMProcessor
from .quantization import estimate_memory, four_bit_config
from .mini import ge2e as _ge2e  # noqa: F401  registers the ge2e_speaker acoustic encoder kind (wavllm-mini)

__all__ = [
    "PRESETS", "Answer", "AudioClip", "AudioError", "DecodingSettings", "InputTooLongError", "LoadedModel",
    "ModelNotFoundError", "Turn", "WavLLMConfig", "WavLLMForConditionalGeneration", "WavLLMProcessor",
    "answer", "estimate_memory", "four_bit_config", "load_audio", "load_model", "preset_config", "stream_answer",
]
