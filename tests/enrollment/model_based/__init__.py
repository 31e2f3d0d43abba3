"""The world and the oracle of the model-based test (tests/enrollment/test_model_based.py)."""
