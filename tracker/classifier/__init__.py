"""The section classifier's heavy side: weak labels, training, evaluation, bulk inference."""
