"""The archive review UI (`newswatch serve`): inbox and triage, search, stories, charts."""
