"""Audio a listening quiz plays besides the recordings themselves: a question's evidence span, and a
slower version of a recording for practice.

Slowing keeps the pitch. Resampling (play 16 kHz audio as if it were 12 kHz) would also slow it, but
lowers every voice by a quarter, about five semitones; a learner needs the speakers' own voices, only
slower. So `slowed` uses WSOLA: overlapping windowed frames are read from the input at `speed` times
the pace they are written, and each is shifted (within a few milliseconds) to line up with the
waveform it continues, which keeps voiced speech free of the phasing plain overlap-add gives.
"""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE, load_audio
from .format import Conversation, Question

EVIDENCE_MARGIN_S = 0.15  # a little before and after the span, so the first and last words are whole
PRACTICE_SPEED = 0.75


def evidence_audio(conversation: Conversation, question: Question, margin_s: float = EVIDENCE_MARGIN_S) -> np.ndarray:
    """The part of the conversation that holds the answer (16 kHz mono float32).

    A question without an evidence span has nothing to play: that is an error the caller reports.
    """
    if question.evidence is None:
        raise ValueError(f"question {question.id} has no evidence span in the set")
    if margin_s < 0:
        raise ValueError(f"the margin must not be negative, not {margin_s}")
    samples = load_audio(conversation.audio).samples
    start = max(0, int(round((question.evidence[0] - margin_s) * SAMPLE_RATE)))
    end = min(len(samples), int(round((question.evidence[1] + margin_s) * SAMPLE_RATE)))
    return samples[start:end].copy()


def slowed(samples: np.ndarray, speed: float = PRACTICE_SPEED, rate: int = SAMPLE_RATE,
           frame_s: float = 0.04, tolerance_s: float = 0.008) -> np.ndarray:
    """The same audio played at `speed` (0.75 = three quarters as fast), pitch unchanged.

    The result is `len(samples) / speed` samples long (rounded). `speed` 1 returns a copy.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"expected mono samples (one dimension), got shape {samples.shape}")
    if not 0.25 <= speed <= 4.0:
        raise ValueError(f"speed {speed} is outside 0.25-4 (1 = unchanged, 0.75 = slower)")
    out_length = int(round(len(samples) / speed))
    if speed == 1.0 or len(samples) == 0:
        return samples.copy()
    frame = max(16, int(round(frame_s * rate)) // 2 * 2)
    hop_out = frame // 2
    tolerance = max(1, int(round(tolerance_s * rate)))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / frame)).astype(np.float32)  # sums to 1 at 50 % overlap
    pad = tolerance + frame
    source = np.concatenate([np.zeros(pad, np.float32), samples, np.zeros(pad + frame, np.float32)])
    count = out_length // hop_out + 2
    output = np.zeros(count * hop_out + frame, np.float32)
    previous = pad - hop_out  # where the frame written last was read
    for index in range(count):
        # Frame k is written at k * hop_out and read at k * hop_out * speed, half a frame early so that
        # the first real sample falls where two windows already overlap.
        nominal = pad - hop_out + int(round(index * hop_out * speed))
        if index == 0:
            position = nominal
        else:
            natural = source[previous + hop_out: previous + hop_out + frame]  # what would follow seamlessly
            region = source[nominal - tolerance: nominal + tolerance + frame]
            similarity = np.correlate(region, natural, mode="valid")
            position = nominal - tolerance + int(np.argmax(similarity)) if np.any(similarity) else nominal
        output[index * hop_out: index * hop_out + frame] += window * source[position: position + frame]
        previous = position
    return output[hop_out: hop_out + out_length].copy()  # the first half frame is leading padding
