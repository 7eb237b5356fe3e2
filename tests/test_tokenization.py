"""Tokenizers behind one small interface: plain SentencePiece (LLaMA) and Hugging Face (ChatML models)."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from wavllm_core.tokenization import HFTokenizer, SentencePieceTokenizer, load_tokenizer, train_tiny_tokenizer


@pytest.fixture(scope="module")
def chatml_tokenizer() -> HFTokenizer:
    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<|im_start|>", "<|im_end|>"])
    raw.train_from_iterator(["hello there, how are you today?", "transcribe the audio please"], trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<|im_start|>", eos_token="<|im_end|>")
    return HFTokenizer(fast)


def test_the_tiny_tokenizer_is_trained_deterministically():
    assert train_tiny_tokenizer()._proto == train_tiny_tokenizer()._proto


def test_sentencepiece_decodes_a_single_id_as_the_streamer_passes_it():
    tokenizer = train_tiny_tokenizer()
    ids = tokenizer.encode("hello")
    assert tokenizer.decode(ids[0]) == tokenizer.decode([ids[0]])


def test_sentencepiece_skips_bos_eos_and_pad_when_asked():
    tokenizer = train_tiny_tokenizer()
    ids = [tokenizer.bos_token_id] + tokenizer.encode("hello") + [tokenizer.eos_token_id, 0]
    assert tokenizer.decode(ids) == "hello"


def test_a_hf_tokenizer_adds_no_special_tokens_but_parses_those_in_the_text(chatml_tokenizer):
    ids = chatml_tokenizer.encode("<|im_start|>hello<|im_end|>")
    assert ids[0] == chatml_tokenizer.bos_token_id and ids[-1] == chatml_tokenizer.eos_token_id
    assert chatml_tokenizer.encode("hello")[0] != chatml_tokenizer.bos_token_id
    assert chatml_tokenizer.decode(ids) == "hello"
    assert chatml_tokenizer.decode(ids[1]) == chatml_tokenizer.decode([ids[1]])


def test_load_tokenizer_picks_the_kind_by_the_files_present(tmp_path, chatml_tokenizer):
    (tmp_path / "sp").mkdir()
    train_tiny_tokenizer().save(tmp_path / "sp")
    chatml_tokenizer.save(tmp_path / "hf")
    assert isinstance(load_tokenizer(tmp_path / "sp"), SentencePieceTokenizer)
    assert isinstance(load_tokenizer(tmp_path / "hf"), HFTokenizer)
    with pytest.raises(FileNotFoundError, match="no tokenizer"):
        load_tokenizer(tmp_path)
