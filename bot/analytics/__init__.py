"""Figures, history, the weekly report and the case library, read from Redis through the stores."""
