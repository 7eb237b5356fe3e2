"""The instruction wordings of the released WavLLM test sets, in one place: the app's presets, the
toy and synthetic training data and the evaluation all use these exact strings."""

ASR = "Based on the attached audio, generate a comprehensive text transcription of the spoken content."
ONE_SPEAKER = "Is there only one speaker in the audio clip?"
TRANSLATE = "Translate the audio clip into {language}."
