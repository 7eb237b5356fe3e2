"""The GE2E speaker encoder (resemblyzer's 3-layer LSTM) as a transformers encoder kind in WavLM's slot.

No package ships WavLM weights, so wavllm-mini's acoustic branch is the GE2E d-vector network of
resemblyzer 0.1.4 (trained for speaker verification: its states carry who is speaking, which is
what WavLLM takes WavLM for). Its input is computed as resemblyzer computes it: the waveform's
volume raised to -30 dBFS (never lowered), then a 40-band mel power spectrogram (not log: the
network was trained on linear power) of 25 ms Hann windows every 10 ms at 16 kHz, centred with
zero padding (librosa's `melspectrogram` defaults, Slaney mel scale and area norm). Resemblyzer's
voice-activity trimming is left out: it would drop frames, and the prompt needs one frame per time
step.

`hidden_states` has `num_hidden_layers + 1` entries, like WavLM's: the input (log-mel, mean- and
variance-normalised over the clip, zero-padded to hidden_size channels), each LSTM layer's output
and the embedding head's output, relu(linear(h)). The LSTM runs over the whole clip at 100 Hz;
every entry is then averaged over pairs of frames (2k, 2k+1; an odd last frame stands alone) to
50 Hz, Whisper's encoder rate: ceil((1 + samples // 160) / 2) frames, never fewer than Whisper's
(ceil(ceil(samples / 160) / 2)), so the fusion's cut to the shorter stream drops no speech.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedConfig, PreTrainedModel
from transformers.audio_utils import mel_filter_bank
from transformers.modeling_outputs import BaseModelOutput

from ..encoders import register_acoustic_encoder

MODEL_TYPE = "ge2e_speaker"
# resemblyzer's partial utterances: 160 frames (1.6 s), 1.3 per second, a last one kept at 75 % coverage.
PARTIAL_FRAMES = 160
PARTIALS_PER_SECOND = 1.3
PARTIAL_MIN_COVERAGE = 0.75
_LOG_FLOOR = 1e-10


class GE2EConfig(PreTrainedConfig):
    """Shapes and front end of the GE2E LSTM; `num_hidden_layers` counts the LSTM layers plus the head."""

    model_type = MODEL_TYPE

    num_mel_bins: int = 40
    hidden_size: int = 256
    num_lstm_layers: int = 3
    num_hidden_layers: int = 4
    sampling_rate: int = 16_000
    window_length: int = 400
    hop_length: int = 160
    target_dbfs: float = -30.0
    frames_per_output: int = 2
    initializer_range: float = 0.02

    def __post_init__(self, **kwargs):
        if self.num_hidden_layers != self.num_lstm_layers + 1:
            raise ValueError(
                f"num_hidden_layers must be num_lstm_layers + 1 (the LSTM layers and the embedding head); "
                f"got {self.num_hidden_layers} and {self.num_lstm_layers}"
            )
        if self.num_mel_bins > self.hidden_size:
            raise ValueError("num_mel_bins must not exceed hidden_size (the input entry is zero-padded to it)")
        super().__post_init__(**kwargs)


def ge2e_frames(config: PreTrainedConfig, num_samples: int) -> int:
    """Output frames for a clip: mel frames (centred STFT) grouped frames_per_output at a time."""
    mel_frames = 1 + num_samples // config.hop_length
    return math.ceil(mel_frames / config.frames_per_output)


@lru_cache(maxsize=4)
def _mel_filters(window_length: int, mels: int, sampling_rate: int) -> torch.Tensor:
    """(freq bins, mels) Slaney-scale, area-normalised filters, as librosa.filters.mel builds them."""
    filters = mel_filter_bank(
        num_frequency_bins=window_length // 2 + 1, num_mel_filters=mels, min_frequency=0.0,
        max_frequency=sampling_rate / 2, sampling_rate=sampling_rate, norm="slaney", mel_scale="slaney",
    )
    return torch.from_numpy(filters.astype(np.float32))


def raise_volume(waveform: torch.Tensor, target_dbfs: float) -> torch.Tensor:
    """resemblyzer's normalize_volume(increase_only=True), per row; silence stays silence."""
    rms = waveform.pow(2).mean(dim=-1, keepdim=True).sqrt()
    gain = (10 ** (target_dbfs / 20)) / rms.clamp_min(1e-12)
    gain = torch.where(rms > 0, gain.clamp_min(1.0), torch.ones_like(gain))
    return waveform * gain


