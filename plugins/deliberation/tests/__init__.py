"""Tests of the deliberation plugin."""
