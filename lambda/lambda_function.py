"""The Lambda entry point: re-exports the skill's `lambda_handler`; it owns nothing else and holds no logic."""

from skill.app import lambda_handler

__all__ = ["lambda_handler"]
