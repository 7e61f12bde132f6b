"""Colours and sizes shared by the certificate and the report."""

from __future__ import annotations

from reportlab.lib.colors import Color, HexColor

INK = HexColor("#1F2328")
MUTED = HexColor("#55606E")
NAVY = HexColor("#17365D")
GOLD = HexColor("#A8843C")
GOLD_LIGHT = HexColor("#E9DDC2")
PAPER = HexColor("#FFFDF7")
TRACK = HexColor("#E4E8EE")
GRID = HexColor("#C9D0DA")
BAR = HexColor("#2B5C8A")
RULE = HexColor("#D5DBE3")
DRAFT_RED = Color(0.78, 0.16, 0.16)
DRAFT_WATERMARK = Color(0.78, 0.16, 0.16, alpha=0.12)
SHADE = HexColor("#F3F5F8")
