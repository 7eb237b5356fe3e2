"""Which parameters train in each stage of the paper's curriculum.

Stage 1 (mixed single tasks): both bridges (subsamplers, adapters, projectors), the fusion, the
acoustic layer weights and the LoRA, with a constant LoRA scale. Stage 2 (advanced multi-task):
the same plus the prompt adapter, the LoRA now scaled by its r. `prompt_aware=False` trains stage 2
with plain LoRA instead (prompt adapter frozen, constant scale), the paper's comparison.
`lora=False` keeps the LoRA frozen: a bridge-only warm-up, so the LLM is not adapted to bridge
output that does not carry the words yet.
The speech encoders and the LLM's own weights never train.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

BRIDGE_PREFIXES = ("semantic_bridge.", "acoustic_bridge.", "fusion.")
LAYER_WEIGHTS = "acoustic_encoder.layer_weights"
LORA_SUFFIXES = (".lora_A", ".lora_B")
PROMPT_ADAPTER_PREFIX = "prompt_adapter."


@dataclass(frozen=True)
class StagePlan:
    stage: int
    prompt_aware: bool
    lora: bool = True

    @property
    def trains_prompt_adapter(self) -> bool:
        return self.stage == 2 and self.prompt_aware

    @property
    def lora_scale_mode(self) -> str:
        return "prompt" if self.trains_prompt_adapter else "constant"

    def trains(self, name: str) -> bool:
        if name.startswith(BRIDGE_PREFIXES) or name == LAYER_WEIGHTS:
            return True
        if name.endswith(LORA_SUFFIXES):
            return self.lora
        return self.trains_prompt_adapter and name.startswith(PROMPT_ADAPTER_PREFIX)


def stage_plan(stage: int, prompt_aware: bool = True, lora: bool = True) -> StagePlan:
    if stage not in (1, 2):
        raise ValueError(f"stage must be 1 or 2, got {stage}")
    return StagePlan(stage, prompt_aware, lora)


def configure_stage(model: nn.Module, plan: StagePlan) -> list[str]:
    """Freeze everything but the stage's parameters and set the LoRA scale mode; return the
    names of the parameters that train."""
    names = []
    for name, param in model.named_parameters():
        param.requires_grad_(plan.trains(name))
        if param.requires_grad:
            names.append(name)
    model.config.lora_scale_mode = plan.lora_scale_mode
    return names
