"""The ground every flow stands on: the clock, translations (Babel), the channel-free
dialog engine and the staff conversation it keeps, text limits and cleaning, phone numbers,
readability, our own links, a meeting's time and own words as people read them, the guard
rails (who sits at the table), and the words for the domain's fixed choices.

May import: storage.
"""
