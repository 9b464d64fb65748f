"""Muscle Coach: an Alexa skill that explains muscle twitching after a workout."""
