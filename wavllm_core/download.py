"""Getting the official WavLLM release: fetch `final.pt` from the Hugging Face Hub, check it, convert it.

The file is about 30 GB, so a download must survive being stopped. huggingface_hub retries a
dropped connection within one call, but drops its partial file when the call fails; here the
partial bytes are kept beside the target (`final.pt.partial`, with the file version it belongs to)
and the next run asks only for the rest (an HTTP Range request through huggingface_hub's own
`http_get`, with its progress bar). Only public, ungated repositories are used.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx2
from huggingface_hub import get_hf_file_metadata, hf_hub_url
from huggingface_hub.file_download import http_get
from huggingface_hub.utils import build_hf_headers

from .checkpoint_convert import INDEX_FILE, convert_checkpoint
from .checkpoint_reader import CheckpointError, check_checkpoint_file
from .hub import OFFICIAL_NAME, is_model_dir, models_dir, wavllm_home

_LOG = logging.getLogger(__name__)

RELEASE_REPO = "v-sjhu/WavLLM"
RELEASE_FILE = "final.pt"
# A public, ungated copy of the stock LLaMA SentencePiece model (the official one is gated).
TOKENIZER_REPO = "hf-internal-testing/llama-tokenizer"
TOKENIZER_FILE = "tokenizer.model"
NETWORK_ERRORS = (OSError, httpx2.HTTPError)  # hub errors are OSErrors; transport errors are httpx2's


class DownloadError(ValueError):
    """A download that could not finish; the message says whether running again will resume."""


def downloads_dir() -> Path:
    return wavllm_home() / "downloads"


@dataclass(frozen=True)
class FetchedFile:
    path: Path
    commit: str | None
    size: int


def _read_record(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def fetch_file(
    repo_id: str, filename: str, revision: str = "main", directory: Path | None = None, endpoint: str | None = None
) -> FetchedFile:
    """Download one file of a public repository into `directory`, resuming a partial earlier download."""
    folder = Path(directory or downloads_dir()).expanduser() / repo_id.replace("/", "--") / revision.replace("/", "--")
    target, partial, record = folder / filename, folder / f"{filename}.partial", folder / f"{filename}.json"
    url = hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, token=False, endpoint=endpoint, retry_on_errors=True)
    except NETWORK_ERRORS as error:
        if target.is_file():
            _LOG.warning("could not reach the hub (%s); using the copy downloaded before: %s", error, target)
            return FetchedFile(target, _read_record(record).get("commit"), target.stat().st_size)
        raise DownloadError(
            f"could not get {repo_id}/{filename} (revision {revision}) from the Hugging Face Hub: {error}. "
            "Check the connection (or HF_ENDPOINT for a mirror) and run the command again."
        ) from None
    known = _read_record(record)
    if target.is_file() and known.get("etag") == meta.etag and target.stat().st_size == (meta.size or target.stat().st_size):
        return FetchedFile(target, meta.commit_hash, target.stat().st_size)
    folder.mkdir(parents=True, exist_ok=True)
    if partial.exists() and (known.get("etag") != meta.etag or (meta.size and partial.stat().st_size > meta.size)):
        _LOG.info("the partial %s belongs to another version of the file; starting again", partial)
        partial.unlink()
    record.write_text(json.dumps({"etag": meta.etag, "size": meta.size, "commit": meta.commit_hash}) + "\n")
    resume = partial.stat().st_size if partial.exists() else 0
    if resume:
        _LOG.info("resuming %s at byte %d of %s", filename, resume, meta.size)
    with partial.open("r+b" if resume else "wb") as handle:
        handle.seek(resume)
        try:
            http_get(
                meta.location, handle, resume_size=resume, expected_size=meta.size,
                headers=build_hf_headers(token=False), displayed_filename=filename,
            )
        except NETWORK_ERRORS as error:
            handle.flush()
            have = partial.stat().st_size
            raise DownloadError(
                f"the download of {filename} stopped after {have:,} of {meta.size or 0:,} bytes ({error}). "
                f"Run the same command again to resume from there (the partial file is {partial})."
            ) from None
    target.unlink(missing_ok=True)
    partial.replace(target)
    return FetchedFile(target, meta.commit_hash, target.stat().st_size)


@dataclass(frozen=True)
class DownloadResult:
    checkpoint: Path | None
    directory: Path
    already_converted: bool


def download_release(
    revision: str = "main",
    cache_dir: str | Path | None = None,
    tokenizer: str | Path | None = None,
    out: str | Path | None = None,
    dtype: str = "float32",
    force: bool = False,
    endpoint: str | None = None,
) -> DownloadResult:
    """Fetch final.pt (and the stock tokenizer unless given), check it is a complete checkpoint, convert it."""
    out = Path(out).expanduser() if out else models_dir() / OFFICIAL_NAME
    if is_model_dir(out) and (out / INDEX_FILE).is_file() and not force:
        return DownloadResult(None, out, already_converted=True)
    cache = Path(cache_dir).expanduser() if cache_dir else downloads_dir()
    if tokenizer is not None and not Path(tokenizer).expanduser().is_file():
        raise FileNotFoundError(f"tokenizer model not found: {tokenizer}")
    fetched = fetch_file(RELEASE_REPO, RELEASE_FILE, revision, cache, endpoint)
    try:
        check_checkpoint_file(fetched.path)
    except CheckpointError as error:
        fetched.path.unlink()
        raise DownloadError(f"{error} The bad file was deleted; run the command again to fetch it anew.") from None
    tokenizer_path = Path(tokenizer).expanduser() if tokenizer else fetch_file(TOKENIZER_REPO, TOKENIZER_FILE, "main", cache, endpoint).path
    label = f"{RELEASE_REPO}/{RELEASE_FILE} (revision {revision}{', commit ' + fetched.commit if fetched.commit else ''})"
    result = convert_checkpoint(fetched.path, out, tokenizer_path, dtype=dtype, force=force, source_label=label)
    return DownloadResult(fetched.path, result.directory, already_converted=False)
