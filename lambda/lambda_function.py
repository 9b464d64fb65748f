"""The Lambda entry point: re-exports the skill's `lambda_handler`; owns nothing else, holds no logic."""

from skill.app import lambda_handler

__all__ = ["lambda_handler"]