def _pair_frames(hidden: torch.Tensor, group: int) -> torch.Tensor:
    """(batch, T, C) at 100 Hz → (batch, ceil(T / group), C): the mean of each group of frames
    (ceil_mode: a short last group is averaged over the frames it has)."""
    return nn.functional.avg_pool1d(hidden.transpose(1, 2), group, group, ceil_mode=True).transpose(1, 2)


class GE2EPreTrainedModel(PreTrainedModel):
    config_class = GE2EConfig
    config: GE2EConfig
    base_model_prefix = "ge2e"
    main_input_name = "input_values"
    input_modalities = ("audio",)


class GE2ESpeakerModel(GE2EPreTrainedModel):
    """Raw 16 kHz waveform (batch, samples) → per-layer 50 Hz states; rows of a batch share a length."""

    def __init__(self, config: GE2EConfig):
        super().__init__(config)
        sizes = [config.num_mel_bins] + [config.hidden_size] * config.num_lstm_layers
        # One single-layer LSTM per layer (the same maths as nn.LSTM(num_layers=3)) so that every
        # layer's output can be returned.
        self.lstm_layers = nn.ModuleList(
            nn.LSTM(inputs, config.hidden_size, num_layers=1, batch_first=True) for inputs in sizes[:-1]
        )
        self.projection = nn.Linear(config.hidden_size, config.hidden_size)
        self.post_init()

    def mel_spectrogram(self, waveform: torch.Tensor) -> torch.Tensor:
        """(batch, samples) float → (batch, 1 + samples // hop, mels) mel power, resemblyzer's front end."""
        return self._mel_power(raise_volume(waveform.float(), self.config.target_dbfs))

    def _mel_power(self, waveform: torch.Tensor) -> torch.Tensor:
        config = self.config
        window = torch.hann_window(config.window_length, periodic=True, device=waveform.device)
        spectrum = torch.stft(
            waveform, n_fft=config.window_length, hop_length=config.hop_length, window=window,
            center=True, pad_mode="constant", return_complex=True,
        )
        filters = _mel_filters(config.window_length, config.num_mel_bins, config.sampling_rate).to(waveform.device)
        return (spectrum.abs().pow(2).transpose(1, 2) @ filters).contiguous()

    def _input_entry(self, mels: torch.Tensor) -> torch.Tensor:
        """Log-mel normalised over the clip, zero-padded to hidden_size: a 256-wide entry like the rest."""
        log_mel = mels.clamp_min(_LOG_FLOOR).log()
        mean = log_mel.mean(dim=1, keepdim=True)
        std = log_mel.std(dim=1, keepdim=True, unbiased=False).clamp_min(1e-5)
        normalised = (log_mel - mean) / std
        return nn.functional.pad(normalised, (0, self.config.hidden_size - mels.shape[-1]))

    def _run_lstm(self, mels: torch.Tensor) -> list[torch.Tensor]:
        outputs, hidden = [], mels.to(self.projection.weight.dtype)
        for layer in self.lstm_layers:
            hidden, _ = layer(hidden)
            outputs.append(hidden)
        return outputs

    def forward(
        self,
        input_values: torch.Tensor,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **_: object,
    ) -> BaseModelOutput:
        if input_values.dim() == 1:
            input_values = input_values[None]
        mels = self.mel_spectrogram(input_values)
        layers = self._run_lstm(mels)
        head = torch.relu(self.projection(layers[-1]))
        dtype = self.projection.weight.dtype
        states = [self._input_entry(mels).to(dtype), *layers, head]
        states = [_pair_frames(state, self.config.frames_per_output) for state in states]
        want_all = output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        output = BaseModelOutput(last_hidden_state=states[-1], hidden_states=tuple(states) if want_all else None)
        return output if return_dict is not False else output.to_tuple()

    @torch.no_grad()
    def frame_embeddings(self, waveform: torch.Tensor) -> torch.Tensor:
        """(samples,) → (50 Hz frames, hidden) d-vectors of the audio so far, L2-normalised per frame."""
        head = self(waveform[None]).last_hidden_state[0].float()
        return head / head.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    @torch.no_grad()
    def embed_utterance(self, waveform: torch.Tensor) -> torch.Tensor:
        """resemblyzer's VoiceEncoder.embed_utterance on the waveform (volume raised, no VAD trimming):
        1.6 s partials, 1.3 per second, each run from a fresh LSTM state; their L2-normalised
        embeddings are averaged and the mean L2-normalised."""
        hop = self.config.hop_length
        mel_slices = partial_slices(waveform.shape[-1], hop, self.config.sampling_rate)
        # As resemblyzer: the volume is raised first (preprocess_wav), then zeros pad the last partial.
        waveform = raise_volume(waveform.float()[None], self.config.target_dbfs)
        end = mel_slices[-1].stop * hop
        if end >= waveform.shape[-1]:
            waveform = nn.functional.pad(waveform, (0, end - waveform.shape[-1]))
        mel = self._mel_power(waveform)[0]
        partials = torch.stack([mel[s] for s in mel_slices])
        last = self._run_lstm(partials)[-1][:, -1]
        embeds = torch.relu(self.projection(last)).float()
        embeds = embeds / embeds.norm(dim=-1, keepdim=True)
        mean = embeds.mean(dim=0)
        return mean / mean.norm()


