"""Training the models the assistant learns from its question data.

``python -m training`` fine-tunes the embedder (:mod:`training.embedder`), builds the index with
it, and trains the reader (:mod:`training.reader`); each step is skipped when its inputs have not
changed. Artefacts go to ``settings.cache_dir/models``; their ids name their inputs.
"""
