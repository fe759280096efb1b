"""Improvement actions (整改): from a published result to verified work, shown back to the
members on the unit's public 你说我改 page."""
