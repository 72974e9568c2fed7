"""The section classifier's heavy side: weak labels, training (torch), evaluation, bulk inference."""
