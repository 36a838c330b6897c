"""`newswatch evaluate`: a labelled set replayed through a throwaway archive and scored.

records.py reads and checks the JSON Lines; replay.py stores each record as the daemon
stores an extracted article (seeds first, then dedup, rules and the outbox, in file order)
and reads back what happened; scores.py turns labels and outcomes into the quality table
and the list of misses; report.py prints them.
"""