def partial_slices(num_samples: int, hop: int, sampling_rate: int) -> list[slice]:
    """Mel-frame slices of resemblyzer's compute_partial_slices (rate 1.3, min coverage 0.75)."""
    frames = int(np.ceil((num_samples + 1) / hop))
    step = int(np.round((sampling_rate / PARTIALS_PER_SECOND) / hop))
    slices = [slice(i, i + PARTIAL_FRAMES) for i in range(0, max(1, frames - PARTIAL_FRAMES + step + 1), step)]
    last = slices[-1]
    coverage = (num_samples - last.start * hop) / (PARTIAL_FRAMES * hop)
    if coverage < PARTIAL_MIN_COVERAGE and len(slices) > 1:
        slices = slices[:-1]
    return slices


def resemblyzer_state_dict(checkpoint: dict, config: GE2EConfig) -> dict[str, torch.Tensor]:
    """resemblyzer's `model_state` under this module's names (the GE2E loss's similarity terms dropped)."""
    source = checkpoint["model_state"]
    state = {f"projection.{name}": source[f"linear.{name}"] for name in ("weight", "bias")}
    for layer in range(config.num_lstm_layers):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            state[f"lstm_layers.{layer}.{name}_l0"] = source[f"lstm.{name}_l{layer}"]
    return state


def load_ge2e(path: str | Path, config: GE2EConfig | None = None) -> GE2ESpeakerModel:
    """The pretrained GE2E model from resemblyzer's pretrained.pt (tensors only: weights_only=True)."""
    config = config or GE2EConfig()
    checkpoint = torch.load(Path(path), map_location="cpu", weights_only=True)
    model = GE2ESpeakerModel(config)
    model.load_state_dict(resemblyzer_state_dict(checkpoint, config), strict=True)
    return model.eval()


AutoConfig.register(MODEL_TYPE, GE2EConfig, exist_ok=True)
AutoModel.register(GE2EConfig, GE2ESpeakerModel, exist_ok=True)
register_acoustic_encoder(MODEL_TYPE, ge2e_frames)
