"""Local mode's demo: one team, one convenor and one meeting to try, and what the simulator
page needs to know about them. Never reached on a configured server (bot.local serves it).

May import: storage, any flows package.
"""
