"""An auxiliary contrastive loss that asks the acoustic stream to carry who is speaking.

Why: wavllm-mini v2 answers 60 % of its speaker questions. A probe told one voice from two at 85 %
AUC after the acoustic bridge but at 49 % in the fused frames the LLM reads, and 300 more steps
with 40 % speaker questions did not teach the LLM to compare voices (53 %): the response loss
alone gives the acoustic stream too weak a signal. Here each one-voice clip's acoustic part of the
fused frames (Fusion.parts), averaged over its frames, should lie nearer the batch's other clips
by the same voice than any clip by another voice (the supervised contrastive loss of Khosla et
al., 2020), so the voice reaches the LLM in a form it can compare across a clip. The labels are
the manifest's `voices` column (the generator's flite voice names; a speed or pitch perturbation
of a voice counts as that voice). Nothing of this runs at inference.
The contrast is cosine-based, so it says nothing of how large the acoustic part is beside the
semantic part; in wavllm-mini it stayed at ~13 % of the semantic part's norm, a small ripple on
what is said. `voice_contrast_source: fused` contrasts the fused frames themselves instead: what
the LLM reads must then tell the voices apart, whatever the semantic part holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.nn import functional as F

from ..modeling import EncoderOutputs, WavLLMForConditionalGeneration

# Cosine similarities are divided by this before the softmax (SupCon's usual value).
VOICE_TEMPERATURE = 0.1


def voice_contrast_loss(model: WavLLMForConditionalGeneration, encoded: EncoderOutputs,
                        voices: Sequence[Sequence[str]], source: str = "acoustic") -> torch.Tensor | None:
    """Mean supervised contrastive loss, on the `source` frames ("acoustic": the acoustic part;
    "fused": the fused frames themselves), over the one-voice clips that share their voice with
    another clip of the batch; None when no such clip has a clip by another voice to be told from."""
    keep = [i for i, names in enumerate(voices) if len(names) == 1]
    labels = [voices[i][0] for i in keep]
    if len(set(labels)) < 2 or len(set(labels)) == len(labels):
        return None
    frames, lengths = model.bridge_frames(encoded, source)
    frames, lengths = frames[keep].float(), lengths[keep]
    valid = (torch.arange(frames.shape[1], device=frames.device)[None] < lengths[:, None]).unsqueeze(-1)
    pooled = F.normalize((frames * valid).sum(1) / lengths[:, None].clamp_min(1), dim=-1)
    same_clip = torch.eye(len(keep), dtype=torch.bool, device=frames.device)
    log_prob = (pooled @ pooled.T / VOICE_TEMPERATURE).masked_fill(same_clip, float("-inf")).log_softmax(-1)
    ids = {name: i for i, name in enumerate(sorted(set(labels)))}
    label_ids = torch.tensor([ids[name] for name in labels], device=frames.device)
    positive = (label_ids[:, None] == label_ids[None, :]) & ~same_clip
    anchors = positive.any(1)
    per_anchor = log_prob.masked_fill(~positive, 0).sum(1) / positive.sum(1).clamp_min(1)
    return -per_anchor[anchors].mean()
