"""Track your progress through the AI Engineer Roadmap 2026 from the terminal."""

__version__ = "0.1.0"
