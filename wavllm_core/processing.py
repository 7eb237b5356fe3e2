"""WavLLMProcessor: audio and instruction → the tensors `WavLLMForConditionalGeneration` takes.

It owns the Whisper feature extractor and the tokenizer, lays out the prompt template with one
position per fused audio frame (the count is known from the audio length alone), and refuses, with
the limit in the message, whatever would not fit the LLM's position table: nothing is cut silently.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import BatchFeature, WhisperFeatureExtractor

from .adapters import subsampled_length
from .audio import SAMPLE_RATE, AudioClip, load_audio
from .config import WavLLMConfig
from .encoders import acoustic_frames, semantic_frames, whisper_piece_frames
from .tokenization import Tokenizer, load_tokenizer

IGNORE_INDEX = -100
SECONDS_PER_FRAME = 0.08  # 12.5 Hz after the two stride-2 subsampling layers


class InputTooLongError(ValueError):
    """An instruction or a clip that does not fit the model; the message gives the limit."""


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a multi-turn chat about the same recording."""

    instruction: str
    answer: str


def normalize_instruction(text: str | None) -> str:
    """One line, single spaces: the model was trained on one-line instructions."""
    return re.sub(r"\s+", " ", text or "").strip()


class WavLLMProcessor:
    """Feature extraction for both encoders plus the LLaMA-2 chat template with an audio slot."""

    def __init__(self, config: WavLLMConfig, tokenizer: Tokenizer):
        self.config = config
        self.tokenizer = tokenizer
        self.chunk_samples = config.semantic_chunk_samples
        self.feature_extractor = WhisperFeatureExtractor(
            feature_size=config.semantic_config.num_mel_bins,
            sampling_rate=SAMPLE_RATE,
            hop_length=160,
            chunk_length=self.chunk_samples // SAMPLE_RATE,
            n_fft=400,
        )

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> WavLLMProcessor:
        return cls(WavLLMConfig.from_pretrained(directory), load_tokenizer(directory))

    def save_pretrained(self, directory: str | Path) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.tokenizer.save(directory)

    # Layout -------------------------------------------------------------------------------

    def audio_frames(self, num_samples: int) -> int:
        """Fused 12.5 Hz frames the model will produce for a clip of this many samples."""
        semantic = subsampled_length(semantic_frames(num_samples, self.chunk_samples))
        acoustic = subsampled_length(acoustic_frames(self.config.acoustic_config, num_samples))
        return min(semantic, acoustic)

    def _bos(self) -> list[int]:
        return [self.tokenizer.bos_token_id] if self.config.prompt_bos else []

    def _prefix_ids(self) -> list[int]:
        return self._bos() + self.tokenizer.encode(self.config.prompt_prefix.format(system=self.config.system_prompt))

    def _suffix_ids(self, instruction: str) -> list[int]:
        ids = self.tokenizer.encode(self.config.prompt_suffix.format(instruction=instruction))
        if self.config.bos_after_audio:
            ids[0] = self.tokenizer.bos_token_id
        return ids

    def _turn_ids(self, instruction: str) -> list[int]:
        return self._bos() + self.tokenizer.encode(
            self.config.next_turn_template.format(instruction=instruction)
        )

    def _answer_ids(self, answer: str) -> list[int]:
        return self.tokenizer.encode(answer) + [self.tokenizer.eos_token_id]

    def scale_prompt_ids(self, instruction: str) -> list[int]:
        """The prompt adapter's input: the quoted instruction alone, no BOS, system text or audio."""
        return self.tokenizer.encode(self.config.scale_prompt_template.format(instruction=instruction))

    def _text_ids(self, instruction: str, history: Sequence[Turn]) -> tuple[list[int], list[int]]:
        """Token ids before and after the audio slot (history turns included), prompt only."""
        self._check_instruction(instruction)
        turns = [Turn(normalize_instruction(t.instruction), t.answer) for t in history]
        instructions = [t.instruction for t in turns] + [instruction]
        after = self._suffix_ids(instructions[0])
        for turn, next_instruction in zip(turns, instructions[1:]):
            after += self._answer_ids(turn.answer) + self._turn_ids(next_instruction)
        return self._prefix_ids(), after

    def _check_instruction(self, instruction: str) -> None:
        count = len(self.tokenizer.encode(instruction))
        if count > self.config.max_instruction_tokens:
            raise InputTooLongError(
                f"the instruction is {count} tokens long; the limit is {self.config.max_instruction_tokens} "
                "tokens. Shorten it."
            )

    def max_audio_seconds(
        self, instruction: str = "", max_new_tokens: int = 512, history: Sequence[Turn] = ()
    ) -> float:
        """Longest clip that fits the position table with this prompt and answer budget."""
        before, after = self._text_ids(normalize_instruction(instruction), history)
        frames = self.config.max_positions - len(before) - len(after) - max_new_tokens
        return max(frames, 0) * SECONDS_PER_FRAME

    def _check_fits(self, clip: AudioClip, frames: int, text_tokens: int, max_new_tokens: int) -> None:
        positions = self.config.max_positions
        if frames + text_tokens + max_new_tokens <= positions:
            return
        room = max(positions - text_tokens - max_new_tokens, 0)
        limit = math.floor(room * SECONDS_PER_FRAME * 10) / 10
        raise InputTooLongError(
            f"the audio is {clip.duration_s:.1f} s long, but with this prompt and {max_new_tokens} answer "
            f"tokens the model can take at most {limit:.1f} s ({positions} positions in all: "
            f"{text_tokens} for the text, {max_new_tokens} for the answer, 12.5 audio frames per second). "
            "Cut the recording, or lower the maximum number of new tokens."
        )

    def check(self, clip: AudioClip, instruction: str | None, history: Sequence[Turn] = (), max_new_tokens: int = 512) -> None:
        """Raise what `__call__` would raise for this request, without computing the audio features
        (a UI checks each request before queueing it; the features are the decoding thread's work)."""
        self._row(clip, normalize_instruction(instruction), history, None, max_new_tokens)

    def render_prompt(self, instruction: str, num_samples: int, history: Sequence[Turn] = ()) -> str:
        """The exact text the LLM sees, with the audio slot shown as its frame count."""
        before, after = self._text_ids(normalize_instruction(instruction), history)
        slot = f"<audio: {self.audio_frames(num_samples)} frames>"
        text = self.tokenizer.decode
        return text(before, skip_special_tokens=False) + slot + text(after, skip_special_tokens=False)

    # Tensors ------------------------------------------------------------------------------

    def __call__(
        self,
        audio: AudioClip | object | Sequence[AudioClip | object],
        instruction: str | None | Sequence[str | None] = "",
        response: str | Sequence[str] | None = None,
        history: Sequence[Turn] | Sequence[Sequence[Turn]] = (),
        max_new_tokens: int = 512,
    ) -> BatchFeature:
        """Batch of clips + instructions (+ responses, for training) → model inputs.

        Without responses the batch is padded on the left (ready for `generate`); with them, on
        the right, and `labels` hold the response ids (EOS included) and -100 elsewhere.
        """
        clips = [load_audio(a) for a in (audio if isinstance(audio, (list, tuple)) else [audio])]
        instructions = list(instruction) if isinstance(instruction, (list, tuple)) else [instruction]
        responses = None if response is None else (list(response) if isinstance(response, (list, tuple)) else [response])
        histories = list(history) if history and isinstance(history[0], (list, tuple)) else [list(history)] * len(clips)
        if len(instructions) != len(clips) or (responses is not None and len(responses) != len(clips)):
            raise ValueError("give one instruction (and one response, when training) per audio clip")
        reserve = 0 if responses is not None else max_new_tokens
        rows = [
            self._row(clip, normalize_instruction(text), hist, None if responses is None else responses[i], reserve)
            for i, (clip, text, hist) in enumerate(zip(clips, instructions, histories))
        ]
        features = self._text_tensors(rows, pad_left=responses is None)
        features.update(self._audio_tensors(clips))
        features.update(self._scale_tensors([row["scale"] for row in rows]))
        return BatchFeature(features)

    def _row(self, clip: AudioClip, instruction: str, history, response, reserve: int) -> dict:
        before, after = self._text_ids(instruction, history)
        frames = self.audio_frames(clip.num_samples)
        answer = self._answer_ids(response) if response is not None else []
        self._check_fits(clip, frames, len(before) + len(after) + len(answer), reserve)
        ids = before + [self.config.audio_token_id] * frames + after + answer
        audio = [0] * len(before) + [1] * frames + [0] * (len(after) + len(answer))
        labels = [IGNORE_INDEX] * (len(ids) - len(answer)) + answer
        return {"ids": ids, "audio": audio, "labels": labels, "scale": self.scale_prompt_ids(instruction)}

    def text_only(
        self,
        instruction: str | None | Sequence[str | None],
        response: str | Sequence[str] | None = None,
        max_new_tokens: int = 512,
    ) -> BatchFeature:
        """Rows without audio (manifest rows with with_speech False): the template with its
        `<SPEECH> </SPEECH>` slot left out, as one string. Same tensors as `__call__` minus the
        audio ones (`audio_mask` is all False), padded the same way."""
        instructions = list(instruction) if isinstance(instruction, (list, tuple)) else [instruction]
        responses = None if response is None else (list(response) if isinstance(response, (list, tuple)) else [response])
        if responses is not None and len(responses) != len(instructions):
            raise ValueError("give one response per instruction")
        reserve = 0 if responses is not None else max_new_tokens
        rows = []
        for i, text in enumerate(instructions):
            text = normalize_instruction(text)
            self._check_instruction(text)
            template = self.config.prompt_prefix.format(system=self.config.system_prompt)
            template += self.config.prompt_suffix.format(instruction=text)
            ids = self._bos() + self.tokenizer.encode(re.sub(r"<SPEECH>\s*</SPEECH>\s*", "", template))
            answer = self._answer_ids(responses[i]) if responses is not None else []
            if len(ids) + len(answer) + reserve > self.config.max_positions:
                raise InputTooLongError(
                    f"the prompt and answer take {len(ids) + len(answer) + reserve} positions; the model has "
                    f"{self.config.max_positions}. Shorten the text."
                )
            rows.append({
                "ids": ids + answer, "audio": [0] * (len(ids) + len(answer)),
                "labels": [IGNORE_INDEX] * len(ids) + answer, "scale": self.scale_prompt_ids(text),
            })
        features = self._text_tensors(rows, pad_left=responses is None)
        features.update(self._scale_tensors([row["scale"] for row in rows]))
        return BatchFeature(features)

    def _text_tensors(self, rows: list[dict], pad_left: bool) -> dict[str, torch.Tensor]:
        width = max(len(row["ids"]) for row in rows)
        out = {name: [] for name in ("input_ids", "attention_mask", "audio_mask", "labels")}
        for row in rows:
            pad = width - len(row["ids"])
            for name, values, fill in (
                ("input_ids", row["ids"], self.tokenizer.pad_token_id),
                ("attention_mask", [1] * len(row["ids"]), 0),
                ("audio_mask", row["audio"], 0),
                ("labels", row["labels"], IGNORE_INDEX),
            ):
                out[name].append([fill] * pad + values if pad_left else values + [fill] * pad)
        tensors = {name: torch.tensor(values) for name, values in out.items()}
        tensors["audio_mask"] = tensors["audio_mask"].bool()
        if all(label == IGNORE_INDEX for row in rows for label in row["labels"]):
            del tensors["labels"]
        return tensors

    def _audio_tensors(self, clips: list[AudioClip]) -> dict[str, torch.Tensor]:
        pieces, piece_frames, counts = [], [], []
        for clip in clips:
            starts = range(0, clip.num_samples, self.chunk_samples)
            chunk = [clip.samples[s : s + self.chunk_samples] for s in starts]
            pieces += chunk
            piece_frames += [whisper_piece_frames(len(c)) for c in chunk]
            counts.append(len(chunk))
        mel = self.feature_extractor(
            pieces, sampling_rate=SAMPLE_RATE, padding="max_length", return_tensors="np"
        ).input_features
        longest = max(clip.num_samples for clip in clips)
        values = np.zeros((len(clips), longest), dtype=np.float32)
        mask = np.zeros((len(clips), longest), dtype=np.int64)
        for i, clip in enumerate(clips):
            values[i, : clip.num_samples] = clip.samples
            mask[i, : clip.num_samples] = 1
        return {
            "input_features": torch.from_numpy(np.asarray(mel, dtype=np.float32)),
            "piece_frames": torch.tensor(piece_frames),
            "pieces_per_clip": torch.tensor(counts),
            "input_values": torch.from_numpy(values),
            "acoustic_attention_mask": torch.from_numpy(mask),
        }

    def _scale_tensors(self, scale_rows: list[list[int]]) -> dict[str, torch.Tensor]:
        width = max(len(ids) for ids in scale_rows)
        ids = [row + [self.tokenizer.pad_token_id] * (width - len(row)) for row in scale_rows]
        mask = [[1] * len(row) + [0] * (width - len(row)) for row in scale_rows]
        return {"scale_input_ids": torch.tensor(ids), "scale_attention_mask": torch.tensor(mask)}

    def decode(self, ids) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)
