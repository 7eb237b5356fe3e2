"""Text ↔ token ids with plain SentencePiece, as WavLLM was trained.

Each template piece is encoded on its own (SentencePiece adds its dummy "▁" prefix to each), which
a Hugging Face tokenizer applied to the whole string does not reproduce; so the LLaMA models use
SentencePiece directly. The object also serves `TextIteratorStreamer`, which only needs `decode`.
"""

from __future__ import annotations

import io
from pathlib import Path

import sentencepiece as spm

TOKENIZER_FILE = "tokenizer.model"

# Text for the development tokenizer of `tiny-random`: the template, the published task prompts and
# everyday words, so prompts split into a realistic number of pieces.
_TINY_CORPUS = """
[INST]<<SYS>>
As a helpful language and speech assistant, you are able to understand the speech content provided by the user, and assist the user with a variety of tasks using natural language.
<</SYS>>
<SPEECH> </SPEECH> [/INST]
Based on the attached audio, generate a comprehensive text transcription of the spoken content.
Is there only one speaker in the audio clip? Yes No
Translate the audio clip into German. Translate the audio clip into Chinese.
What is the emotion of the speaker? happy sad angry neutral surprised
What will the man do next? A. Start to take exercise; B. Do as he always does; C. Change his working time.
First of all, transcribe the audio recording into text, capturing every spoken word; Additionally given this audio clip and text, can you condense it into a clear, concise summary, no more than 20 words?; Lastly disregarding the sound, translate this English summary into German.
Where does the conversation probably take place? In a shop. At a station. In a restaurant.
How much will the woman pay for the tickets? What time does the train leave on Monday morning?
The weather is nice today, so we could walk to the park and have lunch by the river.
I think the meeting starts at half past nine, but my sister said it was moved to Thursday.
one two three four five six seven eight nine ten twenty thirty hundred dollars pounds minutes
"""


class SentencePieceTokenizer:
    """A SentencePiece model with the LLaMA conventions: unk/pad 0, BOS 1, EOS 2."""

    def __init__(self, model_proto: bytes):
        self._proto = model_proto
        self._sp = spm.SentencePieceProcessor(model_proto=model_proto)
        self.bos_token_id = self._sp.bos_id()
        self.eos_token_id = self._sp.eos_id()
        self.pad_token_id = 0
        self._special = {self.pad_token_id, self.bos_token_id, self.eos_token_id}

    @classmethod
    def from_file(cls, path: str | Path) -> SentencePieceTokenizer:
        path = Path(path)
        if path.is_dir():
            path = path / TOKENIZER_FILE
        if not path.is_file():
            raise FileNotFoundError(f"tokenizer model not found: {path}")
        return cls(path.read_bytes())

    def save(self, directory: str | Path) -> Path:
        target = Path(directory) / TOKENIZER_FILE
        target.write_bytes(self._proto)
        return target

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    def encode(self, text: str) -> list[int]:
        """Plain SentencePiece ids: no BOS/EOS, the dummy "▁" prefix included."""
        return self._sp.encode(text)

    def decode(self, ids, skip_special_tokens: bool = True, **_: object) -> str:
        ids = _id_list(ids)
        if skip_special_tokens:
            ids = [i for i in ids if i not in self._special]
        return self._sp.decode(ids)

    def convert_ids_to_tokens(self, ids) -> list[str]:
        return [self._sp.id_to_piece(int(i)) for i in ids]


def train_tiny_tokenizer(vocab_size: int = 1024) -> SentencePieceTokenizer:
    """A small BPE SentencePiece model trained in memory with LLaMA's settings (identity
    normalisation, whitespace kept, digits split, byte fallback so it encodes any text)."""
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([line for line in _TINY_CORPUS.splitlines() if line.strip()]),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type="bpe",
        byte_fallback=True,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        split_digits=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    return SentencePieceTokenizer(buffer.getvalue())


class HFTokenizer:
    """A Hugging Face tokenizer (e.g. SmolLM2's byte-level BPE) behind the same small interface.

    `encode` adds no special tokens: the template text itself names any it needs
    (e.g. "<|im_start|>"), and the tokenizer parses them.
    """

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer
        self.bos_token_id = tokenizer.bos_token_id
        self.eos_token_id = tokenizer.eos_token_id
        self.pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    @classmethod
    def from_file(cls, directory: str | Path) -> HFTokenizer:
        from transformers import AutoTokenizer

        return cls(AutoTokenizer.from_pretrained(str(directory)))

    def save(self, directory: str | Path) -> Path:
        self._tokenizer.save_pretrained(str(directory))
        return Path(directory)

    @property
    def vocab_size(self) -> int:
        return len(self._tokenizer)

    def encode(self, text: str) -> list[int]:
        return self._tokenizer(text, add_special_tokens=False).input_ids

    def decode(self, ids, skip_special_tokens: bool = True, **_: object) -> str:
        return self._tokenizer.decode(_id_list(ids), skip_special_tokens=skip_special_tokens)

    def convert_ids_to_tokens(self, ids) -> list[str]:
        return self._tokenizer.convert_ids_to_tokens([int(i) for i in ids])


Tokenizer = SentencePieceTokenizer | HFTokenizer


def _id_list(ids) -> list[int]:
    """A single id or a sequence of ids, as Hugging Face tokenizers accept (TextIteratorStreamer passes
    a lone int after a newline)."""
    if isinstance(ids, int) or getattr(ids, "ndim", None) == 0:
        return [int(ids)]
    return [int(i) for i in ids]


def load_tokenizer(directory: str | Path) -> Tokenizer:
    """SentencePiece when the directory has tokenizer.model (the LLaMA models), else a HF tokenizer."""
    directory = Path(directory)
    if (directory / TOKENIZER_FILE).is_file():
        return SentencePieceTokenizer.from_file(directory)
    if (directory / "tokenizer.json").is_file() or (directory / "tokenizer_config.json").is_file():
        return HFTokenizer.from_file(directory)
    raise FileNotFoundError(f"no tokenizer in {directory} (expected {TOKENIZER_FILE} or tokenizer.json)")
