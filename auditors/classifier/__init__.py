"""The section classifier: which parts of a model card talk about bias, evaluation, use, license…

Pure code only: cutting a card into sections, turning a section into features, and running the
shipped weights with numpy (one card, no torch import). Training, batched torch inference and the
database live in `tracker.classifier`.
"""
