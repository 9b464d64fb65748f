"""Developer tools that are never needed in Lambda: the CLI, the utterance resolver, chat, serve, validate."""
