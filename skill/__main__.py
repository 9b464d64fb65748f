"""`python -m skill ...` is the `muscle-coach` command."""

from __future__ import annotations

from skill.local.cli import main

raise SystemExit(main())
