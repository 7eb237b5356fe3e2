"""The instruction wordings of the released WavLLM test sets, in one place: the app's presets, the
toy and synthetic training data and the evaluation all use these exact strings; and which typed
instructions ask for a plain transcript, since those are decoded guided by the frames."""

import re

ASR = "Based on the attached audio, generate a comprehensive text transcription of the spoken content."
ONE_SPEAKER = "Is there only one speaker in the audio clip?"
TRANSLATE = "Translate the audio clip into {language}."

# The transcript requests wavllm-mini was trained on (`data make` draws its ASR rows' prompts from these).
TRANSCRIPT_REQUESTS = (
    ASR,
    "Transcribe the audio clip into text.",
    "Write down exactly what is said in the recording.",
    "What does the speaker say? Give the exact words.",
    "Please transcribe this recording.",
    "Convert the speech in this audio to text.",
    "Listen to the audio and write out every word you hear.",
    "Give me a word-for-word transcript of the audio.",
    "Can you write down what you hear in this clip?",
)
_AUDIO = r"(?:the |this |that |my )?(?:audio(?: clip)?|clip|recording|speech|sound file|file)"
_SHORT_REQUEST = re.compile(
    r"(?:please |can you |could you |would you )?"
    r"(?:transcribe(?: it| this| that)?"
    r"|write (?:down|out) (?:what is said|what's said|what you hear|every word|the words)"
    r"|give (?:me )?(?:a |the )?(?:word[- ]for[- ]word |full |verbatim |exact )?transcript(?:ion)?"
    r"|(?:make|generate|produce) (?:a |the )?(?:full |verbatim )?transcript(?:ion)?)"
    rf"(?: (?:of|in|from) {_AUDIO}| {_AUDIO})?(?: (?:into|to|as) text)?(?: for me)?(?: please)?"
)


def asks_for_transcript(instruction: str) -> bool:
    """Whether `instruction` asks for a plain transcript and nothing more: one of the trained
    wordings, or a short request such as "Transcribe this." or "Give me a transcript, please".
    Anything that also asks for more ("transcribe, then answer") is not one."""
    line = " ".join(instruction.split())
    if line in TRANSCRIPT_REQUESTS:
        return True
    plain = re.sub(r"[.!?]+$", "", line.lower().replace(",", "")).strip()
    return _SHORT_REQUEST.fullmatch(plain) is not None
